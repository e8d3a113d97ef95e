/// One parameter as GetParametersByPath returns it. `value` is a secret for SecureString: never log it.
public struct SSMParameter: Sendable, Equatable, Decodable {
    public let name: String
    public let type: String
    public let value: String
    public let version: Int?

    enum CodingKeys: String, CodingKey {
        case name = "Name", type = "Type", value = "Value", version = "Version"
    }

    public init(name: String, type: String, value: String, version: Int? = nil) {
        self.name = name
        self.type = type
        self.value = value
        self.version = version
    }
}
