import Foundation
import HTTPClient

/// EC2 instance metadata over IMDSv2 only: a session token from `PUT /latest/api/token`, sent with every read.
/// IMDSv1 is never tried, so skiff works on instances launched with `http_tokens = required`.
public actor InstanceMetadataClient {
    public static let defaultEndpoint = "http://169.254.169.254"
    static let tokenTTL = 21_600

    let endpoint: String
    let http: HTTPClient
    let timeouts: HTTPTimeouts
    private var token: (value: String, expires: Date)?

    /// Honours `AWS_EC2_METADATA_SERVICE_ENDPOINT`; nil when `AWS_EC2_METADATA_DISABLED=true`.
    public static func fromEnvironment(_ environment: [String: String], http: HTTPClient) -> InstanceMetadataClient? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        let endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultEndpoint
        return InstanceMetadataClient(endpoint: endpoint, http: http)
    }

    public init(endpoint: String = defaultEndpoint, http: HTTPClient, timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(1), total: .seconds(2)))
    {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.http = http
        self.timeouts = timeouts
    }

    /// Reads one metadata path such as `/latest/meta-data/placement/region`.
    public func get(_ path: String) async throws -> String {
        for attempt in 1...2 {
            let token = try await self.sessionToken()
            let response = try await self.send(
                HTTPRequest(
                    url: self.endpoint + path,
                    headers: [("X-aws-ec2-metadata-token", token)],
                    timeouts: self.timeouts,
                    bypassProxy: true
                )
            )
            switch response.status {
            case 200:
                return response.bodyText
            case 401 where attempt == 1:
                // The token expired or the service restarted: get a new one once.
                self.token = nil
            default:
                throw AWSError(.credentialsFailed, "instance metadata \(path) answered HTTP \(response.status)", status: response.status)
            }
        }
        throw AWSError(.credentialsFailed, "instance metadata refused a fresh session token")
    }

    private func sessionToken() async throws -> String {
        if let token, token.expires > Date().addingTimeInterval(60) { return token.value }
        let response = try await self.send(
            HTTPRequest(
                method: "PUT",
                url: self.endpoint + "/latest/api/token",
                headers: [("X-aws-ec2-metadata-token-ttl-seconds", String(Self.tokenTTL))],
                timeouts: self.timeouts,
                bypassProxy: true
            )
        )
        guard response.status == 200, !response.body.isEmpty else {
            throw AWSError(.credentialsFailed, "instance metadata token request answered HTTP \(response.status)", status: response.status)
        }
        let value = response.bodyText
        self.token = (value, Date().addingTimeInterval(TimeInterval(Self.tokenTTL)))
        return value
    }

    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await self.http.execute(request)
        } catch let error as HTTPClientError {
            throw AWSError(.networkError, "instance metadata at \(self.endpoint) unreachable: \(error.message)", isRetryable: error.isTransient)
        }
    }

    /// The instance's region, from `placement/region`.
    public func region() async throws -> String {
        try await self.get("/latest/meta-data/placement/region").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The instance id, used to name CloudWatch log streams.
    public func instanceID() async throws -> String {
        try await self.get("/latest/meta-data/instance-id").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
