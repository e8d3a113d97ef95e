import Foundation
import HTTPClient

/// ECS task roles and EKS Pod Identity: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`.
public struct ContainerCredentialSource: AWSCredentialSource {
    public let name = "container"
    let environment: [String: String]
    let http: HTTPClient
    /// The ECS agent's address; a parameter only so tests can point it at a loopback stub.
    let relativeBase: String

    public init(environment: [String: String], http: HTTPClient, relativeBase: String = "http://169.254.170.2") {
        self.environment = environment
        self.http = http
        self.relativeBase = relativeBase
    }

    /// A full URI may only name the host itself or the ECS/EKS agent, so a tampered variable cannot
    /// send the authorization token elsewhere.
    static func isAllowedHost(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        if bare == "localhost" || bare == "::1" || bare == "169.254.170.2" || bare == "169.254.170.23" || bare == "fd00:ec2::23" { return true }
        let octets = bare.split(separator: ".")
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    public func load() async throws -> AWSCredentials? {
        let url: String
        if let relative = self.environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = self.relativeBase + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = self.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard let parsed = EndpointURL(full) else {
                throw AWSError(.credentialsFailed, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL")
            }
            guard Self.isAllowedHost(parsed.host) else {
                throw AWSError(
                    .credentialsFailed,
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI points at \(parsed.host); only loopback and the ECS/EKS agent addresses are allowed"
                )
            }
            url = full
        } else {
            return nil
        }

        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let tokenFile = self.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !tokenFile.isEmpty {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw AWSError(.credentialsFailed, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(tokenFile)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = self.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append(("Authorization", token))
        }

        var lastError = ""
        for attempt in 1...3 {
            do {
                let response = try await self.http.execute(
                    HTTPRequest(url: url, headers: headers, timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(5)), bypassProxy: true)
                )
                guard response.status == 200 else {
                    lastError = "HTTP \(response.status)"
                    if response.status < 500 { break }
                    continue
                }
                let document = try JSONDecoder().decode(TemporaryCredentialsDocument.self, from: Data(response.body))
                return try document.credentials(source: self.name)
            } catch let error as HTTPClientError {
                lastError = error.message
                if attempt < 3 { try await Task.sleep(for: .milliseconds(100 * attempt)) }
            } catch let error as AWSError {
                throw error
            } catch {
                throw AWSError(.credentialsFailed, "container credentials endpoint returned malformed JSON: \(error)")
            }
        }
        throw AWSError(.credentialsFailed, "container credentials endpoint \(EndpointURL(url)?.hostHeader ?? url) failed: \(lastError)")
    }
}
