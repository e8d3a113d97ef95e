import AWSConfig
import Foundation
import HTTPClient
import Logging
import TestSupport
import Testing

/// GetParametersByPath against moto_server with SigV4 signature checking on (see Tests/Peers/moto_peer.py).
@Suite("SSM against moto")
struct SSMIntegrationTests {
    static let logger = Logger(label: "test")

    /// An environment holding the given user's keys and pointing at the peer; no instance metadata.
    static func environment(_ peer: PeerProcess, user: String = "reader", endpoint: String = "endpoint") -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": peer.string(user, "access_key_id"),
            "AWS_SECRET_ACCESS_KEY": peer.string(user, "secret_access_key"),
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": peer.string(endpoint),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]
    }

    static func load(
        _ path: String,
        environment: [String: String],
        naming: EnvironmentNaming = .tail,
        overwrite: Bool = false,
        maxAttempts: Int = 3
    ) async throws -> (plan: EnvironmentPlan, report: SSMEnvironmentLoader.Report) {
        let configuration = SSMLoaderConfiguration(
            path: path,
            naming: naming,
            overwrite: overwrite,
            maxAttempts: maxAttempts,
            retryBaseDelay: .milliseconds(20)
        )
        return try await SSMEnvironmentLoader(configuration: configuration, environment: environment, http: HTTPClient(), logger: logger).load()
    }

    static func values(_ plan: EnvironmentPlan) -> [String: String] {
        Dictionary(uniqueKeysWithValues: plan.assignments.map { ($0.variable, $0.value) })
    }

    @Test func thirtySevenParametersAcrossFourPages() async throws {
        let peer = try await MotoPeer.shared()
        let (plan, report) = try await Self.load("/skiff-test/many/", environment: Self.environment(peer))
        #expect(report.parameterCount == 37)
        #expect(report.pages == 4)
        let values = Self.values(plan)
        #expect(values.count == 37)
        for index in 0..<37 {
            #expect(values[String(format: "PARAM_%02d", index)] == "value-\(index)")
        }
        #expect(report.credentialSource == "environment")
    }

    @Test func secureStringIsDecryptedAndStringListStaysJoined() async throws {
        let peer = try await MotoPeer.shared()
        let (plan, _) = try await Self.load("/skiff-test/types", environment: Self.environment(peer))
        let values = Self.values(plan)
        #expect(values["DB_PASSWORD"] == "s3cr3t-Value!$(whoami)")
        #expect(values["HOSTS"] == "a.example,b.example,c.example")
        #expect(values["PLAIN_NAME_WITH_DOTS"] == "dots")
        #expect(values["_9LIVES"] == "leading digit")
        #expect(plan.entries.first { $0.variable == "DB_PASSWORD" }?.type == "SecureString")
        #expect(plan.entries.first { $0.variable == "HOSTS" }?.type == "StringList")
    }

    @Test func nestedPathsInBothNamingModes() async throws {
        let peer = try await MotoPeer.shared()
        let tail = Self.values(try await Self.load("/skiff-test/nested/", environment: Self.environment(peer), naming: .tail).plan)
        #expect(tail == ["HOST": "db.internal", "PORT": "5432", "URL": "redis://cache:6379", "TOP_LEVEL": "top"])
        let relative = Self.values(try await Self.load("/skiff-test/nested/", environment: Self.environment(peer), naming: .relative).plan)
        #expect(relative == ["DB_HOST": "db.internal", "DB_PORT": "5432", "CACHE_URL": "redis://cache:6379", "TOP_LEVEL": "top"])
    }

    @Test func collidingTailsAreABootErrorNamingBoth() async throws {
        let peer = try await MotoPeer.shared()
        await #expect {
            _ = try await Self.load("/skiff-test/collide/", environment: Self.environment(peer))
        } throws: { error in
            let message = "\(error)"
            return message.contains("/skiff-test/collide/primary/host") && message.contains("/skiff-test/collide/replica/host")
                && message.contains("SSM_ENV_NAMING=relative")
        }
        let relative = Self.values(try await Self.load("/skiff-test/collide/", environment: Self.environment(peer), naming: .relative).plan)
        #expect(relative == ["PRIMARY_HOST": "one", "REPLICA_HOST": "two"])
    }

    @Test func precedenceWithAndWithoutOverwrite() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["LOG_LEVEL"] = "warning"
        let keep = try await Self.load("/skiff-test/precedence/", environment: environment)
        #expect(keep.plan.shadowed == ["LOG_LEVEL"])
        #expect(Self.values(keep.plan) == ["REGION_NAME": "eu-west-1"])
        let replace = try await Self.load("/skiff-test/precedence/", environment: environment, overwrite: true)
        #expect(Self.values(replace.plan) == ["LOG_LEVEL": "debug", "REGION_NAME": "eu-west-1"])
    }

    @Test func anEmptyPathLoadsNothing() async throws {
        let peer = try await MotoPeer.shared()
        let (plan, report) = try await Self.load("/skiff-test/nothing-here/", environment: Self.environment(peer))
        #expect(plan.entries.isEmpty)
        #expect(report.pages == 1)
    }

    @Test func emptyPagesWithANextTokenAreFollowed() async throws {
        let peer = try await MotoPeer.shared()
        let (plan, report) = try await Self.load("/skiff-test/empty-pages/", environment: Self.environment(peer, endpoint: "throttle_endpoint"))
        #expect(report.pages == 3)
        #expect(Self.values(plan) == ["AFTER_EMPTY": "found"])
    }

    @Test func aWrongSecretIsRejectedByTheSignatureCheck() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["AWS_SECRET_ACCESS_KEY"] = peer.string("reader", "secret_access_key") + "x"
        await #expect {
            _ = try await Self.load("/skiff-test/types/", environment: environment)
        } throws: { error in
            let error = error as! AWSError
            return error.awsCode == "SignatureDoesNotMatch" && error.status == 403 && error.message.contains("/skiff-test/types")
                && error.message.contains("AWS_SECRET_ACCESS_KEY") && !error.isRetryable
        }
    }

    @Test func anUnknownAccessKeyIsRejected() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["AWS_ACCESS_KEY_ID"] = "AKIANOTAREALKEY00000"
        await #expect {
            _ = try await Self.load("/skiff-test/types/", environment: environment)
        } throws: { error in
            let error = error as! AWSError
            return ["InvalidClientTokenId", "UnrecognizedClientException"].contains(error.awsCode ?? "") && error.message.contains("not known to AWS")
        }
    }

    @Test func accessDeniedByPolicyIsClearAndNotRetried() async throws {
        let peer = try await MotoPeer.shared()
        await #expect {
            _ = try await Self.load("/skiff-test/types/", environment: Self.environment(peer, user: "denied"), maxAttempts: 5)
        } throws: { error in
            let error = error as! AWSError
            return error.awsCode?.hasPrefix("AccessDenied") == true && error.message.contains("/skiff-test/types")
                && error.message.contains("ssm:GetParametersByPath") && !error.message.contains("gave up")
        }
    }

    @Test func throttlingIsRetriedThenSucceeds() async throws {
        let peer = try await MotoPeer.shared()
        let (plan, _) = try await Self.load(
            "/skiff-test/throttled-2/",
            environment: Self.environment(peer, endpoint: "throttle_endpoint"),
            maxAttempts: 3
        )
        #expect(Self.values(plan) == ["VALUE": "after-2"])
    }

    @Test func throttlingGivesUpAfterTheLimit() async throws {
        let peer = try await MotoPeer.shared()
        await #expect {
            _ = try await Self.load("/skiff-test/throttled-99/", environment: Self.environment(peer, endpoint: "throttle_endpoint"), maxAttempts: 4)
        } throws: { error in
            let error = error as! AWSError
            return error.awsCode == "ThrottlingException" && error.message.contains("gave up after 4 attempts")
                && error.message.contains("/skiff-test/throttled-99") && error.message.contains("SSM_MAX_ATTEMPTS")
        }
    }

    @Test func anUnreachableEndpointIsANetworkErrorNamingThePath() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["AWS_ENDPOINT_URL_SSM"] = "http://127.0.0.1:\(try SkiffProcess.freePort())"
        await #expect {
            _ = try await Self.load("/skiff-test/types/", environment: environment, maxAttempts: 2)
        } throws: { error in
            let error = error as! AWSError
            return error.code == .networkError && error.message.contains("/skiff-test/types") && error.message.contains("gave up after 2 attempts")
        }
    }

    @Test func serviceSpecificEndpointWinsOverTheGeneralOne() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(try SkiffProcess.freePort())"
        environment["AWS_ENDPOINT_URL_SSM"] = peer.string("endpoint")
        let (plan, _) = try await Self.load("/skiff-test/precedence/", environment: environment)
        #expect(plan.entries.count == 2)
    }

    @Test func noCredentialsAnywhereSaysWhereItLooked() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["AWS_SECRET_ACCESS_KEY"] = nil
        await #expect {
            _ = try await Self.load("/skiff-test/types/", environment: environment)
        } throws: { error in
            let error = error as! AWSError
            return error.code == .noCredentials && error.message.contains("environment, web-identity, shared-files, container, instance-metadata")
        }
    }
}
