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

    /// Whether `"key"` appears as an object key in the text (optionally with an object as its value: `"usage":{`,
    /// not `"usage":null`). A byte scan: Foundation's `String.contains` costs microseconds per call on Linux, and
    /// this runs on every chunk of every stream.
    public static func mentions(_ text: String, key: String, followedByObject: Bool = false) -> Bool {
        let needle = Array(("\"" + key + "\"").utf8)
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            var index = 0
            let last = bytes.count - needle.count
            while index <= last {
                if bytes[index] == needle[0] {
                    var matched = true
                    for offset in 1..<needle.count where bytes[index + offset] != needle[offset] {
                        matched = false
                        break
                    }
                    if matched {
                        var after = index + needle.count
                        while after < bytes.count && (bytes[after] == 0x20 || bytes[after] == 0x0A || bytes[after] == 0x0D || bytes[after] == 0x09) {
                            after += 1
                        }
                        if after < bytes.count && bytes[after] == UInt8(ascii: ":") {
                            guard followedByObject else { return true }
                            after += 1
                            while after < bytes.count
                                && (bytes[after] == 0x20 || bytes[after] == 0x0A || bytes[after] == 0x0D || bytes[after] == 0x09)
                            { after += 1 }
                            if after < bytes.count && bytes[after] == UInt8(ascii: "{") { return true }
                        }
                    }
                }
                index += 1
            }
            return false
        }
    }
}
