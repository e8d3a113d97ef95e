import AWSConfig
import Foundation
import HTTPClient
import Logging
import TestSupport
import Testing

/// Each link of the credential chain against a local stand-in, and the keys it yields used for real
/// against moto (so a wrong or missing session token, or a stale key, would fail the SSM call).
@Suite("Credential sources")
struct CredentialSourceTests {
    static let logger = Logger(label: "test")

    /// Temporary credentials (with session tokens) that moto's STS issued for a parameter-reading role.
    static func keys(_ peer: PeerProcess, _ sets: String...) -> [(String, String, String)] {
        sets.map { (peer.string($0, "access_key_id"), peer.string($0, "secret_access_key"), peer.string($0, "session_token")) }
    }

    /// Loads /skiff-test/types with the given environment (no static keys), through the standard chain.
    static func loadTypes(_ environment: [String: String]) async throws -> SSMEnvironmentLoader.Report {
        let peer = try await MotoPeer.shared()
        var environment = environment
        environment["AWS_ENDPOINT_URL_SSM"] = peer.string("endpoint")
        environment["AWS_CONFIG_FILE"] = environment["AWS_CONFIG_FILE"] ?? "/nonexistent"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "/nonexistent"
        let configuration = SSMLoaderConfiguration(path: "/skiff-test/types/", retryBaseDelay: .milliseconds(20))
        let (plan, report) = try await SSMEnvironmentLoader(
            configuration: configuration,
            environment: environment,
            http: HTTPClient(),
            logger: logger
        ).load()
        #expect(plan.assignments.first { $0.variable == "DB_PASSWORD" }?.value == "s3cr3t-Value!$(whoami)")
        return report
    }

    @Test func instanceMetadataOverIMDSv2Only() async throws {
        let peer = try await MotoPeer.shared()
        let imds = try await MetadataStub.start("imds", keys: Self.keys(peer, "temporary1"), arguments: ["--region", "us-east-1"])
        // The stub refuses reads without a session token, as EC2 does with http_tokens=required.
        let (tokenless, _) = try await HTTPProbe.get(imds.string("endpoint") + "/latest/meta-data/iam/security-credentials/")
        #expect(tokenless == 401)

        let report = try await Self.loadTypes([
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.string("endpoint"), "AWS_REGION": "us-east-1",
        ])
        #expect(report.credentialSource == "instance-metadata")
        let stats = try await MetadataStub.stats(imds)
        #expect(stats["credential_fetches"] == 1)
        #expect(stats["token_puts"] == 1)  // one session token, reused for every read
        #expect(stats["rejected_without_token"] == 1)  // only the probe above
    }

    @Test func regionComesFromInstanceMetadataWhenNotSet() async throws {
        let peer = try await MotoPeer.shared()
        let imds = try await MetadataStub.start("imds", keys: Self.keys(peer, "temporary1"), arguments: ["--region", "eu-central-1"])
        let client = InstanceMetadataClient(endpoint: imds.string("endpoint"), http: HTTPClient())
        #expect(await RegionResolver.resolve(environment: ["AWS_CONFIG_FILE": "/nonexistent"], metadata: client) == "eu-central-1")
        #expect(await RegionResolver.resolve(environment: ["AWS_DEFAULT_REGION": "ap-south-1"], metadata: client) == "ap-south-1")
        #expect(
            await RegionResolver.resolve(environment: ["AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "ap-south-1"], metadata: client)
                == "us-west-2"
        )
        #expect(try await client.instanceID() == "i-0123456789abcdef0")
    }

    @Test func expiringCredentialsAreRefreshedEarly() async throws {
        let peer = try await MotoPeer.shared()
        // Ten minutes left: inside botocore's fifteen-minute window, so every call fetches anew (and the stub rotates keys).
        let imds = try await MetadataStub.start("imds", keys: Self.keys(peer, "temporary1", "temporary2"), arguments: ["--expires-in", "600"])
        let client = InstanceMetadataClient(endpoint: imds.string("endpoint"), http: HTTPClient())
        let chain = CredentialChain(sources: [InstanceMetadataCredentialSource(client: client)], logger: Self.logger)
        let first = try await chain.credentials()
        let second = try await chain.credentials()
        #expect(first.accessKeyId == peer.string("temporary1", "access_key_id"))
        #expect(second.accessKeyId == peer.string("temporary2", "access_key_id"))
        #expect(first.sessionToken == peer.string("temporary1", "session_token"))
        #expect(try await MetadataStub.stats(imds)["credential_fetches"] == 2)
    }

    @Test func freshCredentialsAreCached() async throws {
        let peer = try await MotoPeer.shared()
        let imds = try await MetadataStub.start("imds", keys: Self.keys(peer, "temporary1", "temporary2"), arguments: ["--expires-in", "21600"])
        let client = InstanceMetadataClient(endpoint: imds.string("endpoint"), http: HTTPClient())
        let chain = CredentialChain(sources: [InstanceMetadataCredentialSource(client: client)], logger: Self.logger)
        var seen = Set<String>()
        for _ in 0..<5 { seen.insert(try await chain.credentials().accessKeyId) }
        #expect(seen == [peer.string("temporary1", "access_key_id")])
        #expect(try await MetadataStub.stats(imds)["credential_fetches"] == 1)
    }

    @Test func refreshUsesAnInjectedClock() async throws {
        // Six hours of validity, then the clock jumps to within the refresh window.
        let peer = try await MotoPeer.shared()
        let imds = try await MetadataStub.start("imds", keys: Self.keys(peer, "temporary1", "temporary2"), arguments: ["--expires-in", "21600"])
        let client = InstanceMetadataClient(endpoint: imds.string("endpoint"), http: HTTPClient())
        let clock = TestClock()
        let chain = CredentialChain(sources: [InstanceMetadataCredentialSource(client: client)], logger: Self.logger, now: { clock.now })
        _ = try await chain.credentials()
        clock.advance(by: 5 * 3600 + 50 * 60)  // 10 minutes left
        let refreshed = try await chain.credentials()
        #expect(refreshed.accessKeyId == peer.string("temporary2", "access_key_id"))
        #expect(try await MetadataStub.stats(imds)["credential_fetches"] == 2)
    }

    @Test func containerCredentialsWithAnAuthorizationToken() async throws {
        let peer = try await MotoPeer.shared()
        let stub = try await MetadataStub.start("container", keys: Self.keys(peer, "temporary1"), arguments: ["--auth-token", "let-me-in"])
        let report = try await Self.loadTypes([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.string("endpoint") + "/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "let-me-in", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        ])
        #expect(report.credentialSource == "container")

        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("pod-token-\(UUID().uuidString)")
        try "let-me-in\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let fromFile = try await ContainerCredentialSource(
            environment: [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.string("endpoint") + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
            ],
            http: HTTPClient()
        ).load()
        #expect(fromFile?.accessKeyId == peer.string("temporary1", "access_key_id"))

        await #expect {
            _ = try await ContainerCredentialSource(
                environment: [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.string("endpoint") + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong",
                ],
                http: HTTPClient()
            ).load()
        } throws: { "\($0)".contains("HTTP 401") }
    }

    @Test func containerRelativeURIUsesTheAgentAddress() async throws {
        let peer = try await MotoPeer.shared()
        let stub = try await MetadataStub.start("container", keys: Self.keys(peer, "temporary1"), arguments: ["--auth-token", "t"])
        let credentials = try await ContainerCredentialSource(
            environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t"],
            http: HTTPClient(),
            relativeBase: stub.string("endpoint")
        ).load()
        #expect(credentials?.source == "container")
    }

    @Test func containerFullURIToAnotherHostIsRefusedBeforeAnyRequest() async throws {
        await #expect {
            _ = try await ContainerCredentialSource(
                environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.169.254/latest", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret"],
                http: HTTPClient()
            ).load()
        } throws: { "\($0)".contains("only loopback") && !"\($0)".contains("secret") }
    }

    @Test func webIdentityThroughAnUnsignedSTSCall() async throws {
        let peer = try await MotoPeer.shared()
        let sts = try await MetadataStub.start("sts", keys: Self.keys(peer, "temporary1"), arguments: ["--web-token", "eyJ.token.sig"])
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("web-token-\(UUID().uuidString)")
        try "eyJ.token.sig\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let environment = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "AWS_ROLE_ARN": peer.string("web_role_arn"),
            "AWS_ENDPOINT_URL_STS": sts.string("endpoint"), "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
        ]
        let credentials = try #require(try await WebIdentityCredentialSource(environment: environment, http: HTTPClient()).load())
        #expect(credentials.sessionToken == peer.string("temporary1", "session_token"))
        #expect(credentials.expiration != nil)
        let report = try await Self.loadTypes(environment)
        #expect(report.credentialSource == "web-identity")

        var wrongRole = environment
        wrongRole["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/other"
        await #expect {
            _ = try await WebIdentityCredentialSource(environment: wrongRole, http: HTTPClient()).load()
        } throws: { "\($0)".contains("AccessDenied") && "\($0)".contains("trust policy") }
    }

    @Test func sharedFilesWithProfiles() async throws {
        let peer = try await MotoPeer.shared()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let credentials = directory.appendingPathComponent("credentials")
        let config = directory.appendingPathComponent("config")
        try """
        [default]
        aws_access_key_id = AKIAWRONGDEFAULT0000
        aws_secret_access_key = nope

        [skiff]
        aws_access_key_id = \(peer.string("reader", "access_key_id"))
        aws_secret_access_key = \(peer.string("reader", "secret_access_key"))
        """.write(to: credentials, atomically: true, encoding: .utf8)
        try "[profile skiff]\nregion = us-east-1\n[profile assumed]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = skiff\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let base = ["AWS_SHARED_CREDENTIALS_FILE": credentials.path, "AWS_CONFIG_FILE": config.path, "AWS_EC2_METADATA_DISABLED": "true"]

        var environment = base
        environment["AWS_PROFILE"] = "skiff"
        let report = try await Self.loadTypes(environment)
        #expect(report.credentialSource == "shared-files (skiff)")
        #expect(report.region == "us-east-1")  // from the profile in the config file

        // Environment keys come first in the chain.
        environment["AWS_ACCESS_KEY_ID"] = peer.string("reader2", "access_key_id")
        environment["AWS_SECRET_ACCESS_KEY"] = peer.string("reader2", "secret_access_key")
        #expect(try await Self.loadTypes(environment).credentialSource == "environment")

        var missing = base
        missing["AWS_PROFILE"] = "nope"
        await #expect { _ = try await SharedFileCredentialSource(environment: missing).load() } throws: { "\($0)".contains("AWS_PROFILE=nope") }
        var assumed = base
        assumed["AWS_PROFILE"] = "assumed"
        await #expect { _ = try await SharedFileCredentialSource(environment: assumed).load() } throws: { "\($0)".contains("role_arn") }
    }

    @Test func halfSetEnvironmentKeysAreAnError() async throws {
        await #expect {
            _ = try await EnvironmentCredentialSource(environment: ["AWS_ACCESS_KEY_ID": "AKIA"]).load()
        } throws: { "\($0)".contains("AWS_SECRET_ACCESS_KEY is not") }
    }

    @Test func metadataDisabledMeansNoMetadataClient() {
        #expect(InstanceMetadataClient.fromEnvironment(["AWS_EC2_METADATA_DISABLED": "true"], http: HTTPClient()) == nil)
        #expect(InstanceMetadataClient.fromEnvironment([:], http: HTTPClient()) != nil)
    }
}

/// A settable clock for refresh tests.
final class TestClock: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var current = Date()
    var now: Date { self.lock.withLock { self.current } }
    func advance(by seconds: TimeInterval) { self.lock.withLock { self.current += seconds } }
}
