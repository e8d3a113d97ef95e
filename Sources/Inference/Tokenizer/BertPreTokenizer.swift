/// Hugging Face's `BertPreTokenizer`: split on whitespace (dropped), then isolate every punctuation scalar as its own word.
public struct BertPreTokenizer: Sendable, Equatable {
    public init() {}

    /// The words of already-normalized text, for tests and tools; builds a character table, so it is slow to call repeatedly.
    func split(_ text: String, table: BertCharacterTable = BertCharacterTable()) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var words: [String] = []
        self.forEachWord(in: scalars[...], table: table) { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            words.append(String(view))
        }
        return words
    }

    /// Calls `body` with the index range of each word in `scalars`, in order, without copying anything.
    @inline(__always)
    func forEachWord(in scalars: ArraySlice<Unicode.Scalar>, table: BertCharacterTable, _ body: (Range<Int>) -> Void) {
        var wordStart = -1
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let entry = table.entry(scalars[index])
            if !entry.isPlain && entry.flags.contains(.whitespace) {
                if wordStart >= 0 { body(wordStart..<index) }
                wordStart = -1
            } else if !entry.isPlain && entry.flags.contains(.punctuation) {
                if wordStart >= 0 { body(wordStart..<index) }
                wordStart = -1
                body(index..<(index + 1))
            } else if wordStart < 0 {
                wordStart = index
            }
            index += 1
        }
        if wordStart >= 0 { body(wordStart..<scalars.endIndex) }
    }
}
