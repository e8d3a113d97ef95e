import Foundation
import TestSupport
import Testing

@testable import Gateway

/// skiff's JSON parser against Python's `json` (Tests/Peers/json_reference.py) and against Foundation's
/// `JSONSerialization`, which it replaced: seeded texts, valid and then bent byte by byte, must be accepted or refused
/// as Python does, and read to the same value when accepted. Foundation accepts and refuses the same texts but for
/// one: it lets a trailing comma pass, where the parser is strict on purpose.
@Suite struct JSONParserTests {
    static let count = 10_000

    @Test func agreesWithPythonAndFoundationOnGeneratedTexts() async throws {
        var generator = JSONTextGenerator(seed: 0x5EED_0000_0000_0021)
        let texts = (0..<Self.count).map { _ in generator.text() }
        let input = try JSONSerialization.data(withJSONObject: ["texts": texts.map { Data($0).base64EncodedString() }])
        let output = try await PythonFilter.run("json_reference.py", input: input)
        guard case .array(let answers)? = try JSONValue.parse(output)["values"], answers.count == texts.count else {
            Issue.record("json_reference.py answered \(String(decoding: output.prefix(300), as: UTF8.self))")
            return
        }
        var accepted = 0
        var laxInFoundation = 0
        for (text, answer) in zip(texts, answers) {
            let shown = String(decoding: text, as: UTF8.self).debugDescription
            let ours = Result { () throws(JSONError) in try JSONValue.parse(text) }
            // Python's null is a refusal (a JSON null it read comes tagged).
            var python: JSONValue?
            if answer != .null { python = try Self.untagged(answer) }
            switch (ours, python) {
            case (.success(let value), let expected?):
                accepted += 1
                #expect(value == expected, "\(shown): skiff read \(value), Python \(expected)")
            case (.failure(let error), .none):
                #expect(error.message.hasPrefix("invalid JSON: ") || error.message == "the body is empty", "\(shown): \(error.message)")
                #expect(error.message.contains("at line ") || !error.message.hasPrefix("invalid JSON"), "\(shown): \(error.message)")
            case (.success(let value), .none):
                Issue.record("\(shown): skiff accepted it as \(value), Python refused it")
            case (.failure(let error), _?):
                Issue.record("\(shown): skiff refused it (\(error.message)), Python accepted it")
            }
            // Foundation, the parser before this one, accepts and refuses the same texts, except that it lets a trailing
            // comma pass. (Its values are not compared: it reads some numbers less exactly, Int.min as a double and
            // 100000000000000000000000.5 as 1e23, where Python and skiff round correctly.)
            let foundationAccepts = (try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed])) != nil
            switch (ours, foundationAccepts) {
            case (.success, true), (.failure, false):
                break
            case (.failure, true) where Self.hasTrailingComma(text):
                laxInFoundation += 1
            case (.failure(let error), true) where error.message.contains("is out of range"):
                break  // a member whose value no double holds, but that a later one of the same name replaces
            default:
                Issue.record("\(shown): skiff \(ours), Foundation \(foundationAccepts ? "accepted" : "refused") it")
            }
        }
        // The texts are a fair mix: many accepted, many refused, and the trailing commas met.
        #expect(accepted > Self.count / 4 && accepted < Self.count * 3 / 4, "\(accepted) of \(Self.count) accepted")
        #expect(laxInFoundation > 0)
    }

    @Test(arguments: [
        ("0", JSONValue.int(0)),
        ("-0", .int(0)),
        ("  [ ]\n", .array([])),
        ("{}", .object([:])),
        ("9223372036854775807", .int(Int.max)),
        ("-9223372036854775808", .int(Int.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)),
        ("1.5e3", .double(1500)),
        ("1E-2", .double(0.01)),
        ("1.0", .double(1)),
        (#""\u00e9\ud83d\ude80\/\b\f\n\r\t\"\\""#, .string("é🚀/\u{8}\u{c}\n\r\t\"\\")),
        ("\u{FEFF}{\"a\":null}", .object(["a": .null])),
        (#"{"a":1,"a":2}"#, .object(["a": .int(2)])),
        ("\"\u{7F}é\"", .string("\u{7F}é")),
    ])
    func readsWhatRFC8259Allows(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(Array(text.utf8)[...]) == expected)
    }

    @Test(arguments: [
        ("", "the body is empty"),
        (" \n", "invalid JSON: the text ends where a value should be, at line 2, column 1"),
        ("[1,]", "invalid JSON: ']' where a value should be, at line 1, column 4"),
        ("{\"a\":1,}", "invalid JSON: '}' where a member's name in quotes should be, at line 1, column 8"),
        ("{\"a\" 1}", "invalid JSON: expected ':' after the member name \"a\", at line 1, column 6"),
        ("[1 2]", "invalid JSON: '2' where ',' or ']' should be, at line 1, column 4"),
        ("1 2", "invalid JSON: more text after the JSON value, at line 1, column 3"),
        ("{\n  \"a\": tru\n}", "invalid JSON: 't' where a value should be, at line 2, column 8"),
        ("01", "invalid JSON: a number may not start with 0, at line 1, column 2"),
        ("-", "invalid JSON: a number needs a digit after '-', at line 1, column 2"),
        ("1.", "invalid JSON: a number needs a digit after its '.', at line 1, column 3"),
        ("1e+", "invalid JSON: a number needs a digit in its exponent, at line 1, column 4"),
        ("1e400", "invalid JSON: the number 1e400 is out of range, at line 1, column 1"),
        ("NaN", "invalid JSON: 'N' where a value should be, at line 1, column 1"),
        ("\"a\tb\"", "invalid JSON: a string holds the control character 0x09 unescaped, at line 1, column 3"),
        (#""\ud800""#, #"invalid JSON: the escape \ud800 is half of a surrogate pair without the other half, at line 1, column 8"#),
        (#""\udc00x""#, #"invalid JSON: the escape \udc00 is half of a surrogate pair without the other half, at line 1, column 8"#),
        (#""\x""#, #"invalid JSON: \x is not an escape JSON knows, at line 1, column 3"#),
        ("\"\\\u{1}\"", "invalid JSON: a backslash before 0x01 is not an escape JSON knows, at line 1, column 3"),
        (#""\u12g4""#, #"invalid JSON: a \u escape needs four hex digits, at line 1, column 6"#),
        ("\"abc", "invalid JSON: the text ends inside a string, at line 1, column 5"),
        ("[1,", "invalid JSON: the text ends where a value should be, at line 1, column 4"),
        ("{\"a\":1", "invalid JSON: the text ends inside an object, at line 1, column 7"),
        ("'a'", "invalid JSON: ''' where a value should be, at line 1, column 1"),
    ])
    func refusesWhatRFC8259Refuses(text: String, message: String) {
        #expect(throws: JSONError(message: message)) { try JSONValue.parse(text) }
    }

    @Test func refusesInvalidUTF8AndNamesWhere() {
        for bytes: [UInt8] in [
            [0x22, 0xFF, 0x22], [0x22, 0x61, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xC0, 0xAF, 0x22],
        ] {
            #expect(throws: JSONError(message: "invalid JSON: a string is not valid UTF-8, at line 1, column 2")) { try JSONValue.parse(bytes) }
        }
    }

    @Test func refusesNestingDeeperThanTheLimitWithoutExhaustingTheStack() throws {
        let limit = JSONParser.maxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(try JSONValue.parse(deepest).arrayValue != nil)
        for open in ["[", "{\"a\":"] {
            let tooDeep = String(repeating: open, count: 100_000)
            #expect(throws: JSONError.self) { try JSONValue.parse(tooDeep) }
            let error = try #require(Result { () throws(JSONError) in try JSONValue.parse(tooDeep) }.failure)
            #expect(error.message.contains("nested more than \(limit) levels deep"))
        }
    }

    // MARK: Helpers

    /// Python's tagged answer as a value (see json_reference.py).
    static func untagged(_ tagged: JSONValue) throws -> JSONValue {
        switch tagged {
        case .object(let members):
            if members["null"] != nil { return .null }
            if let integer = members["i"]?.stringValue {
                return try Int(integer).map(JSONValue.int) ?? .double(#require(Double(integer)))
            }
            if let hex = members["f"]?.stringValue { return .double(try #require(Double(hex), "\(hex)")) }
            return .object(try (members["o"]?.objectValue ?? [:]).mapValues(Self.untagged))
        case .array(let elements):
            return .array(try elements.map(Self.untagged))
        default:
            return tagged
        }
    }

    /// A ',' followed (past spaces) by a closing bracket, outside strings: what Foundation lets through.
    static func hasTrailingComma(_ text: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var afterComma = false
        for byte in text {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                afterComma = false
            case UInt8(ascii: ","): afterComma = true
            case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
            case 0x20, 0x0A, 0x0D, 0x09: break
            default: afterComma = false
            }
        }
        return false
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Seeded JSON texts: values of every kind written in the many ways JSON allows (spacing, escapes, number forms,
/// raw and escaped Unicode), then, for half of them, one edit that usually breaks the text: a byte deleted, inserted,
/// replaced, a comma put before the last closing bracket, or the text cut short.
struct JSONTextGenerator {
    var random: SplitMix

    init(seed: UInt64) {
        self.random = SplitMix(state: seed)
    }

    mutating func text() -> [UInt8] {
        var bytes = Array((self.space() + self.value(depth: 0) + self.space()).utf8)
        if Bool.random(using: &self.random) { self.bend(&bytes) }
        return bytes
    }

    /// The bytes an edit puts in: JSON's own punctuation, digits and letters of its literals, a control character,
    /// and bytes that are never (0xFF) or not alone (0xC3, 0xED) valid UTF-8.
    static let edits: [UInt8] = Array(",:[]{}\"\\0-+.eE tfn/u\u{1}".utf8) + [0xFF, 0xC3, 0xED, 0x0A]

    mutating func bend(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let at = Int.random(in: 0..<bytes.count, using: &self.random)
        let edit = Self.edits.randomElement(using: &self.random)!
        switch Int.random(in: 0..<5, using: &self.random) {
        case 0: bytes.remove(at: at)
        case 1: bytes.insert(edit, at: at)
        case 2: bytes[at] = edit
        case 3: bytes.removeLast(Int.random(in: 1...min(3, bytes.count), using: &self.random))
        default:
            // A comma before the last closing bracket: a trailing comma when the container is not empty.
            if let close = bytes.lastIndex(where: { $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "}") }) {
                bytes.insert(UInt8(ascii: ","), at: close)
            }
        }
    }

    mutating func space() -> String {
        ["", "", "", " ", "\n", "\t", "\r\n  "].randomElement(using: &self.random)!
    }

    mutating func value(depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &self.random) {
        case 0: return ["null", "true", "false"].randomElement(using: &self.random)!
        case 1, 2: return self.number()
        case 3, 4: return self.string()
        case 5:
            let count = Int.random(in: 0...4, using: &self.random)
            let elements = (0..<count).map { _ in self.space() + self.value(depth: depth + 1) + self.space() }
            return "[" + elements.joined(separator: ",") + "]"
        default:
            let count = Int.random(in: 0...4, using: &self.random)
            let members = (0..<count).map { _ in self.space() + self.string() + self.space() + ":" + self.space() + self.value(depth: depth + 1) }
            return "{" + members.joined(separator: ",") + self.space() + "}"
        }
    }

    mutating func number() -> String {
        let integers = [
            "0", "7", "42", "-1", "123456789", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "18446744073709551616",
            "100000000000000000000000",
        ]
        var text = integers.randomElement(using: &self.random)!
        if Int.random(in: 0..<3, using: &self.random) == 0 {
            text += "." + ["0", "5", "25", "000001", "1415926535897932384626"].randomElement(using: &self.random)!
        }
        if Int.random(in: 0..<4, using: &self.random) == 0 {
            text +=
                ["e", "E"].randomElement(using: &self.random)! + ["", "+", "-"].randomElement(using: &self.random)! + [
                    "0", "2", "17", "308", "330", "400",
                ].randomElement(using: &self.random)!
        }
        return text
    }

    mutating func string() -> String {
        let pieces = [
            "a", "plain text", "é", "日本", "🚀", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u65e5",
            "\\ud83d\\ude80", "\\uD83D\\uDE80", "\\u0000", "\\u001f", "\u{7F}", "'", "{", "]", ",", ":",
        ]
        let count = Int.random(in: 0...4, using: &self.random)
        return "\"" + (0..<count).map { _ in pieces.randomElement(using: &self.random)! }.joined() + "\""
    }
}
