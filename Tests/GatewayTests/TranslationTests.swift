import Testing

@testable import Gateway

@Suite struct TranslationTests {
    static let conversation: JSONValue = [
        "model": "x",
        "messages": [
            ["role": "system", "content": "Be terse."],
            ["role": "user", "content": "Weather in Paris and Rome?"],
            [
                "role": "assistant", "content": nil,
                "tool_calls": [
                    ["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": "{\"city\":\"Paris\"}"]],
                    ["id": "call_2", "type": "function", "function": ["name": "get_weather", "arguments": "{\"city\":\"Rome\"}"]],
                ],
            ],
            ["role": "tool", "tool_call_id": "call_1", "content": "sunny"],
            ["role": "tool", "tool_call_id": "call_2", "content": "{\"sky\":\"rain\"}"],
        ],
        "tools": [["type": "function", "function": ["name": "get_weather", "description": "Weather", "parameters": ["type": "object"]]]],
        "tool_choice": "required",
        "stop": "END",
        "temperature": 0.2,
    ]

    @Test func openAIToAnthropic() throws {
        let body = try AnthropicAdapter.messagesBody(fromOpenAI: Self.conversation, defaultMaxTokens: 1234)
        #expect(body["system"] == [["type": "text", "text": "Be terse."]])
        #expect(body["max_tokens"] == 1234)
        #expect(body["stop_sequences"] == ["END"])
        #expect(body["temperature"] == 0.2)
        #expect(body["tool_choice"] == ["type": "any"])
        #expect(body["tools"] == [["name": "get_weather", "description": "Weather", "input_schema": ["type": "object"]]])
        let messages = try #require(body["messages"]?.arrayValue)
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant", "user"])
        #expect(messages[1]["content"]?.arrayValue?.map { $0["input"] } == [["city": "Paris"], ["city": "Rome"]])
        // Both tool results travel in one user turn, as Anthropic requires for parallel calls.
        #expect(messages[2]["content"]?.arrayValue?.map { $0["tool_use_id"] } == ["call_1", "call_2"])
    }

    @Test func openAIToGemini() throws {
        let body = try GeminiAdapter.generateBody(fromOpenAI: Self.conversation, model: "gemini-2.5-flash")
        #expect(body["systemInstruction"] == ["parts": [["text": "Be terse."]]])
        #expect(body["generationConfig"] == ["temperature": 0.2, "stopSequences": ["END"]])
        #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": "ANY"]])
        let contents = try #require(body["contents"]?.arrayValue)
        #expect(contents.map { $0["role"]?.stringValue } == ["user", "model", "user"])
        // Results are answered by function name, parsed when they are JSON objects.
        #expect(
            contents[2]["parts"] == [
                ["functionResponse": ["name": "get_weather", "response": ["result": "sunny"]]],
                ["functionResponse": ["name": "get_weather", "response": ["sky": "rain"]]],
            ]
        )
    }

    @Test(
        arguments: [
            (
                #"{"id":"c","choices":[{"index":0}],"usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":4}}}"#,
                TokenUsage(promptTokens: 9, completionTokens: 20, cachedTokens: 4)
            ),
            (
                #"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20,"prompt_tokens_details":null,"completion_tokens_details":{"audio_tokens":0,"reasoning_tokens":12}}}"#,
                TokenUsage(promptTokens: 9, completionTokens: 20, reasoningTokens: 12)
            ),
            (
                #"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":20,"prompt_tokens_details":{"cached_tokens":4.0}}}"#,
                TokenUsage(promptTokens: 9, completionTokens: 20, cachedTokens: 4)
            ),
            (#"{"choices":[],"usage":{"completion_tokens":2.0,"prompt_tokens":3}}"#, TokenUsage(promptTokens: 3, completionTokens: 2)),
            (#"{"choices":[],"usage":{"prompt_tokens":5}}"#, TokenUsage(promptTokens: 5)),
            (#"{"choices":[],"usage":null}"#, nil),
            (#"{"choices":[]}"#, nil),
        ] as [(String, TokenUsage?)]
    )
    func passedThroughAnswersHaveOnlyTheirUsageRead(_ body: String, _ usage: TokenUsage?) throws {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .openAI, baseURL: "http://o", apiKey: Secret("k")), model: "gpt")
        #expect(try OpenAIAdapter.passthroughUsage(of: Array(body.utf8), deployment: deployment) == usage)
    }

    @Test(arguments: [
        #"{"id":"c","choices":[{"ind"#, #"{"choices":{}}"#, #"{"id":"c"}"#, #"[{"choices":[]}]"#, "", #"{"choices":[],"usage":{"prompt_tokens":}}"#,
    ])
    func passedThroughAnswersMustBeWhole(_ body: String) {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .openAI, baseURL: "http://o", apiKey: Secret("k")), model: "gpt")
        #expect(throws: GatewayError.self) { try OpenAIAdapter.passthroughUsage(of: Array(body.utf8), deployment: deployment) }
    }

    @Test func anthropicStreamBecomesOpenAIChunks() throws {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .anthropic, baseURL: "http://a", apiKey: Secret("k")), model: "claude")
        var stream = AnthropicToOpenAIStream(deployment: deployment, includeUsage: true)
        let events: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":7,"output_tokens":1}}}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("ping", #"{"type":"ping"}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            (
                "content_block_start",
                #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"#
            ),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        var chunks: [JSONValue] = []
        for (name, data) in events {
            chunks += try stream.translate(SSEEvent(event: name, data: data)).map { try JSONValue.parse($0.data) }
        }
        let closing = try stream.finish()
        #expect(closing.last?.data == "[DONE]")
        chunks += try closing.dropLast().map { try JSONValue.parse($0.data) }
        let deltas = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"] }
        #expect(deltas.first == ["role": "assistant", "content": ""])
        #expect(deltas.contains(["content": "Hi"]))
        #expect(deltas.contains(["tool_calls": [["index": 0, "id": "toolu_1", "type": "function", "function": ["name": "f", "arguments": ""]]]]))
        let arguments = deltas.compactMap { $0["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]?.stringValue }.joined()
        #expect(arguments == "{\"a\":1}")
        #expect(chunks.compactMap { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue } == ["tool_calls"])
        #expect(chunks.last?["usage"] == ["prompt_tokens": 7, "completion_tokens": 12, "total_tokens": 19])
        #expect(Set(chunks.compactMap { $0["id"]?.stringValue }) == ["msg_1"])
    }

    /// A `/v1/messages` client of a Gemini model learns the prompt's size from `message_start`, as from Anthropic's
    /// own stream: Gemini reports it with its first chunk.
    @Test func messageStartCarriesThePromptCountWhenKnown() throws {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .gemini, baseURL: "http://g", apiKey: Secret("k")), model: "gemini-x")
        var stream = OpenAIToAnthropicStream(
            upstream: GeminiToOpenAIStream(deployment: deployment, includeUsage: true),
            model: "gemini-x",
            provider: "gemini",
            showingThinking: true
        )
        let first = #"{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}],"usageMetadata":{"promptTokenCount":42}}"#
        let events = try stream.translate(SSEEvent(data: first))
        let start = try #require(events.first { $0.event == "message_start" }.map { try JSONValue.parse($0.data) })
        #expect(start["message"]?["usage"] == ["input_tokens": 42, "output_tokens": 0], "\(start)")
    }

    @Test func aStreamThatStopsEarlyIsAnError() throws {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .gemini, baseURL: "http://g", apiKey: Secret("k")), model: "gemini-x")
        var stream = GeminiToOpenAIStream(deployment: deployment, includeUsage: false)
        _ = try stream.translate(SSEEvent(data: #"{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}]}"#))
        let error = #expect(throws: GatewayError.self) { try stream.finish() }
        #expect(error?.kind == .streamInterrupted)
    }

    /// A safety stop before any output is an error (nothing has reached the client yet); after some output the
    /// answer keeps it and finishes with `content_filter`, streamed or not.
    @Test func geminiSafetyStops() throws {
        let deployment = Deployment(provider: ProviderConfiguration(kind: .gemini, baseURL: "http://g", apiKey: Secret("k")), model: "gemini-x")
        let stopped = #"{"candidates":[{"finishReason":"SAFETY","index":0}]}"#
        let partial = #"{"candidates":[{"content":{"parts":[{"text":"Part"}],"role":"model"},"finishReason":"PROHIBITED_CONTENT"}]}"#
        let error = #expect(throws: GatewayError.self) { try GeminiAdapter().completion(from: Array(stopped.utf8), deployment: deployment) }
        #expect(error?.kind == .contentFiltered && error?.status == 400 && error?.code == "content_filter")
        #expect(error?.message.contains("finishReason SAFETY") == true)
        let kept = try GeminiAdapter().completion(from: Array(partial.utf8), deployment: deployment).body
        #expect(kept["choices"]?.arrayValue?.first?["finish_reason"] == "content_filter")
        #expect(kept["choices"]?.arrayValue?.first?["message"]?["content"] == "Part")

        var first = GeminiToOpenAIStream(deployment: deployment, includeUsage: false)
        #expect(throws: GatewayError.self) { try first.translate(SSEEvent(data: stopped)) }
        var later = GeminiToOpenAIStream(deployment: deployment, includeUsage: false)
        _ = try later.translate(SSEEvent(data: #"{"candidates":[{"content":{"parts":[{"text":"Hel"}],"role":"model"}}]}"#))
        let last = try later.translate(SSEEvent(data: stopped)).compactMap { try? JSONValue.parse($0.data) }
        #expect(last.last?["choices"]?.arrayValue?.first?["finish_reason"] == "content_filter")
    }

    @Test func messagesRequestsReachOtherProvidersAsOpenAIRequests() throws {
        let messages: JSONValue = [
            "model": "gpt-4o", "max_tokens": 100, "system": "Be terse.", "stop_sequences": ["X"],
            "messages": [
                ["role": "user", "content": "Weather?"],
                ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "w", "input": ["c": "Paris"]]]],
                [
                    "role": "user",
                    "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"], ["type": "text", "text": "thanks"]],
                ],
            ],
            "tools": [["name": "w", "input_schema": ["type": "object"]]],
            "tool_choice": ["type": "any"],
        ]
        let body = try MessagesTranslator.openAIBody(fromMessages: messages)
        let out = try #require(body["messages"]?.arrayValue)
        #expect(out.map { $0["role"]?.stringValue } == ["system", "user", "assistant", "tool", "user"])
        #expect(out[2]["tool_calls"]?.arrayValue?.first?["function"]?["arguments"] == "{\"c\":\"Paris\"}")
        #expect(out[3] == ["role": "tool", "tool_call_id": "toolu_1", "content": "sunny"])
        #expect(body["tool_choice"] == "required")
        #expect(body["stop"] == ["X"])
        let reply = MessagesTranslator.message(
            fromCompletion: ["id": "chatcmpl-1", "model": "gpt-4o", "choices": [["message": ["content": "ok"], "finish_reason": "length"]]],
            usage: TokenUsage(promptTokens: 3, completionTokens: 4),
            showingThinking: false
        )
        #expect(reply["stop_reason"] == "max_tokens")
        #expect(reply["usage"] == ["input_tokens": 3, "output_tokens": 4])
        #expect(reply["content"] == [["type": "text", "text": "ok"]])
    }
}
