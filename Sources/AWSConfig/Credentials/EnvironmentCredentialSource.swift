/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialSource: AWSCredentialSource {
    public let name = "environment"
    let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    public func load() async throws -> AWSCredentials? {
        let keyId = self.environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = self.environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyId, secret) {
        case (nil, nil):
            return nil
        case (let keyId?, let secret?):
            return AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: self.environment["AWS_SESSION_TOKEN"], source: self.name)
        case (nil, _):
            throw AWSError(.credentialsFailed, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; set both or neither")
        case (_, nil):
            throw AWSError(.credentialsFailed, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither")
        }
    }
}
