/// Request fields a provider has no counterpart for. Set to a value that would change the answer they are a 400
/// naming the field, not dropped without a word; at their neutral value (`0`, `false`, `null`, empty) they pass.
enum UnsupportedParameters {
    static func check(_ body: JSONValue, _ names: [String], models: String) throws(GatewayError) {
        for name in names {
            guard let value = body[name], !Self.isNeutral(value) else { continue }
            throw GatewayError.invalid("\(name): not supported for \(models) models", code: "unsupported_parameter")
        }
    }

    static func isNeutral(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .bool(false), .int(0): return true
        case .double(let number): return number == 0
        case .array(let items): return items.isEmpty
        case .object(let members): return members.isEmpty
        case .bool(true), .int, .string: return false
        }
    }
}
