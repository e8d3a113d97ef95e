/// Reads one JSON text (RFC 8259, strictly: no trailing commas, no `NaN`, no unpaired surrogates, valid UTF-8) into a
/// `JSONValue`. Hand-written because Foundation's reader, with the bridging of the `Any` tree it returns, costs about
/// five times this on Linux, and the gateway parses every request body and every event of a translated stream.
struct JSONParser {
    /// Deeper nesting is refused rather than risking the stack on a hostile body.
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes)
        // A byte order mark is allowed before UTF-8 JSON (RFC 8259 §8.1), and some clients write one.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { parser.index = 3 }
        guard !bytes.isEmpty else { throw JSONError(message: "the body is empty") }
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.error("more text after the JSON value") }
        return value
    }

    // MARK: Values

    private mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard self.index < self.bytes.count else { throw self.error("the text ends where a value should be") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return try self.object(depth: depth + 1)
        case UInt8(ascii: "["): return try self.array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"):
            try self.literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try self.number()
        default:
            throw self.error("\(self.describeByte()) where a value should be")
        }
    }

    private mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw self.error("the value is nested more than \(Self.maxDepth) levels deep") }
        self.index += 1
        var members: [String: JSONValue] = [:]
        self.skipSpace()
        if self.peek == UInt8(ascii: "}") {
            self.index += 1
            return .object(members)
        }
        while true {
            guard self.peek == UInt8(ascii: "\"") else {
                throw self.error(
                    self.index < self.bytes.count
                        ? "\(self.describeByte()) where a member's name in quotes should be" : "the text ends inside an object"
                )
            }
            let key = try self.string()
            self.skipSpace()
            guard self.peek == UInt8(ascii: ":") else { throw self.error("expected ':' after the member name \"\(key)\"") }
            self.index += 1
            self.skipSpace()
            members[key] = try self.value(depth: depth)
            self.skipSpace()
            switch self.peek {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipSpace()
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(members)
            case nil:
                throw self.error("the text ends inside an object")
            default:
                throw self.error("\(self.describeByte()) where ',' or '}' should be")
            }
        }
    }

    private mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= Self.maxDepth else { throw self.error("the value is nested more than \(Self.maxDepth) levels deep") }
        self.index += 1
        var elements: [JSONValue] = []
        self.skipSpace()
        if self.peek == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            elements.append(try self.value(depth: depth))
            self.skipSpace()
            switch self.peek {
            case UInt8(ascii: ","):
                self.index += 1
                self.skipSpace()
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            case nil:
                throw self.error("the text ends inside an array")
            default:
                throw self.error("\(self.describeByte()) where ',' or ']' should be")
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONError) {
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        guard self.index + count <= self.bytes.count, self.bytes[self.index..<(self.index + count)].elementsEqual(expected) else {
            throw self.error("\(self.describeByte()) where a value should be")
        }
        self.index += count
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; an integer that fits stays an `Int`, the rest are
    /// doubles, and a number no double can hold is refused.
    private mutating func number() throws(JSONError) -> JSONValue {
        let start = self.index
        let negative = self.bytes[self.index] == UInt8(ascii: "-")
        if negative { self.index += 1 }
        guard let first = self.peek, Self.isDigit(first) else { throw self.error("a number needs a digit after '-'") }
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            self.index += 1
            if let next = self.peek, Self.isDigit(next) { throw self.error("a number may not start with 0") }
        } else {
            while let digit = self.peek, Self.isDigit(digit) {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                magnitude = sum
                overflow = overflow || o1 || o2
                self.index += 1
            }
        }
        var integer = true
        if self.peek == UInt8(ascii: ".") {
            integer = false
            self.index += 1
            try self.digits("a number needs a digit after its '.'")
        }
        if self.peek == UInt8(ascii: "e") || self.peek == UInt8(ascii: "E") {
            integer = false
            self.index += 1
            if self.peek == UInt8(ascii: "+") || self.peek == UInt8(ascii: "-") { self.index += 1 }
            try self.digits("a number needs a digit in its exponent")
        }
        if integer && !overflow {
            if !negative && magnitude <= UInt64(Int.max) { return .int(Int(magnitude)) }
            if negative && magnitude <= UInt64(Int.max) + 1 { return .int(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            self.index = start
            throw self.error("the number \(text.prefix(40)) is out of range")
        }
        return .double(value)
    }

    private mutating func digits(_ problem: String) throws(JSONError) {
        guard let first = self.peek, Self.isDigit(first) else { throw self.error(problem) }
        while let digit = self.peek, Self.isDigit(digit) { self.index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: Strings

    /// A string, the index at its opening quote. A run without escapes (the usual case) becomes the `String` in one
    /// step; escapes collect the bytes first. Either way the UTF-8 is checked, not repaired.
    private mutating func string() throws(JSONError) -> String {
        self.index += 1
        let start = self.index
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            self.index += 1
        }
        guard self.index < self.bytes.count else { throw self.error("the text ends inside a string") }
        if self.bytes[self.index] == UInt8(ascii: "\"") {
            let text = try self.text(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]), startingAt: start)
            self.index += 1
            return text
        }
        var collected = Array(UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return try collected.withUnsafeBufferPointer { (buffer) throws(JSONError) -> String in
                    try self.text(buffer, startingAt: start)
                }
            case UInt8(ascii: "\\"):
                try self.escape(into: &collected)
            case 0..<0x20:
                throw self.error("a string holds the control character \(Self.hex(byte)) unescaped")
            default:
                collected.append(byte)
                self.index += 1
            }
        }
        throw self.error("the text ends inside a string")
    }

    /// One escape sequence, the index at its backslash.
    private mutating func escape(into collected: inout [UInt8]) throws(JSONError) {
        self.index += 1
        guard let letter = self.peek else { throw self.error("the text ends inside a string") }
        self.index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): collected.append(letter)
        case UInt8(ascii: "b"): collected.append(0x08)
        case UInt8(ascii: "f"): collected.append(0x0C)
        case UInt8(ascii: "n"): collected.append(0x0A)
        case UInt8(ascii: "r"): collected.append(0x0D)
        case UInt8(ascii: "t"): collected.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.hexQuad()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one; together they name one scalar.
                guard self.peek == UInt8(ascii: "\\"), self.index + 1 < self.bytes.count, self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw self.error("the escape \\u\(Self.hex4(scalar)) is half of a surrogate pair without the other half") }
                self.index += 2
                let low = try self.hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw self.error("the escape \\u\(Self.hex4(scalar)) is half of a surrogate pair without the other half")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw self.error("the escape \\u\(Self.hex4(scalar)) is half of a surrogate pair without the other half")
            }
            // Surrogates were handled above, so the scalar is valid.
            collected.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
        default:
            self.index -= 1
            let shown = (0x21..<0x7F).contains(letter) ? "\\\(Character(Unicode.Scalar(letter)))" : "a backslash before \(Self.hex(letter))"
            throw self.error("\(shown) is not an escape JSON knows")
        }
    }

    /// The four hex digits of a `\u` escape.
    private mutating func hexQuad() throws(JSONError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.error("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    /// The string for a run of UTF-8 bytes, refused when they are not valid UTF-8.
    private func text(_ run: UnsafeBufferPointer<UInt8>, startingAt start: Int) throws(JSONError) -> String {
        // `String(decoding:)` repairs what is invalid, so the text is valid when it reads back as the same bytes
        // (checked only past ASCII, which cannot be invalid; `String(validating:)` costs more than both).
        let text = String(decoding: run, as: UTF8.self)
        if !run.contains(where: { $0 >= 0x80 }) || text.utf8.elementsEqual(run) { return text }
        throw JSONError(message: "invalid JSON: a string is not valid UTF-8, \(self.position(of: start))")
    }

    // MARK: Reading

    private var peek: UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    private mutating func skipSpace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x0A, 0x0D, 0x09: self.index += 1
            default: return
            }
        }
    }

    // MARK: Errors

    /// What is wrong and where: the line and column (in bytes) of the index.
    private func error(_ problem: String) -> JSONError {
        JSONError(message: "invalid JSON: \(problem), \(self.position(of: self.index))")
    }

    private func position(of offset: Int) -> String {
        var line = 1
        var lineStart = 0
        for (index, byte) in self.bytes[..<min(offset, self.bytes.count)].enumerated() where byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return "at line \(line), column \(offset - lineStart + 1)"
    }

    private func describeByte() -> String {
        guard let byte = self.peek else { return "the end of the text" }
        return Self.describe(byte)
    }

    /// A byte as the message shows it: the character when printable ASCII, else its hex.
    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : Self.hex(byte)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (digits.count < 2 ? "0" : "") + digits
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
