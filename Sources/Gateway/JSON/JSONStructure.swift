/// A cheap structural check of a JSON text: brackets balance outside strings and the text is one complete value.
/// Used on pass-through stream chunks, where a full parse of every chunk would cost more than the proxying itself
/// and the failure that matters is a chunk cut short.
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
            var depth = 0
            var index = 0
            var expectKey = false
            var sawValue = false
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    // A string: find its end (skipping escapes); at depth 1 in key position, note which key it is.
                    let start = index + 1
                    index += 1
                    while index < count && bytes[index] != UInt8(ascii: "\"") {
                        if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                        index += 1
                    }
                    guard index < count else { return summary }
                    if depth == 1 && expectKey {
                        let key = UnsafeBufferPointer(rebasing: bytes[start..<index])
                        var value = index + 1
                        while value < count
                            && (bytes[value] == 0x20 || bytes[value] == UInt8(ascii: ":") || bytes[value] == 0x0A || bytes[value] == 0x0D
                                || bytes[value] == 0x09)
                        {
                            value += 1
                        }
                        if value < count {
                            if key.elementsEqual("error".utf8) && bytes[value] != UInt8(ascii: "n") { summary.hasError = true }
                            if key.elementsEqual("usage".utf8) && bytes[value] == UInt8(ascii: "{") { summary.hasUsage = true }
                        }
                    }
                    expectKey = false
                    sawValue = true
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if depth == 0 && sawValue { return summary }
                    depth += 1
                    expectKey = byte == UInt8(ascii: "{")
                    sawValue = true
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth < 0 { return summary }
                case UInt8(ascii: ","):
                    expectKey = true
                case 0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ":"):
                    break
                default:
                    sawValue = true
                }
                index += 1
            }
            summary.isComplete = depth == 0 && sawValue
            return summary
        }
    }
}
