import Foundation
import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inference
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing

@testable import Server

/// API keys, rate limits, CORS, the server-wide concurrency limit and the prediction timeout, in process through
/// the real middleware stack, configured from the environment.
@Suite("Front door")
struct FrontDoorTests {
    static let key = "sk-test-0123456789abcdef"
    static let other = "sk-other-0123456789abcdef"

    static func application(_ environment: [String: String]) throws -> ServerApplication {
        var environment = environment
        environment["EMBEDDING_MODEL"] = environment["EMBEDDING_MODEL"] ?? ""
        return ServerApplication(settings: try Settings.from(environment: environment), logger: Logger(label: "test"))
    }

    struct Reply {
        let status: Int
        let headers: HTTPFields
        let body: String
        func header(_ name: String) -> String? { self.headers[HTTPField.Name(name)!] }
    }

    static func send(
        _ router: Router<SkiffRequestContext>,
        _ requests: [(method: HTTPRequest.Method, uri: String, headers: HTTPFields)]
    ) async throws -> [Reply] {
        try await Application(router: router).test(.router) { client in
            var replies: [Reply] = []
            for request in requests {
                let reply = try await client.execute(uri: request.uri, method: request.method, headers: request.headers) {
                    Reply(status: Int($0.status.code), headers: $0.headers, body: String(buffer: $0.body))
                }
                replies.append(reply)
            }
            return replies
        }
    }

    @Test func apiKeysGuardEverythingButHealthAndMetrics() async throws {
        let router = try Self.application(["VALID_API_KEYS": "\(Self.key), \(Self.other)"]).makeRouter()
        let replies = try await Self.send(
            router,
            [
                (.get, "/v1/models", [:]),
                (.get, "/v1/models", [.authorization: "Bearer \(Self.key)"]),
                (.get, "/v1/models", [HTTPField.Name("X-API-Key")!: Self.other]),
                (.get, "/v1/models", [.authorization: "Bearer sk-wrong-0123456789abcdef"]),
                (.get, "/health/ready", [:]),
                (.get, "/metrics", [:]),
                (.get, "/openapi.json", [:]),
            ]
        )
        #expect(replies[0].status == 401 && replies[0].header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect(replies[0].body.contains("authentication_error") && replies[0].body.contains("API key is required"))
        #expect(replies[1].status == 200 && replies[2].status == 200)
        #expect(replies[3].status == 401 && replies[3].body.contains("not valid") && !replies[3].body.contains("sk-wrong"))
        #expect(replies[4].status != 401 && replies[5].status == 200)
        #expect(replies[6].status == 401)

        let locked = try Self.application(["ML_API_KEY": Self.key, "METRICS_REQUIRE_KEY": "true"]).makeRouter()
        let metrics = try await Self.send(locked, [(.get, "/metrics", [:]), (.get, "/metrics", [.authorization: "Bearer \(Self.key)"])])
        #expect(metrics.map(\.status) == [401, 200])
    }

    /// `/v1/messages` callers get the front door's errors in Anthropic's shape and type names (the anthropic SDK
    /// reads them); the gateway's own errors carry the rate-limit headers like every other answer.
    @Test func messagesErrorsAreAnthropicsAndGatewayErrorsCarryRateLimitHeaders() async throws {
        let router = try Self.application(["VALID_API_KEYS": Self.key, "RATE_LIMIT_PER_MINUTE": "100"]).makeRouter()
        let keyed: HTTPFields = [.authorization: "Bearer \(Self.key)"]
        var anthropic = keyed
        anthropic[HTTPField.Name("anthropic-version")!] = "2023-06-01"
        let replies = try await Self.send(
            router,
            [
                (.post, "/v1/messages", [:]), (.post, "/v1/chat/completions", keyed), (.get, "/v1/models", anthropic),
                (.get, "/v1/models/nope", anthropic), (.post, "/v1/chat/completions", [:]),
            ]
        )
        func json(_ reply: Reply) -> JSONValue { (try? JSONValue.parse(Array(reply.body.utf8))) ?? .null }
        #expect(replies[0].status == 401 && json(replies[0])["type"]?.stringValue == "error", "\(replies[0].body)")
        #expect(json(replies[0])["error"]?["type"]?.stringValue == "authentication_error")
        #expect(replies[1].status == 400 && replies[1].header("X-RateLimit-Limit") == "100", "\(replies[1].headers)")
        #expect(replies[2].status == 200 && json(replies[2])["has_more"]?.boolValue == false && json(replies[2])["data"]?.arrayValue == [])
        #expect(replies[3].status == 404 && json(replies[3])["error"]?["type"]?.stringValue == "not_found_error")
        // Other routes keep skiff's own shape.
        #expect(json(replies[4])["type"] == nil && json(replies[4])["error"]?["type"]?.stringValue == "authentication_error")
    }

    @Test func aKeyIsOptionalWhenNotRequiredButAWrongOneIsNeverAccepted() async throws {
        let router = try Self.application(["VALID_API_KEYS": Self.key, "API_KEY_REQUIRED": "false"]).makeRouter()
        let replies = try await Self.send(router, [(.get, "/v1/models", [:]), (.get, "/v1/models", [.authorization: "Bearer \(Self.key)"])])
        #expect(replies.map(\.status) == [200, 200])
        #expect(APIKeys([.init(Self.key)]).accepts(Self.key) && !APIKeys([.init(Self.key)]).accepts(Self.key + "x"))
        #expect(!APIKeys([.init(Self.key)]).accepts("") && APIKeys.fingerprint(Self.key).count == 8)
    }

    /// A bucket per key, or per client IP behind `TRUSTED_PROXY_COUNT` proxies; headers on every answer.
    @Test func rateLimitsPerKeyAndPerClientIP() async throws {
        var application = try Self.application([
            "VALID_API_KEYS": "\(Self.key),\(Self.other)", "API_KEY_REQUIRED": "false", "RATE_LIMIT_PER_MINUTE": "1",
            "RATE_LIMIT_BURST": "2", "TRUSTED_PROXY_COUNT": "1",
        ])
        #expect(application.rateLimiter?.perMinute == 1 && application.rateLimiter?.burst == 2)
        // A stopped clock: no bucket refills while the test runs, however slow the machine.
        let frozen = ContinuousClock.now
        application.rateLimiter = TokenBucketLimiter(perMinute: 1, burst: 2, clock: { frozen })
        let router = application.makeRouter()
        let forwarded = HTTPField.Name("X-Forwarded-For")!
        let keyed: HTTPFields = [.authorization: "Bearer \(Self.key)"]
        let replies = try await Self.send(
            router,
            [
                (.get, "/v1/models", keyed), (.get, "/v1/models", keyed), (.get, "/v1/models", keyed),
                (.get, "/v1/models", [.authorization: "Bearer \(Self.other)"]),
                (.get, "/v1/models", [forwarded: "6.6.6.6, 10.0.0.1"]), (.get, "/v1/models", [forwarded: "7.7.7.7, 10.0.0.1"]),
                (.get, "/v1/models", [forwarded: "10.0.0.1"]), (.get, "/v1/models", [forwarded: "10.0.0.2"]),
                (.get, "/health/ready", keyed),
            ]
        )
        // The forwarded callers: 6.6.6.6 and 7.7.7.7 are the client-written entries and never count; the ALB's
        // entry (10.0.0.1) is the caller, so its third request (two above, one here) is refused.
        #expect(replies.prefix(8).map(\.status) == [200, 200, 429, 200, 200, 200, 429, 200])
        #expect(replies[0].header("X-RateLimit-Limit") == "1" && replies[0].header("X-RateLimit-Remaining") == "1")
        #expect(replies[1].header("X-RateLimit-Remaining") == "0")
        #expect(replies[2].header("Retry-After") == "60" && replies[2].body.contains("rate_limited"))
        #expect(replies[2].header("X-RateLimit-Reset") == "120")
        // Health checks are not rate limited (readiness is 503 here: no listener in a router test).
        #expect(replies[8].status != 429 && replies[8].header("X-RateLimit-Limit") == nil)
    }

    @Test func tokenBucketsRefillAtTheConfiguredRate() {
        let limiter = TokenBucketLimiter(perMinute: 60, burst: 2)
        let start = ContinuousClock.now
        #expect(limiter.take("a", now: start).allowed && limiter.take("a", now: start).allowed)
        let refused = limiter.take("a", now: start)
        #expect(!refused.allowed && refused.retryAfterSeconds == 1 && refused.resetSeconds == 2)
        #expect(limiter.take("a", now: start + .seconds(1)).allowed)
        #expect(!limiter.take("a", now: start + .seconds(1)).allowed)
        #expect(limiter.take("b", now: start).remaining == 1)
        let small = TokenBucketLimiter(perMinute: 60, burst: 1, maxCallers: 2)
        for caller in 0..<10 { _ = small.take("c\(caller)", now: start + .seconds(caller * 10)) }
        #expect(small.callers <= 2)
    }

    @Test func forwardedForIsBelievedOnlyAsFarAsTrustedProxies() throws {
        let request = Request(
            head: .init(
                method: .get,
                scheme: "http",
                authority: "x",
                path: "/",
                headerFields: [ClientAddress.forwardedFor: "1.1.1.1, 2.2.2.2, 3.3.3.3"]
            ),
            body: .init(buffer: ByteBuffer())
        )
        #expect(ClientAddress.of(request, peer: "9.9.9.9", trustedProxies: 0) == "9.9.9.9")
        #expect(ClientAddress.of(request, peer: "9.9.9.9", trustedProxies: 1) == "3.3.3.3")
        #expect(ClientAddress.of(request, peer: "9.9.9.9", trustedProxies: 2) == "2.2.2.2")
        #expect(ClientAddress.of(request, peer: "9.9.9.9", trustedProxies: 4) == "9.9.9.9")
    }

    @Test func corsAnswersPreflightsForAllowedOriginsOnly() async throws {
        let router = try Self.application(["ALLOWED_ORIGINS": "https://app.example.com", "VALID_API_KEYS": Self.key]).makeRouter()
        let preflight: HTTPFields = [.origin: "https://app.example.com", .accessControlRequestMethod: "POST"]
        let replies = try await Self.send(
            router,
            [
                (.options, "/embed", preflight),
                (.options, "/embed", [.origin: "https://evil.example.com", .accessControlRequestMethod: "POST"]),
                (.get, "/health", [.origin: "https://app.example.com"]),
            ]
        )
        #expect(replies[0].status < 300 && replies[0].header("Access-Control-Allow-Origin") == "https://app.example.com")
        #expect(replies[0].header("Access-Control-Allow-Methods")?.contains("POST") == true)
        #expect(replies[1].header("Access-Control-Allow-Origin") == nil)
        #expect(replies[2].header("Access-Control-Allow-Origin") == "https://app.example.com")
    }

    /// Beyond `MAX_CONCURRENT_REQUESTS` in flight, 503 with Retry-After; health checks still answer.
    @Test(.timeLimit(.minutes(5))) func theServerWideLimitShedsLoadWith503() async throws {
        let router = try Self.application(["MAX_CONCURRENT_REQUESTS": "1"]).makeRouter()
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        router.get("/test/hold") { _, _ -> String in
            enteredContinuation.yield()
            for await _ in release { break }
            return "held"
        }
        try await Application(router: router).test(.router) { client in
            async let held = client.execute(uri: "/test/hold", method: .get) { String(buffer: $0.body) }
            for await _ in entered { break }
            let shed = try await client.execute(uri: "/v1/models", method: .get) { ($0.status.code, $0.headers[.retryAfter]) }
            #expect(shed.0 == 503 && shed.1 == "1")
            let health = try await client.execute(uri: "/health", method: .get) { $0.status.code }
            #expect(health == 200)
            releaseContinuation.yield()
            #expect(try await held == "held")
            let after = try await client.execute(uri: "/v1/models", method: .get) { $0.status.code }
            #expect(after == 200)
        }
    }

    /// Accounting ends at hand-over for an answer in memory (so Hummingbird can write head, body and end at once)
    /// and only after the last byte for a stream.
    @Test func accountingEndsAtHandOverForABufferAndAtTheLastByteForAStream() async throws {
        let finished = Mutex(0)
        let buffered = ResponseBody(byteBuffer: ByteBuffer(string: "whole")).whenFinished { finished.withLock { $0 += 1 } }
        #expect(finished.withLock { $0 } == 1 && buffered.contentLength == 5)

        let streamed = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "first "))
            #expect(finished.withLock { $0 } == 1, "a stream is not finished before its last byte")
            try await writer.write(ByteBuffer(string: "last"))
            try await writer.finish(nil)
        }.whenFinished { finished.withLock { $0 += 1 } }
        #expect(finished.withLock { $0 } == 1)
        let collected = CollectingWriter()
        try await streamed.write(collected)
        #expect(finished.withLock { $0 } == 2 && collected.text == "first last")
    }

    @Test func aPredictionPastItsTimeoutIs504AndTheServerGoesOn() async throws {
        let server = try Self.application([
            "EMBEDDING_MODEL": "all-MiniLM-L6-v2", "MODEL_DIR": PackagePaths.models.path, "PREDICTION_TIMEOUT": "0.001",
        ])
        await server.registry.loadAll(logger: Logger(label: "test"))
        let long = String(repeating: "a sentence that takes the model a while to read ", count: 20)
        let body = try JSONSerialization.data(withJSONObject: ["inputs": Array(repeating: long, count: 16)])
        let reply = try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/embed", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body)) {
                ($0.status.code, String(buffer: $0.body))
            }
        }
        #expect(reply.0 == 504 && reply.1.contains("prediction_timeout") && reply.1.contains("PREDICTION_TIMEOUT"))
        await server.registry.shutdown()
    }

    @Test(arguments: [
        (["VALID_API_KEYS": "short"], "VALID_API_KEYS"), (["API_KEY_REQUIRED": "true"], "API_KEY_REQUIRED"),
        (["RATE_LIMIT_PER_MINUTE": "-1"], "RATE_LIMIT_PER_MINUTE"), (["RATE_LIMIT_PER_MINUTE": "10", "RATE_LIMIT_BURST": "0"], "RATE_LIMIT_BURST"),
        (["ALLOWED_ORIGINS": "app.example.com"], "ALLOWED_ORIGINS"), (["TRUSTED_PROXY_COUNT": "x"], "TRUSTED_PROXY_COUNT"),
        (["PREDICTION_TIMEOUT": "0"], "PREDICTION_TIMEOUT"),
    ])
    func badFrontDoorSettingsNameTheVariable(environment: [String: String], variable: String) {
        #expect { _ = try Settings.from(environment: environment) } throws: { ($0 as? SettingsError)?.variable == variable }
    }
}

/// Gathers what a response body writes, for tests of body wrappers.
final class CollectingWriter: ResponseBodyWriter, Sendable {
    private let bytes = Mutex("")
    var text: String { self.bytes.withLock { $0 } }
    func write(_ buffer: ByteBuffer) async throws { self.bytes.withLock { $0 += String(buffer: buffer) } }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
