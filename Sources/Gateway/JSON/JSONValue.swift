import Foundation

/// A JSON document held as a tree, for bodies the gateway reads, rewrites and passes on without a fixed schema
/// (provider APIs grow fields faster than any struct could follow). Integers stay integers.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses a complete JSON text; throws `JSONError` naming what is wrong.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONValue {
        let data = Data(bytes)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw JSONError(message: Self.describe(error, in: data))
        }
        return JSONValue(foundation: object)
    }

    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try self.parse(Array(text.utf8))
    }

    private static func describe(_ error: any Error, in data: Data) -> String {
        if data.isEmpty { return "the body is empty" }
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return "invalid JSON: \(detail)" }
        return "invalid JSON"
    }

    /// Foundation hands back native Swift strings, arrays and dictionaries, and NSNumber for numbers and booleans
    /// (its type code tells them apart). The order of the casts matters: asking a Swift dictionary whether it is an
    /// NSNumber bridges it to Objective-C first, which costs more than the whole parse.
    init(foundation value: Any) {
        if let string = value as? String {
            self = .string(string)
        } else if let object = value as? [String: Any] {
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(object.count)
            for (key, member) in object { members[key] = JSONValue(foundation: member) }
            self = .object(members)
        } else if let array = value as? [Any] {
            self = .array(array.map(JSONValue.init(foundation:)))
        } else if let number = value as? NSNumber {
            switch UInt8(bitPattern: number.objCType.pointee) {
            case UInt8(ascii: "c"), UInt8(ascii: "B"):
                self = .bool(number.boolValue)
            case UInt8(ascii: "d"), UInt8(ascii: "f"):
                self = .double(number.doubleValue)
            case UInt8(ascii: "Q"):
                let unsigned = number.uint64Value
                self = unsigned <= UInt64(Int.max) ? .int(Int(unsigned)) : .double(number.doubleValue)
            default:
                self = .int(number.intValue)
            }
        } else {
            self = .null
        }
    }

    // MARK: Reading

    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let object) = self else { return nil }
            return object[key]
        }
        set {
            guard case .object(var object) = self else { return }
            object[key] = newValue
            self = .object(object)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Integers, and doubles that are whole numbers.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: return Int(value)
        default: return nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// A short name of the JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    // MARK: Writing

    /// Compact JSON (object keys sorted, so output is stable).
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    public var serializedString: String { String(decoding: self.serialized(), as: UTF8.self) }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// A body that is not the JSON it should be.
public struct JSONError: Error, Sendable, Equatable {
    public var message: String
}
