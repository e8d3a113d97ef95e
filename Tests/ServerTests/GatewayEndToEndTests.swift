import Foundation
import TestSupport
import Testing

/// The built binary as an LLM gateway in front of the mock providers, driven by the official `openai` and
/// `anthropic` Python SDKs: every provider, streaming, tools, errors as the SDKs' own exception types.
@Suite("Gateway end to end")
struct GatewayEndToEndTests {
    /// One mock for the SDK tests (it stops with the test process); tests that count upstream requests start their
    /// own. Each test runs its own skiff (ready in tens of milliseconds), stopped when the test ends, so no server
    /// outlives the test process.
    static let mock = Task { () throws -> (PeerProcess, URL) in
        let peer = try await MockProviders.start()
        let routes = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString).yaml")
        try """
        models:
          fast:
            deployments:
              - {provider: openai, model: gpt-error500}
            fallbacks: [claude-3-5-haiku]
        """.write(to: routes, atomically: true, encoding: .utf8)
        return (peer, routes)
    }

    static func withServer(_ body: (SkiffServer) async throws -> Void) async throws {
        let (peer, routes) = try await self.mock.value
        var environment = SkiffProcess.baseEnvironment().merging(MockProviders.environment(peer)) { $1 }
        environment["MODEL_ROUTES_FILE"] = routes.path
        environment["GATEWAY_MAX_ATTEMPTS"] = "2"
        environment["GATEWAY_RETRY_BASE_MS"] = "10"
        let server = try SkiffServer(environment: environment)
        do {
            try await server.waitUntilReady()
            try await body(server)
        } catch {
            _ = try? await server.stop()
            throw error
        }
        #expect(try await server.stop() == 0)
    }

    static let prompt = "echo: Please say hello to the skiff tests"

    @Test(arguments: ["gpt-4o-mini", "claude-3-5-haiku", "gemini-2.0-flash", "deepseek-chat", "grok-3", "azure/mock-chat", "fast"], [false, true])
    func openAISDKReachesEveryProvider(_ model: String, _ stream: Bool) async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", model] + (stream ? ["--stream"] : []))
            #expect(result["error"] == nil, "\(result)")
            #expect(result["text"] as? String == Self.prompt)
            #expect(result["finish_reason"] as? String == "stop")
            #expect(result["usage"] as? [String: Int] == ["prompt_tokens": 10, "completion_tokens": 8, "total_tokens": 18])
            if stream { #expect(result["chunks"] as? Int == 20) }
        }
    }

    @Test(arguments: ["gpt-tool-parallel", "claude-tool-parallel", "gemini-tool-parallel"], [false, true])
    func toolCallsComeBackInOpenAIsShape(_ model: String, _ stream: Bool) async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", model, "--tools"] + (stream ? ["--stream"] : []))
            #expect(result["finish_reason"] as? String == "tool_calls", "\(result)")
            let calls = try #require(result["tool_calls"] as? [[String: Any]])
            #expect(calls.count == 2)
            #expect(calls.allSatisfy { $0["name"] as? String == "get_weather" && ($0["id"] as? String)?.isEmpty == false })
            #expect(
                calls.compactMap { ($0["arguments"] as? [String: String])?["location"] } == [
                    "Please say hello to the skiff tests", "Please say hello to the skiff tests",
                ]
            )
        }
    }

    @Test(
        arguments: ["claude-3-5-haiku", "gpt-4o-mini", "o4-mini", "gemini-2.0-flash", "deepseek-chat", "grok-3", "azure/mock-chat"],
        [false, true]
    )
    func anthropicSDKReachesAnthropicAndOthers(_ model: String, _ stream: Bool) async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("anthropic_client.py", [server.baseURL, model] + (stream ? ["--stream"] : []))
            #expect(result["error"] == nil, "\(result)")
            #expect(result["text"] as? String == Self.prompt)
            #expect(result["stop_reason"] as? String == "end_turn")
            #expect(result["usage"] as? [String: Int] == ["input_tokens": 10, "output_tokens": 8])
            if stream { #expect(result["chunks"] as? Int == 20) }
            let tools = try await SDKClient.run(
                "anthropic_client.py",
                [server.baseURL, model.prefix { $0 != "-" } + "-tool", "--tools"] + (stream ? ["--stream"] : [])
            )
            #expect(tools["stop_reason"] as? String == "tool_use", "\(tools)")
            #expect(
                (tools["tool_uses"] as? [[String: Any]])?.first?["input"] as? [String: String] == ["location": "Please say hello to the skiff tests"]
            )
        }
    }

    @Test(arguments: [
        ("openai_chat_client.py", "no-such-model", false, "NotFoundError", 404),
        ("openai_chat_client.py", "gpt-status-400", false, "BadRequestError", 400),
        ("openai_chat_client.py", "claude-status-401", true, "AuthenticationError", 401),
        ("openai_chat_client.py", "gemini-error500", true, "InternalServerError", 500),
        ("openai_chat_client.py", "gpt-ratelimit-9", false, "RateLimitError", 429),
        ("openai_chat_client.py", "gemini-blocked", false, "BadRequestError", 400),
        ("openai_chat_client.py", "gemini-blocked", true, "BadRequestError", 400),
        ("openai_chat_client.py", "gemini-unsafe", false, "BadRequestError", 400),
        ("openai_chat_client.py", "gemini-unsafe", true, "BadRequestError", 400),
        ("anthropic_client.py", "gemini-unsafe", true, "BadRequestError", 400),
        ("openai_chat_client.py", "gpt-streamerror", true, "APIError", 0),
        ("openai_chat_client.py", "claude-breakstream", true, "APIError", 0),
        ("openai_chat_client.py", "gpt-malformed", false, "InternalServerError", 502),
        ("openai_chat_client.py", "gpt-malformed", true, "InternalServerError", 502),  // before any token: retried, then a 502
        ("anthropic_client.py", "no-such-model", false, "NotFoundError", 404),
        ("anthropic_client.py", "claude-status-529", false, "OverloadedError", 529),
        ("anthropic_client.py", "gpt-error500", true, "InternalServerError", 500),
        ("anthropic_client.py", "gpt-malformed", false, "InternalServerError", 502),
        ("anthropic_client.py", "gemini-streamerror", true, "APIStatusError", 0),
    ])
    func errorsSurfaceAsTheSDKsOwnExceptions(_ script: String, _ model: String, _ stream: Bool, _ kind: String, _ status: Int) async throws {
        try await Self.withServer { server in
            let base = script.hasPrefix("openai") ? server.baseURL + "/v1" : server.baseURL
            let result = try await SDKClient.run(script, [base, model] + (stream ? ["--stream"] : []))
            let error = try #require(result["error"] as? [String: Any], "\(result)")
            #expect(error["class"] as? String == kind, "\(error)")
            if status != 0 { #expect(error["status"] as? Int == status) }
            let message = error["message"] as? String ?? ""
            #expect(
                message.contains("openai") || message.contains("anthropic") || message.contains("gemini") || model == "no-such-model",
                "\(message)"
            )
        }
    }

    /// With the SDKs' own retries on (2 by default), an error skiff has already retried, or whose `Retry-After` it
    /// declined to wait out, is not retried again by the SDK (`x-should-retry: false`): the upstream sees skiff's
    /// attempts only, and the anthropic SDK does not sleep for the upstream's hour.
    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            ("openai_chat_client.py", "gpt-ratelimit-9-sdkretries", "RateLimitError", 2),
            ("anthropic_client.py", "claude-ratelimit-9-retryafter-3600-sdkretries", "RateLimitError", 1),
            ("openai_chat_client.py", "gpt-error500-sdkretries", "InternalServerError", 2),
        ]
    )
    func theSDKsDoNotRetryWhatSkiffRetried(_ script: String, _ model: String, _ kind: String, _ upstreamCalls: Int) async throws {
        try await Self.withServer { server in
            let base = script.hasPrefix("openai") ? server.baseURL + "/v1" : server.baseURL
            let result = try await SDKClient.run(script, [base, model, "--max-retries", "2"])
            #expect((result["error"] as? [String: Any])?["class"] as? String == kind, "\(result)")
            let (peer, _) = try await Self.mock.value
            let seen = try await MockProviders.requests(peer).filter { ($0["body"] as? [String: Any])?["model"] as? String == model }
            #expect(seen.count == upstreamCalls)
        }
    }

    @Test(arguments: ["text-embedding-3-small", "gemini/gemini-embedding-001", "azure/mock-embed"])
    func providerEmbeddingsThroughTheSDK(_ model: String) async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("openai_embeddings_client.py", [server.baseURL + "/v1", model])
            #expect(result["model"] as? String == String(model.split(separator: "/").last!))
            #expect(result["indices"] as? [Int] == [0, 1, 2])
            #expect(result["short_length"] as? Int == 32)
            let vectors = try #require(result["default"] as? [[Double]])
            let floats = try #require(result["float"] as? [[Double]])
            #expect(zip(vectors.joined(), floats.joined()).allSatisfy { abs($0 - $1) < 1e-6 })
            let errors = try #require(result["errors"] as? [String: [String: Any]])
            #expect(errors["unknown_model"]?["class"] as? String == "NotFoundError")
            #expect(errors["empty_input"]?["class"] as? String == "BadRequestError")
        }
    }

    /// The request id and the ALB's trace id travel upstream, so provider-side logs can be matched with skiff's.
    @Test func requestAndTraceIDsAreForwardedUpstream() async throws {
        try await Self.withServer { server in
            let marker = UUID().uuidString
            let (status, _) = try await HTTPProbe.post(
                server.baseURL + "/v1/chat/completions",
                json: #"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "echo: trace"}]}"#,
                headers: ["X-Request-Id": "req-\(marker)", "X-Amzn-Trace-Id": "Root=1-\(marker)"]
            )
            #expect(status == 200)
            let (peer, _) = try await Self.mock.value
            let seen = try await MockProviders.requests(peer).compactMap { $0["headers"] as? [String: String] }
            let forwarded = seen.first { $0.contains { $0.key.lowercased() == "x-request-id" && $0.value == "req-\(marker)" } }
            #expect(forwarded != nil, "no upstream request carried X-Request-Id req-\(marker)")
            #expect(forwarded?.contains { $0.key.lowercased() == "x-amzn-trace-id" && $0.value == "Root=1-\(marker)" } == true)
            // The provider's own request id is kept: in the access log of an answer, in the message of an error.
            let line = server.log.split(separator: "\n").first { $0.contains("req-\(marker)") && $0.contains(#""message":"request""#) }
            #expect(line?.contains(#""upstream_request_id":"req_"#) == true, "\(line ?? "no access log line")")
            for model in ["claude-status-401", "gpt-status-400"] {
                let (_, failed) = try await HTTPProbe.post(
                    server.baseURL + "/v1/chat/completions",
                    json: #"{"model": "\#(model)", "messages": [{"role": "user", "content": "hi"}]}"#
                )
                #expect(failed.contains("(request id req_"), "\(failed)")
            }
            // The anthropic SDK reads skiff's request id from `request-id`.
            let result = try await SDKClient.run("anthropic_client.py", [server.baseURL, "claude-3-5-haiku"])
            #expect((result["request_id"] as? String)?.count == 32, "\(result)")
        }
    }

    @Test func modelsListsProvidersAndAliases() async throws {
        try await Self.withServer { server in
            let (status, body) = try await HTTPProbe.get(server.baseURL + "/v1/models")
            #expect(status == 200)
            let listing = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            let ids = Set((listing["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            for expected in ["fast", "claude-mock-1", "gemini-mock-1", "openai/mock-chat", "deepseek/mock-chat", "xai/mock-tool", "azure/mock-chat"] {
                #expect(ids.contains(expected), "\(expected) missing from \(ids.sorted())")
            }
            #expect(try await HTTPProbe.get(server.baseURL + "/v1/models/claude-mock-1").0 == 200)
            #expect(try await HTTPProbe.get(server.baseURL + "/v1/models/nope").0 == 404)
            // The providers' own dates and names come through, in either shape.
            let created = (listing["data"] as? [[String: Any]] ?? []).first { $0["id"] as? String == "openai/mock-chat" }?["created"] as? Int
            #expect(created == 1_700_000_000)
            let (_, claude) = try await HTTPProbe.get(server.baseURL + "/v1/models/claude-mock-1", headers: ["anthropic-version": "2023-06-01"])
            #expect(claude.contains(#""display_name":"Claude Mock""#) && claude.contains(#""created_at":"2025-01-01T00:00:00Z""#), "\(claude)")
            let (_, gemini) = try await HTTPProbe.get(server.baseURL + "/v1/models/gemini-mock-1", headers: ["anthropic-version": "2023-06-01"])
            #expect(gemini.contains(#""display_name":"Gemini Mock""#), "\(gemini)")
            // Azure lists no deployments: one that chat would reach is found by its route.
            #expect(try await HTTPProbe.get(server.baseURL + "/v1/models/azure%2Fsome-deployment").0 == 200)
            // What the SDKs send for an id with a slash.
            let (retrievedStatus, retrieved) = try await HTTPProbe.get(server.baseURL + "/v1/models/azure%2Fmock-chat")
            #expect(retrievedStatus == 200 && retrieved.contains(#""owned_by":"azure""#), "\(retrieved)")
        }
    }

    /// `messages.count_tokens` reaches Anthropic, through an alias's fallback too; a model no Anthropic deployment
    /// serves is a 400 the SDK raises as its own `BadRequestError`.
    @Test(arguments: [("claude-3-5-haiku", 10), ("fast", 10), ("gpt-4o-mini", 0)])
    func anthropicSDKCountsTokens(_ model: String, _ expected: Int) async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("anthropic_client.py", [server.baseURL, model, "--count-tokens"])
            if expected > 0 {
                #expect(result["error"] == nil && result["input_tokens"] as? Int == expected, "\(result)")
            } else {
                let error = result["error"] as? [String: Any]
                #expect(error?["class"] as? String == "BadRequestError" && (error?["message"] as? String)?.contains("Anthropic's API") == true)
            }
        }
    }

    /// The anthropic SDK lists and retrieves models in Anthropic's shape, page by page; local models, which
    /// `/v1/messages` cannot serve, are not listed to it.
    @Test func anthropicSDKListsModels() async throws {
        try await Self.withServer { server in
            let result = try await SDKClient.run("anthropic_client.py", [server.baseURL, "azure/mock-chat", "--models"])
            #expect(result["error"] == nil, "\(result)")
            let ids = result["ids"] as? [String] ?? []
            for expected in ["fast", "claude-mock-1", "gemini-mock-1", "openai/mock-chat", "azure/mock-chat"] {
                #expect(ids.contains(expected), "\(expected) missing from \(ids)")
            }
            #expect(ids.count == Set(ids).count && ids.count > 4)
            #expect(result["types"] as? [String] == ["model"] && result["named"] as? Bool == true)
            #expect(result["retrieved"] as? String == "azure/mock-chat" && result["retrieved_type"] as? String == "model")
        }
    }

    @Test func metricsAccountPerProviderAndModel() async throws {
        try await Self.withServer { server in
            _ = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", "claude-metrics", "--stream"])
            let (_, metrics) = try await HTTPProbe.get(server.baseURL + "/metrics")
            #expect(metrics.contains(#"gateway_requests_total{provider="anthropic",model="claude-metrics",outcome="ok"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"gateway_tokens_total{provider="anthropic",model="claude-metrics",type="completion"} 8"#))
            #expect(metrics.contains(#"gateway_time_to_first_token_seconds_count{provider="anthropic",model="claude-metrics"} 1"#))
            #expect(metrics.contains("gateway_request_duration_seconds_bucket"))
            // A request is counted once however many attempts it took (GATEWAY_MAX_ATTEMPTS=2 here); each failed
            // attempt is an upstream error. A model nobody serves is counted too, under no provider; one that no
            // provider has answered yet counts as "unknown" under its provider (made-up names take no label).
            let failing = #"{"model": "gpt-error500-metrics", "messages": [{"role": "user", "content": "hi"}]}"#
            let failure = try await HTTPProbe.exchange(server.baseURL + "/v1/chat/completions", json: failing)
            #expect(failure.status == 500)
            // Who failed goes back to the client as a success's would: what the provider's support asks for.
            let head = failure.head.lowercased()
            #expect(head.contains("x-skiff-deployment: openai/gpt-error500-metrics") && head.contains("x-upstream-request-id: req_"), "\(head)")
            // A request skiff refuses itself (no counterpart at Anthropic) never reached the provider: no upstream error.
            let refused = #"{"model": "claude-refused-metrics", "logprobs": true, "messages": [{"role": "user", "content": "hi"}]}"#
            #expect(try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: refused).0 == 400)
            let unknown = #"{"model": "nobody-serves-this", "messages": [{"role": "user", "content": "hi"}]}"#
            #expect(try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: unknown).0 == 404)
            let (_, after) = try await HTTPProbe.get(server.baseURL + "/metrics")
            for line in [
                #"gateway_requests_total{provider="openai",model="unknown",outcome="upstream_status"} 1"#,
                #"gateway_upstream_errors_total{provider="openai",model="unknown",kind="upstream_status"} 2"#,
                #"gateway_retries_total{provider="openai",reason="upstream_status"} 1"#,
                #"gateway_requests_total{provider="none",model="unknown",outcome="model_not_found"} 1"#,
            ] {
                #expect(after.contains(line), "\(line) not in \(after)")
            }
            #expect(!after.contains("gpt-error500-metrics"))
            #expect(!after.contains(#"gateway_upstream_errors_total{provider="anthropic""#), "\(after)")
            #expect(after.contains(#"gateway_requests_total{provider="anthropic",model="unknown",outcome="invalid_request"} 1"#), "\(after)")
            // Each request's one access-log line carries its accounting.
            let lines = server.log.split(separator: "\n").filter { $0.contains(#""message":"request""#) }
            let streamed = lines.first { $0.contains(#""model":"claude-metrics""#) }
            for field in [
                #""route":"/v1/chat/completions""#, #""provider":"anthropic""#, #""upstream_model":"claude-metrics""#, #""stream":"true""#,
                #""attempts":"1""#, #""completion_tokens":"8""#, #""ttft_ms":""#, #""bytes":""#,
            ] {
                #expect(streamed?.contains(field) == true, "\(field) not in \(streamed ?? "no line")")
            }
            let failed = lines.first { $0.contains(#""model":"gpt-error500-metrics""#) }
            for field in [
                #""level":"error""#, #""status":"500""#, #""provider":"openai""#, #""error":"upstream_status""#, "after 2 attempts",
                #""attempts":"2""#, #""upstream_model":"gpt-error500-metrics""#, #""upstream_request_id":"req_"#,
            ] {
                #expect(failed?.contains(field) == true, "\(field) not in \(failed ?? "no line")")
            }
            #expect(lines.count { $0.contains("claude-metrics") } == 1 && !server.log.contains("gateway request"))
        }
    }
}

/// Gateway behaviour that needs a mock and a skiff of its own: what the upstream saw, limits, secrets.
@Suite("Gateway failures end to end")
struct GatewayFailureTests {
    static func start(
        _ extra: [String: String] = [:],
        keys: [String: String] = [:],
        mockKeys: [String: String] = [:],
        port: Int = 0
    ) async throws -> (PeerProcess, SkiffServer) {
        let peer = try await MockProviders.start(keys: mockKeys)
        var environment = SkiffProcess.baseEnvironment().merging(MockProviders.environment(peer, keys: keys)) { $1 }
        environment.merge(extra) { $1 }
        let server = try SkiffServer(environment: environment, port: port)
        try await server.waitUntilReady()
        return (peer, server)
    }

    /// Fields a provider names differently, or refuses unless told, reach it as it takes them: Azure AI Inference
    /// gets `max_tokens` and `extra-parameters: pass-through` for fields its API does not define (only then);
    /// OpenAI's reasoning models get `max_completion_tokens` for a client's `max_tokens`.
    @Test func providerSpecificFieldsReachTheirProvider() async throws {
        let (peer, server) = try await Self.start()
        defer { withExtendedLifetime(peer) {} }
        let cases = [
            ("azure/mock-chat", #""max_completion_tokens": 5, "user": "u1", "n": 1, "parallel_tool_calls": false"#),
            ("azure/mock-chat", #""max_tokens": 6"#),
            ("o3-mini", #""max_tokens": 7"#),
            ("gpt-4o-mini", #""max_tokens": 8"#),
        ]
        for (model, fields) in cases {
            let json = #"{"model": "\#(model)", \#(fields), "messages": [{"role": "user", "content": "echo: hi"}]}"#
            let (status, body) = try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: json)
            #expect(status == 200, "\(model) \(fields): \(body)")
        }
        let seen = try await MockProviders.requests(peer).filter { ($0["path"] as? String)?.hasSuffix("/chat/completions") == true }
        try #require(seen.count == 4, "\(seen)")
        func body(_ index: Int) -> [String: Any] { seen[index]["body"] as? [String: Any] ?? [:] }
        func header(_ index: Int, _ name: String) -> String? {
            (seen[index]["headers"] as? [String: String])?.first { $0.key.lowercased() == name }?.value
        }
        #expect(body(0)["max_tokens"] as? Int == 5 && body(0)["max_completion_tokens"] == nil && body(0)["user"] as? String == "u1")
        #expect(header(0, "extra-parameters") == "pass-through")
        #expect(body(1)["max_tokens"] as? Int == 6 && header(1, "extra-parameters") == nil)
        #expect(body(2)["max_completion_tokens"] as? Int == 7 && body(2)["max_tokens"] == nil)
        #expect(body(3)["max_tokens"] as? Int == 8 && body(3)["max_completion_tokens"] == nil)
        #expect(try await server.stop() == 0)
    }

    /// An embeddings request whose route falls back to a provider without an embeddings API passes it over for the
    /// next one that has one, instead of ending there with that provider's refusal.
    @Test func embeddingsFallbacksSkipProvidersWithoutEmbeddings() async throws {
        let routes = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString).yaml")
        try """
        providers: {openai-stale: {kind: openai, api_key_env: OPENAI_API_KEY_STALE}}
        models:
          embed:
            deployments: [{provider: openai-stale, model: text-embedding-3-small}]
            fallbacks: [claude-3-5-haiku, gemini/gemini-embedding-001]
        """.write(to: routes, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: routes) }
        let (peer, server) = try await Self.start(["MODEL_ROUTES_FILE": routes.path, "OPENAI_API_KEY_STALE": "revoked"])
        defer { withExtendedLifetime(peer) {} }
        let (status, body) = try await HTTPProbe.post(server.baseURL + "/v1/embeddings", json: #"{"model": "embed", "input": "hi"}"#)
        #expect(status == 200, "\(body)")
        let paths = try await MockProviders.requests(peer).compactMap { $0["path"] as? String }
        #expect(paths.contains("/openai/v1/embeddings") && paths.contains { $0.hasPrefix("/gemini/") }, "\(paths)")
        #expect(!paths.contains { $0.hasPrefix("/anthropic/") })
        #expect(try await server.stop() == 0)
    }

    /// A routes file's own provider accounts are reported with the environment's (names only).
    @Test func healthListsEveryProviderAccount() async throws {
        let routes = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString).yaml")
        try "providers: {openai-backup: {kind: openai, api_key_env: OPENAI_API_KEY}}\n".write(to: routes, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: routes) }
        let (peer, server) = try await Self.start(["MODEL_ROUTES_FILE": routes.path])
        defer { withExtendedLifetime(peer) {} }
        let (status, body) = try await HTTPProbe.get(server.baseURL + "/health/detailed")
        #expect(status == 200)
        let providers = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])["providers"] as? [String]
        #expect(providers?.contains("openai-backup") == true && providers?.contains("openai") == true, "\(providers ?? [])")
        #expect(try await server.stop() == 0)
    }

    /// A translated request skiff cannot honour is refused before any upstream call, in the client's API's error
    /// shape; what it can translate reaches the provider in the provider's own terms.
    @Test func translatedRequestsAreCheckedBeforeTheyLeave() async throws {
        let (peer, server) = try await Self.start()
        defer { withExtendedLifetime(peer) {} }
        for model in ["claude-3-5-haiku", "gemini-2.0-flash"] {
            let (status, text) = try await HTTPProbe.post(
                server.baseURL + "/v1/chat/completions",
                json: #"{"model": "\#(model)", "frobnicate": 1, "messages": [{"role": "user", "content": "hi"}]}"#
            )
            #expect(status == 400 && text.contains("frobnicate: unknown parameter") && text.contains(#""type":"invalid_request_error""#), "\(text)")
        }
        let (refused, refusal) = try await HTTPProbe.post(
            server.baseURL + "/v1/messages",
            json: #"{"model": "gemini-2.0-flash", "max_tokens": 50, "container": "c1", "messages": [{"role": "user", "content": "hi"}]}"#
        )
        #expect(refused == 400 && refusal.contains(#""type":"error""#) && refusal.contains("container: not supported"), "\(refusal)")
        #expect(try await MockProviders.requests(peer).isEmpty)

        let schema = #"{"type":"object","properties":{"colour":{"type":"string"}},"required":["colour"]}"#
        let (status, text) = try await HTTPProbe.post(
            server.baseURL + "/v1/messages",
            json: #"""
                {"model": "gemini-2.0-flash", "max_tokens": 50, "messages": [{"role": "user", "content": "Name a colour"}],
                 "output_config": {"format": {"type": "json_schema", "schema": \#(schema)}}}
                """#
        )
        #expect(status == 200, "\(text)")
        let seen = try await MockProviders.requests(peer)
        #expect(seen.count == 1 && (seen.first?["path"] as? String)?.hasSuffix("gemini-2.0-flash:generateContent") == true, "\(seen)")
        let config = (seen.first?["body"] as? [String: Any])?["generationConfig"] as? [String: Any]
        #expect(config?["responseMimeType"] as? String == "application/json")
        let expected = try JSONSerialization.jsonObject(with: Data(schema.utf8)) as? NSDictionary
        #expect(config?["responseJsonSchema"] as? NSDictionary == expected, "\(config ?? [:])")
        #expect(try await server.stop() == 0)
    }

    /// Content parts below the top level reach Anthropic in its own blocks: a PDF `file` part as a titled `document`,
    /// `cache_control` where it was set. An image inside a `/v1/messages` tool result has no place in an OpenAI tool
    /// message: a 400 in Anthropic's shape, and the provider is not called.
    @Test func contentPartsReachTheProviderInItsOwnBlocks() async throws {
        let (peer, server) = try await Self.start()
        defer { withExtendedLifetime(peer) {} }
        let (status, text) = try await HTTPProbe.post(
            server.baseURL + "/v1/chat/completions",
            json: #"""
                {"model": "claude-3-5-haiku", "tools": [{"type": "function", "function": {"name": "f"}, "cache_control": {"type": "ephemeral"}}],
                 "messages": [{"role": "user", "content": [
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjQK", "filename": "report.pdf"}},
                    {"type": "text", "text": "echo: summarise", "cache_control": {"type": "ephemeral"}}]}]}
                """#
        )
        #expect(status == 200 && text.contains("echo: summarise"), "\(text)")
        let seen = try await MockProviders.requests(peer)
        try #require(seen.count == 1 && seen.first?["path"] as? String == "/anthropic/v1/messages", "\(seen)")
        let body = try #require(seen.first?["body"] as? [String: Any])
        let blocks = ((body["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]]) ?? []
        #expect(blocks.first?["type"] as? String == "document" && blocks.first?["title"] as? String == "report.pdf", "\(blocks)")
        #expect((blocks.first?["source"] as? [String: String]) == ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"])
        #expect((blocks.last?["cache_control"] as? [String: String]) == ["type": "ephemeral"])
        #expect(((body["tools"] as? [[String: Any]])?.first?["cache_control"] as? [String: String]) == ["type": "ephemeral"])

        let (refused, refusal) = try await HTTPProbe.post(
            server.baseURL + "/v1/messages",
            json: #"""
                {"model": "gpt-4o-mini", "max_tokens": 50, "messages": [
                    {"role": "user", "content": "Look"},
                    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "shot", "input": {}}]},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [
                        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"}}]}]}]}
                """#
        )
        #expect(refused == 400 && refusal.contains(#""type":"invalid_request_error""#), "\(refusal)")
        #expect(refusal.contains("messages.2.content.0.content.0.type: image blocks inside a tool_result are not supported"), "\(refusal)")
        #expect(try await MockProviders.requests(peer).count == 1)
        #expect(try await server.stop() == 0)
    }

    /// OpenAI's prompt caching as the `openai` SDK sends it (a `prompt_cache_breakpoint` on the system part, and
    /// `prompt_cache_options`): Anthropic gets a 1-hour `cache_control` mark there and its cache writes and reads
    /// come back as `cache_write_tokens` and `cached_tokens`; Gemini, which caches by itself, gets no mark; OpenAI
    /// gets the request as sent.
    @Test func promptCachingFromTheOpenAISDKReachesEachProvider() async throws {
        let (peer, server) = try await Self.start()
        defer { withExtendedLifetime(peer) {} }
        let system = "You are terse and answer in one line."  // 8 words, the cached prefix
        for (stream, written, read) in [(false, 8, 0), (true, 0, 8)] {
            let result = try await SDKClient.run(
                "openai_chat_client.py",
                [server.baseURL + "/v1", "claude-3-5-haiku", "--cache"] + (stream ? ["--stream"] : [])
            )
            #expect(result["text"] as? String == "echo: Please say hello to the skiff tests", "\(result)")
            let usage = result["usage"] as? [String: Int]
            #expect(
                usage == ["prompt_tokens": 15, "completion_tokens": 8, "total_tokens": 15 + 8, "cached_tokens": read, "cache_write_tokens": written],
                "\(result)"
            )
        }
        for model in ["gemini-2.0-flash", "gpt-4o-mini"] {
            let result = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", model, "--cache"])
            #expect(result["text"] as? String == "echo: Please say hello to the skiff tests", "\(result)")
        }
        let seen = try await MockProviders.requests(peer)
        try #require(seen.count == 4, "\(seen)")
        for anthropic in seen.prefix(2) {
            let body = try #require(anthropic["body"] as? [String: Any])
            let blocks = try #require(body["system"] as? [[String: Any]])
            #expect(blocks.first?["text"] as? String == system)
            #expect(blocks.first?["cache_control"] as? [String: String] == ["type": "ephemeral", "ttl": "1h"], "\(blocks)")
            #expect(body["prompt_cache_options"] == nil)
        }
        let gemini = try #require(seen[2]["body"] as? [String: Any])
        #expect((gemini["systemInstruction"] as? [String: Any])?["parts"] as? [[String: String]] == [["text": system]])
        let openAI = try #require(seen[3]["body"] as? [String: Any])
        #expect(openAI["prompt_cache_options"] as? [String: String] == ["mode": "explicit", "ttl": "30m"])
        let part = ((openAI["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]])?.first
        #expect(part?["prompt_cache_breakpoint"] as? [String: String] == ["mode": "explicit", "ttl": "30m"])
        #expect(try await server.stop() == 0)
    }

    /// A model's reasoning reaches clients of both SDKs in their own terms, and comes back where a provider checks
    /// it: Claude's signed thinking blocks through the `openai` SDK's tool loop (the mock refuses a tool result whose
    /// call lost its thinking, as Anthropic does), Gemini's thoughts and DeepSeek's `reasoning_content` as
    /// `reasoning_content` or thinking blocks.
    @Test(arguments: [false, true])
    func reasoningTravelsBetweenFormats(_ stream: Bool) async throws {
        let (peer, server) = try await Self.start()
        defer { withExtendedLifetime(peer) {} }
        let streamed = stream ? ["--stream"] : []
        let asked = "Thinking about: Please say hello to the skiff tests"
        let looped = try await SDKClient.run(
            "openai_chat_client.py",
            [server.baseURL + "/v1", "claude-tool-redacted", "--tools", "--thinking", "enabled", "--tool-loop"] + streamed
        )
        #expect(looped["text"] as? String == "echo: sunny, 21 C", "\(looped)")
        #expect(looped["reasoning"] as? String == "Thinking about: sunny, 21 C")
        let first = try #require(looped["first"] as? [String: Any], "\(looped)")
        #expect(first["reasoning"] as? String == asked)
        let blocks = try #require(first["thinking_blocks"] as? [[String: String]])
        #expect(blocks.map { $0["type"] } == ["thinking", "redacted_thinking"])
        #expect(blocks.first?["thinking"] == asked && blocks.first?["signature"]?.hasPrefix("sig_") == true, "\(blocks)")
        let replayed = try #require(try await MockProviders.requests(peer).last?["body"] as? [String: Any])
        let thinking = replayed["thinking"] as? [String: Any]
        #expect(thinking?["type"] as? String == "enabled" && thinking?["budget_tokens"] as? Int == 1024, "\(replayed)")
        let turn = try #require((replayed["messages"] as? [[String: Any]])?[1]["content"] as? [[String: Any]])
        #expect(turn.compactMap { $0["type"] as? String } == ["thinking", "redacted_thinking", "tool_use"])
        #expect(turn.first?["signature"] as? String == blocks.first?["signature"])

        // Without its thinking blocks the same loop is refused: the replay above is what made it pass.
        var bare = replayed
        var messages = try #require(replayed["messages"] as? [[String: Any]])
        messages[1]["content"] = turn.filter { $0["type"] as? String == "tool_use" }
        bare["messages"] = messages
        let (status, refusal) = try await HTTPProbe.post(
            server.baseURL + "/v1/messages",
            json: String(decoding: try JSONSerialization.data(withJSONObject: bare), as: UTF8.self),
            headers: ["anthropic-version": "2023-06-01"]
        )
        #expect(status == 400 && refusal.contains("Expected `thinking` or `redacted_thinking`"), "\(refusal)")

        // The same history sent on to OpenAI (a switch of model), which refuses properties it does not define: what
        // only Claude reads stays behind.
        let switched = try await SDKClient.run(
            "openai_chat_client.py",
            [server.baseURL + "/v1", "claude-tool", "--tools", "--thinking", "enabled", "--tool-loop", "--then", "gpt-4o-mini"] + streamed
        )
        #expect(switched["text"] as? String == "echo: sunny, 21 C", "\(switched)")
        let openAI = try #require(MockProviders.environment(peer)["OPENAI_BASE_URL"])
        let (strict, refused) = try await HTTPProbe.post(
            openAI + "/chat/completions",
            json:
                #"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "thinking_blocks": []}]}"#,
            headers: ["Authorization": "Bearer test"]
        )
        #expect(strict == 400 && refused.contains("'thinking_blocks' was unexpected"), "\(refused)")

        let hidden = try await SDKClient.run(
            "openai_chat_client.py",
            [server.baseURL + "/v1", "claude-3-5-haiku", "--thinking", "omitted"] + streamed
        )
        #expect(hidden["reasoning"] is NSNull, "\(hidden)")
        let omitted = try #require(hidden["thinking_blocks"] as? [[String: String]], "\(hidden)")
        #expect(omitted.count == 1 && omitted.first?["thinking"] == "" && omitted.first?["signature"]?.hasPrefix("sig_") == true)

        for model in ["gemini-2.5-flash", "deepseek-reasoner"] {
            let result = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", model, "--thinking", "enabled"] + streamed)
            #expect(result["reasoning"] as? String == asked, "\(result)")
            #expect(result["text"] as? String == GatewayEndToEndTests.prompt)
        }
        for model in ["deepseek-reasoner-tool", "gemini-2.5-flash-tool"] {
            let messages = try await SDKClient.run(
                "anthropic_client.py",
                [server.baseURL, model, "--tools", "--thinking", "enabled", "--tool-loop", "--max-tokens", "2048"] + streamed
            )
            // Gemini's mock echoes the function response it was given, {"result": …}.
            #expect((messages["text"] as? String)?.contains("sunny, 21 C") == true, "\(messages)")
            let opening = try #require(messages["first"] as? [String: Any], "\(messages)")
            #expect(opening["first_block"] as? String == "thinking")
            #expect(opening["thinking"] as? [[String: String]] == [["thinking": asked, "signature": ""]], "\(opening)")
        }
        // Not asked for, not shown: a reasoner's answer to a Messages client starts with its text, as Claude's does.
        let plain = try await SDKClient.run("anthropic_client.py", [server.baseURL, "deepseek-reasoner"] + streamed)
        #expect(plain["first_block"] as? String == "text" && (plain["thinking"] as? [Any])?.isEmpty == true, "\(plain)")

        let gemini = try await MockProviders.requests(peer).compactMap { $0["body"] as? [String: Any] }.compactMap {
            ($0["generationConfig"] as? [String: Any])?["thinkingConfig"] as? [String: Any]
        }
        #expect(gemini.count == 3, "\(gemini)")
        for config in gemini {
            #expect(config["thinkingBudget"] as? Int == 1024 && config["includeThoughts"] as? Bool == true, "\(gemini)")
        }
        #expect(try await server.stop() == 0)
    }

    /// Sends a request on a raw socket, reads for `readFor`, then hangs up.
    static func hangUp(_ server: SkiffServer, path: String = "/v1/chat/completions", body: String, readFor: Duration) async throws {
        try await blockingIO {
            let handle = try RawConnection(port: server.port)
            handle.send(
                "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            Thread.sleep(forTimeInterval: Double(readFor.components.seconds) + Double(readFor.components.attoseconds) / 1e18)
            handle.close()
        }
    }

    @Test(arguments: [
        ("gpt-delay-300", true), ("claude-slowfirst-5000", true), ("gemini-slowfirst-5000", false), ("openai/text-embedding-slowfirst-5000", false),
        ("responses/gpt-delay-300", true), ("responses/claude-delay-300", true),
    ])
    func aClientThatHangsUpCancelsTheUpstream(_ model: String, _ stream: Bool) async throws {
        let (peer, server) = try await Self.start()
        if model.hasPrefix("responses/") {
            let body = #"{"model": "\#(model.dropFirst(10))", "stream": \#(stream), "input": "a long answer please"}"#
            try await Self.hangUp(server, path: "/v1/responses", body: body, readFor: .milliseconds(1200))
        } else if model.contains("embedding") {
            let body = #"{"model": "\#(model)", "input": ["a slow embedding"]}"#
            try await Self.hangUp(server, path: "/v1/embeddings", body: body, readFor: .milliseconds(1200))
        } else {
            let body = #"{"model": "\#(model)", "stream": \#(stream), "messages": [{"role": "user", "content": "a long answer please"}]}"#
            try await Self.hangUp(server, body: body, readFor: .milliseconds(1200))
        }
        let hungUp = ContinuousClock.now
        var disconnects = 0
        while disconnects == 0 && ContinuousClock.now - hungUp < .seconds(10) {
            disconnects = try await MockProviders.stats(peer)["client_disconnects"] ?? 0
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(disconnects == 1, "the upstream never saw the connection close")
        let outcomes = try await MockProviders.requests(peer).compactMap { $0["outcome"] as? String }
        #expect(outcomes == ["client_disconnected"])
        #expect(server.log.contains(#""status":"499""#))
    }

    @Test func limitsRequestSizeAndStreamsAndRejectsBadBodies() async throws {
        let (peer, server) = try await Self.start(["MAX_REQUEST_BYTES": "2048", "GATEWAY_MAX_CONCURRENT_STREAMS": "1"])
        defer { withExtendedLifetime(peer) {} }
        let url = server.baseURL + "/v1/chat/completions"
        let big = #"{"model": "gpt-4o", "messages": [{"role": "user", "content": "\#(String(repeating: "x", count: 4096))"}]}"#
        let (tooLarge, tooLargeBody) = try await HTTPProbe.post(url, json: big)
        #expect(tooLarge == 413)
        #expect(tooLargeBody.contains("MAX_REQUEST_BYTES"))
        for (json, fragment) in [
            ("{not json", "request body is invalid JSON: 'n' where a member's name in quotes should be, at line 1, column 2"),
            ("[1,2]", "JSON object"), (#"{"messages": []}"#, "model"), ("", "empty"),
        ] {
            let (status, text) = try await HTTPProbe.post(url, json: json)
            #expect(status == 400, "\(json)")
            #expect(text.contains(fragment) && text.contains(#""type":"invalid_request_error""#), "\(text)")
        }
        let (badMessages, badText) = try await HTTPProbe.post(url, json: #"{"model": "claude-x", "messages": [{"role": "wizard", "content": "hi"}]}"#)
        #expect(badMessages == 400 && badText.contains("wizard"))

        // One stream open (slow, its head already sent), the next is refused with 429 and Retry-After; once the
        // slow one's client hangs up, streams are allowed again.
        let streamBody = #"{"model": "gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]}"#
        let head = try await blockingIO { () -> String in
            let slow = try RawConnection(port: server.port)
            let body = #"{"model": "gpt-delay-300", "stream": true, "messages": [{"role": "user", "content": "a slow answer"}]}"#
            slow.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            let head = slow.receive(timeout: 10)
            let refused = try HTTPProbe.sendBlocking(
                "POST",
                url,
                headers: ["Content-Type": "application/json"],
                body: Array(streamBody.utf8),
                timeout: 10
            )
            slow.close()
            return head + "\n---\n" + "\(refused.0) \(refused.1)"
        }
        #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
        #expect(head.contains("---\n429 ") && head.contains("too_many_streams") && head.contains("GATEWAY_MAX_CONCURRENT_STREAMS"), "\(head)")
        var again = 0
        for _ in 0..<200 where again != 200 {
            again = try await HTTPProbe.post(url, json: streamBody).0
            if again != 200 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(again == 200)
    }

    /// At `LOG_LEVEL=warning` an answered request writes nothing; a failed one still writes its access-log line, at
    /// `warning` or `error`, whether it failed before the answer began or in the middle of a stream.
    @Test func failedRequestsStillLogAboveInfo() async throws {
        // A port of its own: at this level skiff does not log the "listening" line that names the port it took.
        let (peer, server) = try await Self.start(["LOG_LEVEL": "warning", "GATEWAY_MAX_ATTEMPTS": "1"], port: try SkiffProcess.freePort())
        defer { withExtendedLifetime(peer) {} }
        let url = server.baseURL + "/v1/chat/completions"
        for (model, stream, status) in [
            ("gpt-4o", false, 200), ("gpt-4o", true, 200), ("gpt-status-404", false, 404), ("gpt-breakstream", true, 200),
        ] {
            let body = #"{"model": "\#(model)", "stream": \#(stream), "messages": [{"role": "user", "content": "hi"}]}"#
            #expect(try await HTTPProbe.post(url, json: body).0 == status, "\(model)")
        }
        let lines = server.log.split(separator: "\n").filter { $0.contains(#""message":"request""#) }
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.contains { $0.contains(#""level":"warning""#) && $0.contains(#""status":"404""#) && $0.contains("gpt-status-404") })
        #expect(
            lines.contains { $0.contains(#""level":"error""#) && $0.contains(#""error":"stream_interrupted""#) && $0.contains("gpt-breakstream") }
        )
    }

    @Test func providerKeysNeverAppearInErrorsLogsOrMetrics() async throws {
        let secret = "sk-proj-SKIFFSECRET0123456789"
        // skiff holds keys the mock refuses (and one it accepts), so errors quote upstream auth failures.
        let (peer, server) = try await Self.start(
            ["LOG_LEVEL": "debug"],
            keys: ["openai": secret, "anthropic": secret, "gemini": secret + "-g"],
            mockKeys: ["openai": "other", "anthropic": secret, "gemini": "other"]
        )
        defer { withExtendedLifetime(peer) {} }
        var seen: [String] = []
        for model in ["gpt-4o", "gemini-2.0-flash", "claude-3-5-haiku", "claude-status-401"] {
            for stream in [false, true] {
                let result = try await SDKClient.run("openai_chat_client.py", [server.baseURL + "/v1", model] + (stream ? ["--stream"] : []))
                seen.append("\(result)")
            }
        }
        let (_, metrics) = try await HTTPProbe.get(server.baseURL + "/metrics")
        let (_, health) = try await HTTPProbe.get(server.baseURL + "/health")
        seen += [metrics, health, server.log]
        #expect(seen.count == 11)
        #expect(seen[0].contains("401"))
        for text in seen {
            #expect(!text.contains("SKIFFSECRET"), "a key leaked: \(text.prefix(500))")
        }
    }
}
