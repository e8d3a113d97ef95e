import Foundation
import TestSupport
import Testing

/// OpenAI's Responses API (`/v1/responses`) through skiff, driven by the official `openai` SDK: OpenAI's own models
/// get the request as it is (stored responses included), every other provider by translation; streams go through
/// the SDK's stream helper, which checks each event's order and numbering.
@Suite("Responses API end to end")
struct ResponsesEndToEndTests {
    static let asked = "Thinking about: Please say hello to the skiff tests"

    @Test(arguments: ["gpt-4o-mini", "claude-3-5-haiku", "gemini-2.0-flash", "deepseek-chat", "grok-3", "azure/mock-chat", "fast"], [false, true])
    func openAISDKReachesEveryProvider(_ model: String, _ stream: Bool) async throws {
        try await GatewayEndToEndTests.withServer { server in
            let result = try await SDKClient.run("openai_responses_client.py", [server.baseURL + "/v1", model] + (stream ? ["--stream"] : []))
            #expect(result["error"] == nil, "\(result)")
            #expect(result["text"] as? String == GatewayEndToEndTests.prompt)
            #expect(result["status"] as? String == "completed")
            #expect(result["usage"] as? [String: Int] == ["input_tokens": 10, "output_tokens": 8, "total_tokens": 18])
            let items = try #require(result["items"] as? [[String: Any]])
            #expect(items.map { $0["type"] as? String } == ["message"] && items.first?["parts"] as? [String] == ["output_text"], "\(items)")
            // OpenAI's own ids for its own models; skiff's, marked, for the rest.
            #expect((result["id"] as? String)?.hasPrefix(model.hasPrefix("gpt") ? "resp_mock" : "resp_skiff_") == true, "\(result)")
            if stream {
                #expect(result["deltas"] as? Int == 20)
                #expect(result["streamed_text"] as? String == GatewayEndToEndTests.prompt)
                let events = try #require(result["events"] as? [String])
                #expect(
                    Array(events.prefix(4)) == [
                        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                    ]
                )
                #expect(
                    Array(events.suffix(4)) == [
                        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
                    ]
                )
            }
        }
    }

    /// The documented tool loop: the first response's output items go back as input, with the call's output.
    @Test(arguments: ["gpt-tool", "claude-tool", "gemini-tool", "deepseek-tool", "azure/mock-tool"], [false, true])
    func toolLoopsSendTheOutputItemsBack(_ model: String, _ stream: Bool) async throws {
        try await GatewayEndToEndTests.withServer { server in
            let result = try await SDKClient.run(
                "openai_responses_client.py",
                [server.baseURL + "/v1", model, "--tools", "--tool-loop"] + (stream ? ["--stream"] : [])
            )
            #expect(result["error"] == nil, "\(result)")
            let first = try #require(result["first"] as? [String: Any], "\(result)")
            let calls = try #require(first["items"] as? [[String: Any]])
            #expect(calls.map { $0["type"] as? String } == ["function_call"], "\(calls)")
            #expect(calls.first?["name"] as? String == "get_weather" && (calls.first?["call_id"] as? String)?.isEmpty == false)
            #expect(calls.first?["arguments"] as? [String: String] == ["location": "Please say hello to the skiff tests"])
            // Gemini's mock echoes the function response it was given, {"result": …}.
            #expect((result["text"] as? String)?.contains("sunny, 21 C") == true, "\(result)")
        }
    }

    @Test(arguments: [
        ("no-such-model", false, "NotFoundError", 404),
        ("gpt-status-400", false, "BadRequestError", 400),
        ("claude-status-401", true, "AuthenticationError", 401),
        ("gemini-error500", true, "InternalServerError", 500),
        ("gpt-ratelimit-9", false, "RateLimitError", 429),
        ("gemini-malformed", false, "InternalServerError", 502),
        ("gpt-malformed", true, "InternalServerError", 502),  // before any output: retried, then a 502
        ("gemini-streamerror", true, "error event", 0),
        ("gpt-streamerror", true, "error event", 0),
        ("gpt-truncated", true, "error event", 0),
        ("claude-breakstream", true, "error event", 0),
    ])
    func errorsSurfaceAsTheSDKExpectsThem(_ model: String, _ stream: Bool, _ kind: String, _ status: Int) async throws {
        try await GatewayEndToEndTests.withServer { server in
            let result = try await SDKClient.run("openai_responses_client.py", [server.baseURL + "/v1", model] + (stream ? ["--stream"] : []))
            let error = try #require(result["error"] as? [String: Any], "\(result)")
            #expect(error["class"] as? String == kind, "\(error)")
            if status != 0 { #expect(error["status"] as? Int == status) }
            let message = error["message"] as? String ?? ""
            #expect(["openai", "anthropic", "gemini"].contains { message.contains($0) } || model == "no-such-model", "\(message)")
            if kind == "error event" {
                // After output began: the text so far reached the client, then the error, numbered in sequence.
                let events = try #require(result["events"] as? [String])
                #expect(events.contains("response.output_text.delta") && events.contains("error"), "\(events)")
            }
        }
    }

    /// Claude's thinking in a tool loop: its signed blocks ride in the reasoning item's `encrypted_content` and
    /// reach Anthropic again first in the turn; Gemini's and DeepSeek's reasoning comes back as a summary.
    @Test(arguments: [false, true])
    func reasoningComesBackAsReasoningItems(_ stream: Bool) async throws {
        let (peer, server) = try await GatewayFailureTests.start()
        defer { withExtendedLifetime(peer) {} }
        let streamed = stream ? ["--stream"] : []
        let looped = try await SDKClient.run(
            "openai_responses_client.py",
            [server.baseURL + "/v1", "claude-tool-redacted", "--tools", "--thinking", "enabled", "--tool-loop"] + streamed
        )
        #expect(looped["text"] as? String == "echo: sunny, 21 C", "\(looped)")
        let first = try #require(looped["first"] as? [String: Any], "\(looped)")
        let items = try #require(first["items"] as? [[String: Any]])
        #expect(items.map { $0["type"] as? String } == ["reasoning", "function_call"], "\(items)")
        #expect(items.first?["summary"] as? [String] == [Self.asked] && items.first?["encrypted"] as? Bool == true)
        let replayed = try #require(try await MockProviders.requests(peer).last?["body"] as? [String: Any])
        let turn = try #require((replayed["messages"] as? [[String: Any]])?[1]["content"] as? [[String: Any]], "\(replayed)")
        #expect(turn.compactMap { $0["type"] as? String } == ["thinking", "redacted_thinking", "tool_use"])
        #expect((turn.first?["signature"] as? String)?.hasPrefix("sig_") == true)

        // The same history sent on to OpenAI, which refuses what it never issued: skiff's reasoning item and ids.
        let switched = try await SDKClient.run(
            "openai_responses_client.py",
            [server.baseURL + "/v1", "claude-tool", "--tools", "--thinking", "enabled", "--tool-loop", "--then", "gpt-4o-mini"] + streamed
        )
        #expect(switched["text"] as? String == "echo: sunny, 21 C", "\(switched)")
        let native = try #require(try await MockProviders.requests(peer).last)
        #expect(native["path"] as? String == "/openai/v1/responses")
        let input = try #require((native["body"] as? [String: Any])?["input"] as? [[String: Any]])
        #expect(input.map { $0["type"] as? String ?? "message" } == ["message", "function_call", "function_call_output"], "\(input)")
        #expect(input.allSatisfy { $0["id"] == nil })
        let openAI = try #require(MockProviders.environment(peer)["OPENAI_BASE_URL"])
        let (strict, refused) = try await HTTPProbe.post(
            openAI + "/responses",
            json: #"{"model": "gpt-4o-mini", "input": [{"type": "reasoning", "id": "rs_skiff_1_0", "summary": []}]}"#,
            headers: ["Authorization": "Bearer test"]
        )
        #expect(strict == 404 && refused.contains("not found"), "\(refused)")

        for model in ["gemini-2.5-flash", "deepseek-reasoner"] {
            let result = try await SDKClient.run("openai_responses_client.py", [server.baseURL + "/v1", model, "--thinking", "enabled"] + streamed)
            let items = try #require(result["items"] as? [[String: Any]], "\(result)")
            #expect(items.map { $0["type"] as? String } == ["reasoning", "message"], "\(items)")
            #expect(items.first?["summary"] as? [String] == [Self.asked] && items.first?["encrypted"] as? Bool == false)
            #expect(result["text"] as? String == GatewayEndToEndTests.prompt)
        }
    }

    /// `previous_response_id` is OpenAI's stored state: it works for OpenAI's models (the request reaches OpenAI as
    /// it came) and is a clear 400 for the others, whose answers skiff does not store.
    @Test(arguments: [false, true])
    func storedConversationsAreOpenAIsAlone(_ stream: Bool) async throws {
        try await GatewayEndToEndTests.withServer { server in
            let streamed = stream ? ["--stream"] : []
            let chained = try await SDKClient.run("openai_responses_client.py", [server.baseURL + "/v1", "gpt-4o-mini", "--chain"] + streamed)
            #expect(chained["error"] == nil, "\(chained)")
            #expect(chained["text"] as? String == "echo: And once more, please")
            // The stored turn counts: the instructions (3 words), the first exchange (7 in, 8 out), the new question (4).
            #expect((chained["usage"] as? [String: Int])?["input_tokens"] == 3 + 7 + 8 + 4, "\(chained)")
            let refused = try await SDKClient.run("openai_responses_client.py", [server.baseURL + "/v1", "claude-3-5-haiku", "--chain"] + streamed)
            let error = try #require(refused["error"] as? [String: Any], "\(refused)")
            #expect(error["status"] as? Int == 400)
            #expect((error["message"] as? String)?.contains("previous_response_id: skiff stores no responses for non-OpenAI models") == true)
        }
    }

    /// What a translation cannot carry is refused before anything leaves, in OpenAI's error shape.
    @Test func translatedRequestsAreCheckedBeforeTheyLeave() async throws {
        let (peer, server) = try await GatewayFailureTests.start()
        defer { withExtendedLifetime(peer) {} }
        let cases: [(String, String)] = [
            (#"{"model": "claude-x", "input": "hi", "bogus": 1}"#, "bogus: unknown parameter"),
            (
                #"{"model": "claude-x", "input": "hi", "tools": [{"type": "web_search"}]}"#,
                "tools run on OpenAI's servers and are not available for non-OpenAI models"
            ),
            (#"{"model": "gemini-x", "input": [{"type": "item_reference", "id": "msg_1"}]}"#, "input[0]: item references need OpenAI's stored items"),
            (
                #"{"model": "claude-x", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file_1"}]}]}"#,
                "input[0].content[0]: only image_url is supported",
            ),
            (#"{"model": "deepseek-chat", "input": [{"type": "web_search_call", "id": "ws_1"}]}"#, "items are not supported for non-OpenAI models"),
            (#"{"model": "claude-x"}"#, "input: required"),
            (#"{"model": "claude-x", "input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}}"#, "text.format.schema: required"),
            (#"{"model": "claude-x", "input": "hi", "reasoning": {"effort": "huge"}}"#, "reasoning.effort: expected one of"),
            (#"{"model": "claude-x", "input": "hi", "background": true}"#, "background: background responses are stored by OpenAI"),
            (#"{"model": "claude-x", "input": [{"role": "wizard", "content": "x"}]}"#, "input[0].role: expected one of"),
            (#"{"model": "claude-x", "input": [{"type": "function_call", "name": "f"}]}"#, "input[0].call_id: required"),
        ]
        for (body, message) in cases {
            let (status, answer) = try await HTTPProbe.post(server.baseURL + "/v1/responses", json: body)
            #expect(status == 400 && answer.contains(message), "\(body) → \(status) \(answer)")
            #expect(answer.contains(#""type":"invalid_request_error""#))
        }
        #expect(try await MockProviders.requests(peer).isEmpty)
    }

    /// Instructions, history, tools and settings reach Anthropic and Gemini in their own terms.
    @Test func aResponsesRequestReachesOtherProvidersInTheirTerms() async throws {
        let (peer, server) = try await GatewayFailureTests.start()
        defer { withExtendedLifetime(peer) {} }
        let body = """
            {"model": "claude-3-5-haiku", "instructions": "Be brief.", "max_output_tokens": 64, "temperature": 0.5,
             "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}},
             "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
                       {"type": "function", "name": "get_time"}],
             "tool_choice": {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "get_weather"}]},
             "input": [
               {"role": "developer", "content": "Use metric units."},
               {"role": "user", "content": [{"type": "input_text", "text": "Weather?"},
                                            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}]},
               {"type": "function_call", "call_id": "toolu_1", "name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"},
               {"type": "function_call_output", "call_id": "toolu_1", "output": "rain"}
             ], "metadata": {"team": "search"}, "store": true}
            """
        let (status, answer) = try await HTTPProbe.post(server.baseURL + "/v1/responses", json: body)
        #expect(status == 200, "\(answer)")
        let response = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        #expect(response["object"] as? String == "response" && response["store"] as? Bool == false)
        #expect(response["metadata"] as? [String: String] == ["team": "search"] && response["instructions"] as? String == "Be brief.")
        let sent = try #require(try await MockProviders.requests(peer).last?["body"] as? [String: Any])
        let system =
            (sent["system"] as? String) ?? ((sent["system"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined(separator: "\n"))
        #expect(system?.contains("Be brief.") == true && system?.contains("Use metric units.") == true, "\(sent)")
        #expect(sent["max_tokens"] as? Int == 64 && sent["temperature"] as? Double == 0.5)
        #expect(((sent["output_config"] as? [String: Any])?["format"] as? [String: Any])?["type"] as? String == "json_schema", "\(sent)")
        #expect((sent["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["get_weather"], "\(sent)")
        #expect((sent["tool_choice"] as? [String: Any])?["type"] as? String == "any")
        let messages = try #require(sent["messages"] as? [[String: Any]])
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"], "\(messages)")
        let user = try #require(messages.first?["content"] as? [[String: Any]])
        #expect(user.compactMap { $0["type"] as? String } == ["text", "image"])
        let call = try #require((messages[1]["content"] as? [[String: Any]])?.first)
        #expect(call["type"] as? String == "tool_use" && call["input"] as? [String: String] == ["city": "Oslo"])
        let result = try #require((messages[2]["content"] as? [[String: Any]])?.first)
        #expect(result["type"] as? String == "tool_result" && result["tool_use_id"] as? String == "toolu_1")
    }
}
