/// A cheap structural pass over a JSON text: brackets balance outside strings, the text is one complete value, and
/// where each top-level member's value lies. Used on pass-through stream chunks and answers, where a full parse
/// would cost more than the proxying itself and the failure that matters is a body cut short.
public enum JSONStructure {
    public static func isComplete(_ text: String) -> Bool {
        self.summarize(text).isComplete
    }

    /// What one pass over a stream chunk tells: whether it is complete, and whether it carries a top-level `error`
    /// (not null) or a `usage` object — the only chunks worth a full parse.
    public struct Summary: Sendable, Equatable {
        public var isComplete: Bool
        public var hasError: Bool
        public var hasUsage: Bool
    }

    public static func summarize(_ text: String) -> Summary {
        var text = text
        return text.withUTF8 { bytes in
            var summary = Summary(isComplete: false, hasError: false, hasUsage: false)
            summary.isComplete = self.scan(bytes) { key, value in
                guard let key else { return }
                let first = bytes[value.lowerBound]
                if key.elementsEqual("error".utf8) && first != UInt8(ascii: "n") { summary.hasError = true }
                if key.elementsEqual("usage".utf8) && first == UInt8(ascii: "{") { summary.hasUsage = true }
            }
            return summary
        }
    }

    /// The bytes of the named top-level members' values in a complete JSON object, without building the object;
    /// nil when the text is not one complete object. Only the structure is checked, not every token's syntax.
    public static func members(_ keys: Set<String>, of bytes: [UInt8]) -> [String: ArraySlice<UInt8>]? {
        self.members(keys, of: bytes[...])
    }

    /// The same for a value inside a larger text (a member's or an element's bytes).
    public static func members(_ keys: Set<String>, of bytes: ArraySlice<UInt8>) -> [String: ArraySlice<UInt8>]? {
        bytes.withUnsafeBufferPointer { buffer -> [String: ArraySlice<UInt8>]? in
            guard buffer.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "{") else { return nil }
            var found: [String: ArraySlice<UInt8>] = [:]
            let complete = self.scan(buffer) { key, value in
                guard let key, let name = keys.first(where: { key.elementsEqual($0.utf8) }) else { return }
                found[name] = Self.slice(bytes, value)
            }
            return complete ? found : nil
        }
    }

    /// The bytes of each element of a complete JSON array, in order; nil when the text is not one complete array.
    public static func elements(of bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        bytes.withUnsafeBufferPointer { buffer -> [ArraySlice<UInt8>]? in
            guard buffer.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "[") else { return nil }
            var found: [ArraySlice<UInt8>] = []
            let complete = self.scan(buffer) { _, value in
                found.append(Self.slice(bytes, value))
            }
            return complete ? found : nil
        }
    }

    /// The part of `bytes` at `range`, counted from its start (a slice's own indices need not begin at 0).
    private static func slice(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>) -> ArraySlice<UInt8> {
        bytes[(bytes.startIndex + range.lowerBound)..<(bytes.startIndex + range.upperBound)]
    }

    /// Whether a value's bytes are a string with at least one character.
    public static func isNonEmptyString(_ value: ArraySlice<UInt8>) -> Bool {
        value.first == UInt8(ascii: "\"") && value.count > 2
    }

    /// Whether a value's bytes are an array with at least one element.
    public static func isNonEmptyArray(_ value: ArraySlice<UInt8>) -> Bool {
        value.first == UInt8(ascii: "[") && value.dropFirst().first(where: { !Self.isSpace($0) }).map { $0 != UInt8(ascii: "]") } == true
    }

    /// One pass: reports each member of a top-level object (its key's bytes and its value's range, spaces trimmed)
    /// or each element of a top-level array (no key), and returns whether the text is one complete value.
    private static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>,
        member: (_ key: UnsafeBufferPointer<UInt8>?, _ value: Range<Int>) -> Void
    ) -> Bool {
        var depth = 0
        var index = 0
        var expectKey = false
        var sawValue = false
        var inObject = false  // the text is an object, so depth 1 holds its members
        var key: Range<Int>?  // the top-level key whose value is being read
        var valueStart: Int?  // just after that key's colon, or after an array's bracket or comma
        let count = bytes.count

        func report(endingAt end: Int) {
            defer { (key, valueStart) = (nil, nil) }
            guard inObject == (key != nil), var lower = valueStart else { return }
            var upper = end
            while lower < upper && Self.isSpace(bytes[lower]) { lower += 1 }
            while upper > lower && Self.isSpace(bytes[upper - 1]) { upper -= 1 }
            if lower < upper { member(key.map { UnsafeBufferPointer(rebasing: bytes[$0]) }, lower..<upper) }
        }

        while index < count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                // A string: find its end, skipping escapes.
                let start = index + 1
                index += 1
                while index < count && bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    index += 1
                }
                guard index < count else { return false }
                if depth == 1 && inObject && expectKey { key = start..<index }
                expectKey = false
                sawValue = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 && sawValue { return false }
                depth += 1
                if depth == 1 {
                    inObject = byte == UInt8(ascii: "{")
                    if !inObject { valueStart = index + 1 }
                }
                expectKey = inObject && depth == 1
                sawValue = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return false }
                if depth == 0 { report(endingAt: index) }
            case UInt8(ascii: ","):
                if depth == 1 {
                    report(endingAt: index)
                    if inObject { expectKey = true } else { valueStart = index + 1 }
                }
            case UInt8(ascii: ":"):
                if depth == 1 && key != nil { valueStart = index + 1 }
            case 0x20, 0x0A, 0x0D, 0x09:
                break
            default:
                sawValue = true
            }
            index += 1
        }
        return depth == 0 && sawValue
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
