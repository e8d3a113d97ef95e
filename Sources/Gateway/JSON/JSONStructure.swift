/// A cheap structural check of a JSON text: brackets balance outside strings and the text is one complete value.
/// Used on pass-through stream chunks, where a full parse of every chunk would cost more than the proxying itself
/// and the failure that matters is a chunk cut short.
public enum JSONStructure {
    public static func isComplete(_ text: String) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        var sawValue = false
        for unit in text.utf8 {
            if inString {
                if escaped {
                    escaped = false
                } else if unit == UInt8(ascii: "\\") {
                    escaped = true
                } else if unit == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch unit {
            case UInt8(ascii: "\""):
                inString = true
                sawValue = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 && sawValue { return false }
                depth += 1
                sawValue = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return false }
            case 0x20, 0x0A, 0x0D, 0x09:
                break
            default:
                sawValue = true
            }
        }
        return depth == 0 && !inString && sawValue
    }
}
