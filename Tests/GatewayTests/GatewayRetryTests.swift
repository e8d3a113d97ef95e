import Foundation
import HTTPClient
import Logging
import TestSupport
import Testing

@testable import Gateway

/// The gateway in-process against the mock providers: retries, fallbacks, the first-byte rule and stream limits,
/// checked by what the upstream actually received.
@Suite struct GatewayRetryTests {
    static let logger = Logger(label: "test")

    static func gateway(_ peer: PeerProcess, routes: String? = nil, configure: (inout GatewayConfiguration) -> Void = { _ in }) throws -> Gateway {
        let base = peer.string("endpoint")
        let providers = [
            ProviderConfiguration(kind: .openAI, baseURL: base + "/openai/v1", apiKey: Secret("test")),
            ProviderConfiguration(kind: .anthropic, baseURL: base + "/anthropic", apiKey: Secret("test")),
            ProviderConfiguration(kind: .gemini, baseURL: base + "/gemini", apiKey: Secret("test")),
        ]
        var configuration = GatewayConfiguration()
        configuration.retryBase = .milliseconds(20)
        // The budget is not what these tests are about; a starved CI machine must not exhaust it.
        configuration.retryBudget = .seconds(300)
        configure(&configuration)
        let router = try ModelRouter(providers: providers, routesFile: try routes.map { try RoutesFile.parse($0) })
        return Gateway(router: router, configuration: configuration, client: HTTPClient(proxy: ProxySettings()))
    }

    static func chat(_ model: String, stream: Bool = false) -> JSONValue {
        ["model": .string(model), "stream": .bool(stream), "messages": [["role": "user", "content": "hello from the retry tests"]]]
    }

    @Test func retriesA429HonouringRetryAfterThenSucceeds() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer)
        let started = ContinuousClock.now
        let result = try await gateway.complete(Self.chat("gpt-ratelimit-2"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        #expect(result.outcome.attempts == 3)
        // Retry-After: 1 on each 429: two waits of a second, not the 20 ms backoff.
        #expect(ContinuousClock.now - started >= .seconds(2))
        let statuses = try await MockProviders.requests(peer).map { $0["status"] as? Int }
        #expect(statuses == [429, 429, 200])
    }

    @Test func gives500sUpAfterTheAttemptBudgetWithTheUpstreamStatus() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer) { $0.maxAttempts = 2 }
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.complete(Self.chat("claude-error500"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        }
        #expect(error?.status == 500)
        #expect(error?.provider == "anthropic")
        #expect(error?.message.contains("anthropic returned 500") == true)
        #expect(try await MockProviders.requests(peer).count == 2)
    }

    @Test func a408IsRetried() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer) { $0.maxAttempts = 3 }
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.complete(Self.chat("gpt-status-408"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        }
        #expect(error?.status == 408 && error?.message.contains("after 3 attempts") == true)
        #expect(try await MockProviders.requests(peer).count == 3)
    }

    /// Nothing listens where the first deployment points: each attempt is a connection error, retried, then the
    /// fallback answers.
    @Test func connectionErrorsAreRetriedThenFallBack() async throws {
        let peer = try await MockProviders.start()
        let closed = try SkiffProcess.freePort()
        let providers = [
            ProviderConfiguration(kind: .openAI, baseURL: "http://127.0.0.1:\(closed)/v1", apiKey: Secret("test")),
            ProviderConfiguration(kind: .anthropic, baseURL: peer.string("endpoint") + "/anthropic", apiKey: Secret("test")),
        ]
        var configuration = GatewayConfiguration()
        configuration.retryBase = .milliseconds(20)
        configuration.retryBudget = .seconds(300)
        configuration.maxAttempts = 2
        let routes = try RoutesFile.parse("models: {m: {deployments: [{provider: openai, model: gpt-4o}], fallbacks: [claude-fine]}}")
        let gateway = Gateway(
            router: try ModelRouter(providers: providers, routesFile: routes),
            configuration: configuration,
            client: HTTPClient(proxy: ProxySettings())
        )
        let result = try await gateway.complete(Self.chat("m"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        #expect(result.outcome.deployment?.label == "anthropic/claude-fine")
        #expect(result.outcome.attempts == 3)
        #expect(try await MockProviders.requests(peer).map { $0["provider"] as? String } == ["anthropic"])
    }

    @Test func clientErrorsAreNeitherRetriedNorFallenBack() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(
            peer,
            routes: "models: {m: {deployments: [{provider: openai, model: gpt-status-400}], fallbacks: [claude-ok]}}"
        )
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.complete(Self.chat("m"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        }
        #expect(error?.status == 400)
        #expect(try await MockProviders.requests(peer).count == 1)
    }

    @Test func fallsBackInOrderWhenADeploymentKeepsFailing() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(
            peer,
            routes: "models: {m: {deployments: [{provider: openai, model: gpt-error500}], fallbacks: [gemini-error500, claude-fine]}}"
        ) {
            $0.maxAttempts = 2
        }
        let result = try await gateway.complete(Self.chat("m"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        #expect(result.outcome.deployment?.label == "anthropic/claude-fine")
        #expect(result.outcome.attempts == 5)
        let providers = try await MockProviders.requests(peer).map { $0["provider"] as? String }
        #expect(providers == ["openai", "openai", "gemini", "gemini", "anthropic"])
    }

    @Test func aLongRetryAfterMovesToTheFallbackInsteadOfWaiting() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(
            peer,
            routes: "models: {m: {deployments: [{provider: openai, model: gpt-ratelimit-5}], fallbacks: [claude-fine]}}"
        ) {
            $0.maxRetryAfter = .milliseconds(500)
        }
        let result = try await gateway.complete(Self.chat("m"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        #expect(result.outcome.deployment?.provider.name == "anthropic")
        #expect(try await MockProviders.requests(peer).count == 2)
    }

    @Test func retriesAStreamThatFailsBeforeItsFirstEventButNeverAfter() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer)
        // 429 before anything was sent: retried, and the client sees one clean stream.
        let retried = try await gateway.stream(
            Self.chat("gpt-ratelimit", stream: true),
            front: .chatCompletions,
            call: UpstreamCall(),
            logger: Self.logger
        )
        var text = ""
        while let bytes = await retried.next() { text += String(decoding: bytes, as: UTF8.self) }
        #expect(retried.attempts == 2)
        #expect(text.hasSuffix("data: [DONE]\n\n"))
        #expect(!text.contains("\"usage\":{"))  // the client did not ask for usage; skiff did, for accounting
        #expect(retried.outcome.usage?.promptTokens == 5)

        // An error mid-stream: the client already has bytes, so it gets an error event and no retry.
        let broken = try await gateway.stream(
            Self.chat("gpt-streamerror", stream: true),
            front: .chatCompletions,
            call: UpstreamCall(),
            logger: Self.logger
        )
        text = ""
        while let bytes = await broken.next() { text += String(decoding: bytes, as: UTF8.self) }
        #expect(text.contains("data: {\"error\":"))
        #expect(!text.contains("[DONE]"))
        #expect(broken.error?.kind == .streamInterrupted)
        let paths = try await MockProviders.requests(peer).map { $0["status"] as? Int }
        #expect(paths == [429, 200, 200])
    }

    /// A stream that fails after its 200 and opening events but before any content (Anthropic's `overloaded_error`
    /// event, an OpenAI-format error chunk after the role chunk) is retried: the opening events wait for the first
    /// token, so the client has had nothing yet. Through each provider and both fronts.
    @Test(arguments: [
        ("claude-earlyerror", true), ("claude-earlyerror", false), ("gpt-earlyerror", false), ("gpt-earlyerror", true),
        ("gemini-earlyerror", false),
    ])
    func aStreamThatFailsBeforeItsFirstTokenIsRetried(_ model: String, _ anthropicFront: Bool) async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer)
        var body = Self.chat(model, stream: true)
        if anthropicFront { body["max_tokens"] = 64 }
        let front: Gateway.Front = anthropicFront ? .messages(clientHeaders: []) : .chatCompletions
        let stream = try await gateway.stream(body, front: front, call: UpstreamCall(), logger: Self.logger)
        var text = ""
        while let bytes = await stream.next() { text += String(decoding: bytes, as: UTF8.self) }
        #expect(stream.attempts == 2 && stream.isComplete, "\(text)")
        #expect(!text.contains(#""error":"#) && !text.contains("event: error"), "\(text)")
        #expect(try await MockProviders.requests(peer).map { $0["outcome"] as? String } == ["stream_error", "complete"])
    }

    @Test func aSlowFirstByteTimesOutAs504AndIsRetried() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer) {
            $0.timeouts.firstByte = .milliseconds(300)
            $0.maxAttempts = 2
        }
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.stream(
                Self.chat("claude-slowfirst-3000", stream: true),
                front: .chatCompletions,
                call: UpstreamCall(timeouts: gateway.configuration.timeouts),
                logger: Self.logger
            )
        }
        #expect(error?.status == 504)
        #expect(error?.kind == .timeout)
        #expect(try await MockProviders.requests(peer).count == 2)
        // Within the limit, a slow first byte is just slow.
        let slow = try await gateway.complete(
            Self.chat("gemini-slowfirst-100"),
            front: .chatCompletions,
            call: UpstreamCall(timeouts: gateway.configuration.timeouts),
            logger: Self.logger
        )
        #expect(slow.outcome.attempts == 1)
        // A non-streamed answer's head comes only when the whole answer is written: the total timeout bounds it,
        // not the first-byte one (it used to fail as 504 and be retried, each attempt billed).
        let whole = try await gateway.complete(
            Self.chat("gemini-slowfirst-1000"),
            front: .chatCompletions,
            call: UpstreamCall(timeouts: gateway.configuration.timeouts),
            logger: Self.logger
        )
        #expect(whole.outcome.attempts == 1)
    }

    @Test func limitsConcurrentStreams() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer) { $0.maxConcurrentStreams = 1 }
        let first = try await gateway.stream(
            Self.chat("gpt-delay-50", stream: true),
            front: .chatCompletions,
            call: UpstreamCall(),
            logger: Self.logger
        )
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.stream(Self.chat("gpt-ok", stream: true), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        }
        #expect(error?.status == 429)
        #expect(error?.code == "too_many_streams")
        first.close()
        let second = try await gateway.stream(Self.chat("gpt-ok", stream: true), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        second.close()
    }

    /// A client that hangs up while its stream waits out a long `Retry-After` frees its slot then, not after the wait.
    @Test func aClientGoneDuringARetryWaitFreesItsStreamSlot() async throws {
        let peer = try await MockProviders.start()
        let gateway = try Self.gateway(peer) { $0.maxConcurrentStreams = 1 }
        let cancellation = HTTPCancellation()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let error = await #expect(throws: GatewayError.self) {
                    try await gateway.stream(
                        Self.chat("gpt-ratelimit-retryafter-15", stream: true),
                        front: .chatCompletions,
                        call: UpstreamCall(cancellation: cancellation),
                        logger: Self.logger
                    )
                }
                #expect(error?.kind == .cancelled)
            }
            // The first attempt's 429 arrives and the 15 s wait begins; then the client goes.
            while try await MockProviders.requests(peer).isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            cancellation.cancel()
            try await Task.sleep(for: .milliseconds(500))
            let next = try await gateway.stream(Self.chat("gpt-ok", stream: true), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
            next.close()
            try await group.waitForAll()
        }
        #expect(try await MockProviders.requests(peer).map { $0["status"] as? Int } == [429, 200])
    }

    @Test func upstreamKeysNeverReachErrorMessages() async throws {
        let key = "sk-live-TOPSECRET-0123456789"
        let peer = try await MockProviders.start(keys: ["openai": "something-else"])
        let router = try ModelRouter(providers: [
            ProviderConfiguration(kind: .openAI, baseURL: peer.string("endpoint") + "/openai/v1", apiKey: Secret(key))
        ])
        let gateway = Gateway(router: router, client: HTTPClient(proxy: ProxySettings()))
        let error = await #expect(throws: GatewayError.self) {
            try await gateway.complete(Self.chat("gpt-4o"), front: .chatCompletions, call: UpstreamCall(), logger: Self.logger)
        }
        #expect(error?.status == 401)
        #expect(error.map { !"\($0)".contains("TOPSECRET") } == true)
        #expect(!"\(router.providers)".contains("TOPSECRET"))
    }
}
