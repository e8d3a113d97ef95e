/// Something that hands out valid credentials on every call (refreshing them as needed): what signers use.
public protocol AWSCredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

/// One link of the credential chain. Returns nil when it is not configured here, so the chain moves on;
/// throws when it is configured but broken, so the chain stops with that reason.
public protocol AWSCredentialSource: Sendable {
    /// Short name for logs and errors ("environment", "instance-metadata").
    var name: String { get }
    func load() async throws -> AWSCredentials?
}

/// Fixed credentials, for tests and for callers that already hold keys.
public struct StaticCredentialProvider: AWSCredentialProvider {
    let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() async throws -> AWSCredentials { self.value }
}
