/// Hugging Face's `ByteLevel` pre-tokenizer (GPT-2, RoBERTa, BART): an optional space before the text, then the
/// GPT-2 pattern splits it into words, whose UTF-8 bytes the BPE model spells with one printable character each.
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// The pattern is matched by hand rather than by a regex engine: its alternatives are simple enough, and the
/// character classes have to be Oniguruma's (HF's engine) exactly.
public struct ByteLevelPreTokenizer: Sendable, Equatable {
    /// Puts a space before each piece of text that does not start with one, so the first word is spelled like the
    /// others ("Ġhello"). RoBERTa and BART leave it off.
    public var addPrefixSpace: Bool
    /// Splits with the GPT-2 pattern; without it each piece of text is one word.
    public var useRegex: Bool

    public init(addPrefixSpace: Bool = false, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    /// How the pattern sees a scalar.
    enum Class: UInt8 {
        case letter, number, space, other
    }

    /// The version of Oniguruma's Unicode tables (6.9.10, in HF `tokenizers` 0.23): a scalar assigned later is
    /// unassigned there, so neither a letter, a number nor a space. Checked against HF for every code point.
    static let unicodeVersion = (major: 16, minor: 0)

    /// `\p{L}` (Lu Ll Lt Lm Lo), `\p{N}` (Nd Nl No) and `\s` (Oniguruma: tab to CR, NEL, Zs, Zl, Zp).
    @inline(__always)
    static func classify(_ scalar: Unicode.Scalar) -> Class {
        let value = scalar.value
        if value < 0x80 { return asciiClasses[Int(value)] }
        let properties = scalar.properties
        if value == 0x85 { return .space }
        let category = properties.generalCategory
        let kind: Class
        switch category {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: kind = .letter
        case .decimalNumber, .letterNumber, .otherNumber: kind = .number
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: kind = .space
        default: return .other
        }
        guard let age = properties.age else { return .other }
        let newer = age.major > unicodeVersion.major || (age.major == unicodeVersion.major && age.minor > unicodeVersion.minor)
        return newer ? .other : kind
    }

    private static let asciiClasses: [Class] = (0..<128).map { value in
        switch value {
        case 0x09...0x0D, 0x20: .space
        case 0x30...0x39: .number
        case 0x41...0x5A, 0x61...0x7A: .letter
        default: .other
        }
    }

    /// Calls `body` with the index range of each word of `scalars`, in order. `scalars` already has its prefix space.
    @inline(__always)
    func forEachWord(in scalars: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        guard self.useRegex else {
            if !scalars.isEmpty { body(scalars.startIndex..<scalars.endIndex) }
            return
        }
        let end = scalars.endIndex
        var start = scalars.startIndex
        while start < end {
            let next = Self.match(scalars, at: start)
            body(start..<next)
            start = next
        }
    }

    /// The end of the pattern's match at `start`: the first alternative that matches, each as long as it can be.
    /// Every scalar is a letter, a number, a space or other, so some alternative always matches.
    @inline(__always)
    static func match(_ scalars: ArraySlice<Unicode.Scalar>, at start: Int) -> Int {
        let end = scalars.endIndex
        let first = scalars[start]
        // 's 't 're 've 'm 'll 'd, lower case only.
        if first == "'" && start + 1 < end {
            switch scalars[start + 1] {
            case "s", "t", "m", "d": return start + 2
            case "r" where start + 2 < end && scalars[start + 2] == "e": return start + 3
            case "v" where start + 2 < end && scalars[start + 2] == "e": return start + 3
            case "l" where start + 2 < end && scalars[start + 2] == "l": return start + 3
            default: break
            }
        }
        let firstClass = classify(first)
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`: one space may lead a run of one class.
        var runStart = start
        var runClass = firstClass
        if first == " " && start + 1 < end {
            let following = classify(scalars[start + 1])
            if following != .space {
                runStart = start + 1
                runClass = following
            }
        }
        if runClass != .space {
            var position = runStart + 1
            while position < end && classify(scalars[position]) == runClass { position += 1 }
            return position
        }
        // `\s+(?!\S)`: a run of spaces, less the last one when a word follows it; `\s+` when that leaves nothing.
        var position = start + 1
        while position < end && classify(scalars[position]) == .space { position += 1 }
        if position == end || position - start == 1 { return position }
        return position - 1
    }

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the other 68 bytes for U+0100…U+0143
    /// in order, so every byte is a visible character ("Ġ" is the space).
    static let byteCharacters: [Unicode.Scalar] = {
        var characters = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            switch byte {
            case 0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF:
                characters[byte] = Unicode.Scalar(UInt8(byte))
            default:
                characters[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return characters
    }()

    /// The byte-level spelling of `bytes`, as the BPE vocabulary writes it.
    static func spell(_ bytes: some Sequence<UInt8>) -> String {
        var view = String.UnicodeScalarView()
        for byte in bytes { view.append(byteCharacters[Int(byte)]) }
        return String(view)
    }

    /// The words of `text` as HF's `pre_tokenize_str` gives them: byte-level spellings, after the prefix space.
    public func split(_ text: String) -> [String] {
        var scalars = Array(text.unicodeScalars)
        if self.addPrefixSpace && scalars.first != " " && !scalars.isEmpty { scalars.insert(" ", at: 0) }
        var words: [String] = []
        self.forEachWord(in: scalars[...]) { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            words.append(Self.spell(String(view).utf8))
        }
        return words
    }
}
