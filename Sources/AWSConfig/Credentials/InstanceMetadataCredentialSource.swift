import Foundation

/// The instance profile's role credentials: role name from `iam/security-credentials/`, then that role's keys.
public struct InstanceMetadataCredentialSource: AWSCredentialSource {
    public let name = "instance-metadata"
    let client: InstanceMetadataClient?

    public init(client: InstanceMetadataClient?) {
        self.client = client
    }

    public func load() async throws -> AWSCredentials? {
        guard let client else { return nil }
        let base = "/latest/meta-data/iam/security-credentials/"
        let roles: String
        do {
            roles = try await client.get(base)
        } catch let error as AWSError where error.code == .networkError {
            // Not on EC2 (or metadata blocked): simply not configured here.
            return nil
        } catch let error as AWSError where error.status == 404 {
            throw AWSError(.credentialsFailed, "this instance has no IAM instance profile attached")
        }
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw AWSError(.credentialsFailed, "this instance has no IAM instance profile attached")
        }
        let body = try await client.get(base + role)
        do {
            let document = try JSONDecoder().decode(TemporaryCredentialsDocument.self, from: Data(body.utf8))
            return try document.credentials(source: self.name)
        } catch let error as AWSError {
            throw error
        } catch {
            throw AWSError(.credentialsFailed, "instance metadata returned malformed credentials for role \(role)")
        }
    }
}
