import Foundation
import HTTPClient
import Logging

/// Boot's first step: resolve region, endpoint and credentials, read every parameter under the path, and
/// plan the environment. Logs names, types, counts and timing, never values.
public struct SSMEnvironmentLoader: Sendable {
    /// What was loaded, for logs, metrics and `/health/detailed`.
    public struct Report: Sendable {
        public let path: String
        public let region: String
        public let endpoint: String
        public let credentialSource: String
        public let parameterCount: Int
        public let pages: Int
        public let duration: Duration
    }

    let configuration: SSMLoaderConfiguration
    let environment: [String: String]
    let http: HTTPClient
    let logger: Logger

    public init(configuration: SSMLoaderConfiguration, environment: [String: String], http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.environment = environment
        self.http = http
        self.logger = logger
    }

    public func load() async throws -> (plan: EnvironmentPlan, report: Report) {
        let started = ContinuousClock.now
        let path = SSMPath.normalize(self.configuration.path)
        do {
            let metadata = InstanceMetadataClient.fromEnvironment(self.environment, http: self.http)
            let region = await RegionResolver.resolve(environment: self.environment, metadata: metadata)
            let endpoint = try ServiceEndpoint.resolve(service: "ssm", region: region, environment: self.environment)
            let chain = CredentialChain.standard(environment: self.environment, http: self.http, metadata: metadata, logger: self.logger)
            let credentials = try await chain.credentials()
            let client = SSMClient(
                client: AWSJSONClient(
                    service: "ssm",
                    targetPrefix: "AmazonSSM",
                    endpoint: endpoint,
                    region: region ?? "us-east-1",
                    http: self.http,
                    credentials: chain,
                    retry: RetryPolicy(maxAttempts: self.configuration.maxAttempts, baseDelay: self.configuration.retryBaseDelay)
                )
            )
            let (parameters, pages) = try await client.parametersByPath(path, logger: self.logger)
            let plan = try EnvironmentPlan(
                parameters: parameters,
                basePath: path,
                naming: self.configuration.naming,
                existing: self.environment,
                overwrite: self.configuration.overwrite
            )
            let report = Report(
                path: path,
                region: region ?? "us-east-1",
                endpoint: endpoint.hostHeader,
                credentialSource: credentials.source,
                parameterCount: plan.entries.count,
                pages: pages,
                duration: ContinuousClock.now - started
            )
            return (plan, report)
        } catch let error as AWSError {
            throw AWSError(
                error.code,
                "loading SSM parameters under \(path) failed: \(error.message)\(Self.hint(for: error, path: path))",
                awsCode: error.awsCode,
                status: error.status,
                isRetryable: error.isRetryable
            )
        }
    }

    /// What to check next, by AWS error code.
    static func hint(for error: AWSError, path: String) -> String {
        switch error.awsCode {
        case "AccessDeniedException", "AccessDenied":
            return
                " — check that the role allows ssm:GetParametersByPath on the parameter path \(path) (and kms:Decrypt on the key of any SecureString)"
        case "UnrecognizedClientException", "InvalidClientTokenId":
            return " — the access key is not known to AWS: check which credentials are in use (AWS_PROFILE, AWS_ACCESS_KEY_ID, instance role)"
        case "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException":
            return " — the secret key does not match the access key, or the clock is off: check AWS_SECRET_ACCESS_KEY and the system time"
        case "ExpiredTokenException", "ExpiredToken", "RequestExpired":
            return " — the session token has expired: refresh the credentials or check the system clock"
        case "ValidationException":
            return " — check SSM_PARAMETER_PATH: it must start with / and use only letters, digits and . - _ /"
        case let code? where RetryPolicy.throttlingCodes.contains(code):
            return " — SSM is throttling this account: raise SSM_MAX_ATTEMPTS or spread instance launches"
        default:
            break
        }
        switch error.code {
        case .networkError: return " — check network access to the SSM endpoint (VPC endpoint, NAT, AWS_ENDPOINT_URL_SSM)"
        case .invalidConfiguration: return ""
        default: return ""
        }
    }
}
