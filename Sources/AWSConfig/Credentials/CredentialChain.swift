import Foundation
import HTTPClient
import Logging

/// The SDKs' default chain with caching: the first source that has credentials wins, and its temporary
/// credentials are fetched again `refreshWindow` before they expire (botocore refreshes 15 minutes early),
/// because later features sign requests for hours.
public actor CredentialChain: AWSCredentialProvider {
    let sources: [any AWSCredentialSource]
    let refreshWindow: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger
    private var cached: (credentials: AWSCredentials, source: any AWSCredentialSource)?
    private var inFlight: Task<AWSCredentials, any Error>?

    public init(
        sources: [any AWSCredentialSource],
        refreshWindow: TimeInterval = 15 * 60,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sources = sources
        self.refreshWindow = refreshWindow
        self.logger = logger
        self.now = now
    }

    /// Environment, web identity, shared files, container, then EC2 instance metadata: the AWS SDKs' order.
    public static func standard(environment: [String: String], http: HTTPClient, metadata: InstanceMetadataClient?, logger: Logger) -> CredentialChain
    {
        CredentialChain(
            sources: [
                EnvironmentCredentialSource(environment: environment),
                WebIdentityCredentialSource(environment: environment, http: http),
                SharedFileCredentialSource(environment: environment),
                ContainerCredentialSource(environment: environment, http: http),
                InstanceMetadataCredentialSource(client: metadata),
            ],
            logger: logger
        )
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, !self.needsRefresh(cached.credentials) { return cached.credentials }
        if let inFlight { return try await inFlight.value }
        let task = Task { try await self.resolve() }
        self.inFlight = task
        defer { self.inFlight = nil }
        return try await task.value
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(self.now()) < self.refreshWindow
    }

    private func resolve() async throws -> AWSCredentials {
        if let cached {
            // Refresh from the source that worked; keep the old keys while they are still valid if that fails.
            do {
                if let fresh = try await cached.source.load() {
                    self.store(fresh, from: cached.source)
                    return fresh
                }
            } catch {
                if let expiration = cached.credentials.expiration, expiration > self.now().addingTimeInterval(60) {
                    self.logger.warning(
                        "credential refresh failed; using current credentials until they expire",
                        metadata: ["aws.credentials.source": "\(cached.source.name)", "error": "\(error)", "expires": "\(expiration)"]
                    )
                    return cached.credentials
                }
                throw error
            }
        }
        var skipped: [String] = []
        for source in self.sources {
            if let credentials = try await source.load() {
                self.store(credentials, from: source)
                return credentials
            }
            skipped.append(source.name)
        }
        throw AWSError(
            .noCredentials,
            "no AWS credentials found (looked in: \(skipped.joined(separator: ", "))); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                + "AWS_PROFILE, a web identity token, or run with an instance or task role"
        )
    }

    private func store(_ credentials: AWSCredentials, from source: any AWSCredentialSource) {
        self.cached = (credentials, source)
        self.logger.debug(
            "loaded AWS credentials",
            metadata: [
                "aws.credentials.source": "\(source.name)", "aws.access_key": "\(credentials.redactedAccessKeyId)",
                "expires": "\(credentials.expiration.map { "\($0)" } ?? "never")",
            ]
        )
    }
}
