/// Writes compact JSON into a byte buffer. Hand-written because Foundation's serializer costs ~10× the parse
/// on Linux, and the gateway writes a body for every request and stream chunk it translates.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) {
        self.bytes.reserveCapacity(capacity)
    }

    public mutating func raw(_ text: String) {
        self.bytes.append(contentsOf: text.utf8)
    }

    /// One ASCII byte (a bracket, a comma).
    public mutating func byte(_ value: UInt8) {
        self.bytes.append(value)
    }

    public mutating func raw(bytes: some Sequence<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    public mutating func string(_ text: String) {
        self.bytes.append(UInt8(ascii: "\""))
        for unit in text.utf8 {
            switch unit {
            case UInt8(ascii: "\""): self.raw("\\\"")
            case UInt8(ascii: "\\"): self.raw("\\\\")
            case 0x0A: self.raw("\\n")
            case 0x0D: self.raw("\\r")
            case 0x09: self.raw("\\t")
            case 0..<0x20:
                let hex = String(unit, radix: 16)
                self.raw("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: self.bytes.append(unit)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    /// Shortest round-trip decimal form; non-finite values (not representable in JSON) become 0.
    public mutating func number(_ value: Double) {
        if value.isFinite { self.raw(value.description) } else { self.raw("0") }
    }

    public mutating func number(_ value: Float) {
        if value.isFinite { self.raw(value.description) } else { self.raw("0") }
    }

    public mutating func number(_ value: Int) { self.raw(String(value)) }

    public mutating func bool(_ value: Bool) { self.raw(value ? "true" : "false") }

    /// An object written member by member, in the order given (`beginObject`, `member`…, `endObject`): no
    /// dictionary to build and no keys to sort, for the events a translated stream writes by the thousand.
    public mutating func beginObject() {
        self.bytes.append(UInt8(ascii: "{"))
    }

    public mutating func member(_ key: String, _ value: JSONValue) {
        self.key(key)
        self.value(value)
    }

    public mutating func members(_ fields: KeyValuePairs<String, JSONValue>) {
        for (key, value) in fields { self.member(key, value) }
    }

    /// A member whose value is already JSON (written once, used in several events).
    public mutating func member(_ key: String, json: [UInt8]) {
        self.key(key)
        self.bytes.append(contentsOf: json)
    }

    public mutating func endObject() {
        self.bytes.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ key: String) {
        // No value ends in '{', so it marks the object's first member.
        if self.bytes.last != UInt8(ascii: "{") { self.bytes.append(UInt8(ascii: ",")) }
        self.string(key)
        self.bytes.append(UInt8(ascii: ":"))
    }

    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: self.raw("null")
        case .bool(let flag): self.bool(flag)
        case .int(let number): self.number(number)
        case .double(let number): self.number(number)
        case .string(let text): self.string(text)
        case .array(let items):
            self.bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
                self.value(item)
            }
            self.bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            self.bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
                self.string(key)
                self.bytes.append(UInt8(ascii: ":"))
                self.value(members[key]!)
            }
            self.bytes.append(UInt8(ascii: "}"))
        }
    }
}
