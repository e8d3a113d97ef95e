import Foundation
import HTTPClient

/// STS `AssumeRoleWithWebIdentity` with the token in `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IRSA, GitHub OIDC).
/// The call is unsigned: the token is the proof. The file is read on every refresh because it rotates.
public struct WebIdentityCredentialSource: AWSCredentialSource {
    public let name = "web-identity"
    let environment: [String: String]
    let http: HTTPClient

    public init(environment: [String: String], http: HTTPClient) {
        self.environment = environment
        self.http = http
    }

    public func load() async throws -> AWSCredentials? {
        guard let tokenFile = self.environment["AWS_WEB_IDENTITY_TOKEN_FILE"], !tokenFile.isEmpty else { return nil }
        guard let roleArn = self.environment["AWS_ROLE_ARN"], !roleArn.isEmpty else {
            throw AWSError(.credentialsFailed, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
        }
        let token: String
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw AWSError(.credentialsFailed, "cannot read AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile): \(error.localizedDescription)")
        }
        let sessionName =
            self.environment["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "skiff-\(Int(Date().timeIntervalSince1970))"
        let region = self.environment["AWS_REGION"] ?? self.environment["AWS_DEFAULT_REGION"]
        let endpoint = try ServiceEndpoint.resolve(service: "sts", region: region, environment: self.environment)
        let body = PercentEncoding.formBody([
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", roleArn),
            ("RoleSessionName", sessionName),
            ("WebIdentityToken", token),
        ])
        let request = HTTPRequest(
            method: "POST",
            url: endpoint.description,
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Accept", "application/xml")],
            body: body,
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(15))
        )
        let response: HTTPResponse
        do {
            response = try await self.http.execute(request)
        } catch let error as HTTPClientError {
            throw AWSError(.credentialsFailed, "STS AssumeRoleWithWebIdentity at \(endpoint.hostHeader) unreachable: \(error.message)")
        }
        let xml = response.bodyText
        guard response.status == 200 else {
            let code = XMLField.first("Code", in: xml) ?? "HTTP \(response.status)"
            let message = XMLField.first("Message", in: xml) ?? ""
            throw AWSError(
                .credentialsFailed,
                "STS AssumeRoleWithWebIdentity for \(roleArn) failed with \(code): \(message) — check the role's trust policy for this token's issuer and audience",
                awsCode: code,
                status: response.status
            )
        }
        guard let keyId = XMLField.first("AccessKeyId", in: xml), let secret = XMLField.first("SecretAccessKey", in: xml) else {
            throw AWSError(.invalidResponse, "STS AssumeRoleWithWebIdentity returned no credentials")
        }
        return AWSCredentials(
            accessKeyId: keyId,
            secretAccessKey: secret,
            sessionToken: XMLField.first("SessionToken", in: xml),
            expiration: XMLField.first("Expiration", in: xml).flatMap(ISO8601.parse),
            source: self.name
        )
    }
}
