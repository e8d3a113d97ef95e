/// One translation's view of a request's top-level fields. Every field a client may send is in exactly one class,
/// so none is dropped without a word; typed reads name a wrong value's path and the type it should have.
struct RequestFields: Sendable {
    /// What becomes of one top-level field.
    enum Policy: Sendable {
        /// Mapped to the provider's counterpart; its type is checked where it is read.
        case translated
        /// No effect on the answer (bookkeeping, caching, billing): accepted and not sent.
        case ignored
        /// No counterpart: a 400 naming it unless it is null or neutral (`neutral`, or by default 0, false, empty).
        case unsupported(neutral: [JSONValue]? = nil, because: String? = nil)
    }

    /// Whose words the errors use: OpenAI's for chat clients, Anthropic's (pydantic's) for Messages clients.
    enum Style: Sendable {
        case openAI, anthropic
    }

    let style: Style
    /// Who lacks an unsupported field, for its message: "Anthropic models".
    let models: String
    let policies: [String: Policy]

    /// Refuses unknown fields and unsupported ones set to a value that would change the answer.
    func check(_ body: JSONValue) throws(GatewayError) {
        guard let members = body.objectValue else { throw GatewayError.invalid("the body must be a JSON object") }
        for name in members.keys.sorted() {
            switch self.policies[name] {
            case nil:
                let message = self.style == .openAI ? "\(name): unknown parameter" : "\(name): Extra inputs are not permitted"
                throw GatewayError.invalid(message, code: "unknown_parameter")
            case .translated?, .ignored?:
                continue
            case .unsupported(let neutral, let because)?:
                guard let value = members[name], !Self.isNeutral(value, neutral) else { continue }
                let reason = because ?? "not supported for \(self.models) models"
                throw GatewayError.invalid("\(name): \(reason)", code: "unsupported_parameter")
            }
        }
    }

    /// Null always is; otherwise one of `values` when given, else 0, false or empty.
    static func isNeutral(_ value: JSONValue, _ values: [JSONValue]? = nil) -> Bool {
        if value == .null { return true }
        if let values { return values.contains(value) }
        switch value {
        case .null, .bool(false), .int(0): return true
        case .double(let number): return number == 0
        case .array(let items): return items.isEmpty
        case .object(let members): return members.isEmpty
        case .bool(true), .int, .string: return false
        }
    }

    // MARK: Typed reads (null reads as absent)

    /// Integers, and numbers written as whole doubles (`10.0`); never booleans or strings.
    func int(_ value: JSONValue?, _ path: String, minimum: Int? = nil) throws(GatewayError) -> Int? {
        guard let value, value != .null else { return nil }
        guard let number = value.intValue else { throw self.mismatch(path, .integer) }
        if let minimum, number < minimum {
            let message =
                self.style == .openAI
                ? (minimum == 1 ? "expected a positive integer" : "expected an integer of at least \(minimum)")
                : "Input should be greater than or equal to \(minimum)"
            throw GatewayError.invalid("\(path): \(message)", code: "invalid_value")
        }
        return number
    }

    /// A number as it was written (an integer stays one).
    func number(_ value: JSONValue?, _ path: String) throws(GatewayError) -> JSONValue? {
        guard let value, value != .null else { return nil }
        guard value.doubleValue != nil else { throw self.mismatch(path, .number) }
        return value
    }

    func bool(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Bool? {
        guard let value, value != .null else { return nil }
        guard let flag = value.boolValue else { throw self.mismatch(path, .boolean) }
        return flag
    }

    func string(_ value: JSONValue?, _ path: String) throws(GatewayError) -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw self.mismatch(path, .string) }
        return text
    }

    func object(_ value: JSONValue?, _ path: String) throws(GatewayError) -> [String: JSONValue]? {
        guard let value, value != .null else { return nil }
        guard let members = value.objectValue else { throw self.mismatch(path, .object) }
        return members
    }

    func array(_ value: JSONValue?, _ path: String) throws(GatewayError) -> [JSONValue]? {
        guard let value, value != .null else { return nil }
        guard let items = value.arrayValue else { throw self.mismatch(path, .array) }
        return items
    }

    /// A string that must be one of `allowed`.
    func choice(_ value: JSONValue?, _ path: String, _ allowed: [String]) throws(GatewayError) -> String? {
        guard let text = try self.string(value, path) else { return nil }
        guard allowed.contains(text) else {
            let list = allowed.map { self.style == .openAI ? $0 : "'\($0)'" }
            let message =
                self.style == .openAI
                ? "expected one of \(list.joined(separator: ", ")), not \"\(text)\""
                : "Input should be " + (list.count > 1 ? "\(list.dropLast().joined(separator: ", ")) or " : "") + (list.last ?? "")
            throw GatewayError.invalid("\(path): \(message)", code: "invalid_value")
        }
        return text
    }

    /// A field that must be there.
    func required<Value>(_ value: Value?, _ path: String) throws(GatewayError) -> Value {
        guard let value else {
            throw GatewayError.invalid(self.style == .openAI ? "\(path): required" : "\(path): Field required", code: "missing_field")
        }
        return value
    }

    /// Content that can only be text (a tool result, for providers whose tool results are text): a string, or text
    /// parts joined by newlines. Any other part is a 400 naming it, `refusal` saying why, rather than lost.
    func textContent(_ content: JSONValue?, _ path: String, refusal: (_ type: String) -> String) throws(GatewayError) -> String {
        guard case .array(let parts)? = content else { return try self.string(content, path) ?? "" }
        var texts: [String] = []
        for (position, part) in parts.enumerated() {
            let item = self.style == .openAI ? "\(path)[\(position)]" : "\(path).\(position)"
            guard part.objectValue != nil else { throw self.mismatch(item, .object) }
            let type = try self.string(part["type"], "\(item).type")
            guard type == "text" else { throw GatewayError.invalid("\(item).type: \(refusal(type ?? "?"))", code: "unsupported_content") }
            texts.append(try self.required(self.string(part["text"], "\(item).text"), "\(item).text"))
        }
        return texts.joined(separator: "\n")
    }

    enum Expected {
        case integer, number, boolean, string, object, array
    }

    /// A value of the wrong type, in the client's API's words.
    func mismatch(_ path: String, _ expected: Expected) -> GatewayError {
        let words: String
        switch (self.style, expected) {
        case (.openAI, .integer): words = "expected an integer"
        case (.openAI, .number): words = "expected a number"
        case (.openAI, .boolean): words = "expected a boolean"
        case (.openAI, .string): words = "expected a string"
        case (.openAI, .object): words = "expected an object"
        case (.openAI, .array): words = "expected an array"
        case (.anthropic, .integer): words = "Input should be a valid integer"
        case (.anthropic, .number): words = "Input should be a valid number"
        case (.anthropic, .boolean): words = "Input should be a valid boolean"
        case (.anthropic, .string): words = "Input should be a valid string"
        case (.anthropic, .object): words = "Input should be a valid dictionary"
        case (.anthropic, .array): words = "Input should be a valid list"
        }
        return GatewayError.invalid("\(path): \(words)", code: "invalid_type")
    }
}
