/// A token that HF matches in the text itself before the model sees it ("[CLS]", "[MASK]"…), from `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int32
    public var special: Bool
    /// Matched in the normalized text rather than the raw text.
    public var normalized: Bool
    /// Also absorbs the whitespace before (`lstrip`) or after (`rstrip`) a match.
    public var leftStrip: Bool
    public var rightStrip: Bool
    /// Matches only when not inside a word.
    public var singleWord: Bool

    public init(
        content: String,
        id: Int32,
        special: Bool = true,
        normalized: Bool = false,
        leftStrip: Bool = false,
        rightStrip: Bool = false,
        singleWord: Bool = false
    ) {
        self.content = content
        self.id = id
        self.special = special
        self.normalized = normalized
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.singleWord = singleWord
    }
}

/// Splits text around added tokens as HF's `AddedVocabulary` does: leftmost-longest, non-overlapping matches, so
/// "[CLS]" typed by a user is the [CLS] id, while "[cls]" is ordinary text.
struct AddedTokenMatcher: Sendable {
    enum Segment {
        case text(Range<Int>)
        case token(AddedToken)
    }

    private struct Pattern: Sendable {
        let scalars: [Unicode.Scalar]
        let token: AddedToken
    }

    /// Longest first, so the first pattern that matches at a position is the leftmost-longest match.
    private let patterns: [Pattern]
    /// Bit `v` set when some pattern starts with ASCII scalar `v`, so most positions are skipped with one test.
    private let asciiStarts: (UInt64, UInt64)
    private let otherStarts: [Unicode.Scalar]

    /// `spell` gives the scalars to look for: the content itself, or its normalized form for normalized tokens.
    init(_ tokens: [AddedToken], spell: (AddedToken) -> [Unicode.Scalar]) {
        let patterns = tokens.map { Pattern(scalars: spell($0), token: $0) }.filter { !$0.scalars.isEmpty }
        self.patterns = patterns.sorted { $0.scalars.count > $1.scalars.count }
        var asciiStarts: (UInt64, UInt64) = (0, 0)
        var otherStarts: [Unicode.Scalar] = []
        for first in patterns.compactMap(\.scalars.first) {
            switch first.value {
            case 0..<64: asciiStarts.0 |= 1 << UInt64(first.value)
            case 64..<128: asciiStarts.1 |= 1 << UInt64(first.value - 64)
            default: otherStarts.append(first)
            }
        }
        self.asciiStarts = asciiStarts
        self.otherStarts = otherStarts
    }

    var isEmpty: Bool { self.patterns.isEmpty }

    /// Calls `body` with the text between matches and with each matched token, in order.
    func split(_ scalars: ArraySlice<Unicode.Scalar>, _ body: (Segment) -> Void) {
        var textStart = scalars.startIndex
        var position = scalars.startIndex
        while position < scalars.endIndex {
            guard self.mayStart(scalars[position]), let pattern = self.match(in: scalars, at: position) else {
                position += 1
                continue
            }
            let token = pattern.token
            let matchEnd = position + pattern.scalars.count
            if token.singleWord {
                let wordBefore = position > scalars.startIndex && Self.isWordCharacter(scalars[position - 1])
                let wordAfter = matchEnd < scalars.endIndex && Self.isWordCharacter(scalars[matchEnd])
                if wordBefore || wordAfter {
                    // HF's matcher resumes after a discarded match, not inside it.
                    position = matchEnd
                    continue
                }
            }
            var start = position
            var end = matchEnd
            if token.leftStrip {
                while start > textStart && BertCharacters.isWhitespace(scalars[start - 1]) { start -= 1 }
            }
            if token.rightStrip {
                while end < scalars.endIndex && BertCharacters.isWhitespace(scalars[end]) { end += 1 }
            }
            if textStart < start { body(.text(textStart..<start)) }
            body(.token(token))
            textStart = end
            position = max(matchEnd, end)
        }
        if textStart < scalars.endIndex { body(.text(textStart..<scalars.endIndex)) }
    }

    /// Appends each matched token's id to `ids` and hands the text between matches to `tokenizeText`, in order;
    /// stops once `ids` holds `limit` ids, since truncation keeps a prefix. Each tokenizer's passes over raw and
    /// normalized text go through here.
    func split(
        _ scalars: ArraySlice<Unicode.Scalar>,
        limit: Int,
        into ids: inout [Int32],
        tokenizeText: (ArraySlice<Unicode.Scalar>, inout [Int32]) -> Void
    ) {
        if self.isEmpty {
            tokenizeText(scalars, &ids)
            return
        }
        self.split(scalars) { segment in
            guard ids.count < limit else { return }
            switch segment {
            case .text(let range): tokenizeText(scalars[range], &ids)
            case .token(let token): ids.append(token.id)
            }
        }
    }

    @inline(__always)
    private func mayStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<64: return self.asciiStarts.0 & (1 << UInt64(scalar.value)) != 0
        case 64..<128: return self.asciiStarts.1 & (1 << UInt64(scalar.value - 64)) != 0
        default: return !self.otherStarts.isEmpty && self.otherStarts.contains(scalar)
        }
    }

    private func match(in scalars: ArraySlice<Unicode.Scalar>, at position: Int) -> Pattern? {
        let available = scalars.endIndex - position
        for pattern in self.patterns where pattern.scalars.count <= available {
            if scalars[position..<(position + pattern.scalars.count)].elementsEqual(pattern.scalars) { return pattern }
        }
        return nil
    }

    /// Rust regex `\w`: alphabetic, marks, decimal digits, connector punctuation and the joiners.
    private static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
