import HTTPClient
import Testing

@testable import Gateway

/// What SDK users hit when a request or answer crosses formats: fields with a counterpart are mapped, fields
/// without one are a 400 naming them (never dropped), and counts and signatures survive the trip.
@Suite struct TranslationFidelityTests {
    static func deployment(_ kind: ProviderKind, _ model: String) -> Deployment {
        Deployment(provider: ProviderConfiguration(kind: kind, baseURL: "http://upstream", apiKey: Secret("k")), model: model)
    }

    static let ask: JSONValue = ["model": "m", "messages": [["role": "user", "content": "Name a colour as JSON."]]]

    static func with(_ extra: [String: JSONValue]) -> JSONValue {
        var body = Self.ask
        for (key, value) in extra { body[key] = value }
        return body
    }

    // MARK: OpenAI requests to Anthropic

    @Test func structuredOutputAndEffortReachAnthropic() throws {
        let schema: JSONValue = ["type": "object", "properties": ["colour": ["type": "string"]], "required": ["colour"]]
        let body = try AnthropicAdapter.messagesBody(
            fromOpenAI: Self.with([
                "response_format": ["type": "json_schema", "json_schema": ["name": "c", "schema": schema]],
                "reasoning_effort": "minimal", "presence_penalty": 0, "logprobs": false,
            ]),
            defaultMaxTokens: 100
        )
        #expect(body["output_config"] == ["format": ["type": "json_schema", "schema": schema], "effort": "low"])
        let plain = try AnthropicAdapter.messagesBody(fromOpenAI: Self.with(["response_format": ["type": "text"]]), defaultMaxTokens: 100)
        #expect(plain["output_config"] == nil)
    }

    @Test(
        arguments: [
            (["response_format": ["type": "json_object"]], "response_format: json_object"),
            (["response_format": ["type": "json_schema", "json_schema": ["name": "c"]]], "response_format.json_schema.schema"),
            (["logprobs": true], "logprobs: not supported for Anthropic models"),
            (["top_logprobs": 2], "top_logprobs"), (["logit_bias": ["50256": -100]], "logit_bias"),
            (["frequency_penalty": 0.5], "frequency_penalty"),
        ] as [([String: JSONValue], String)]
    )
    func anthropicRefusesWhatItCannotHonour(_ extra: [String: JSONValue], _ named: String) {
        let error = #expect(throws: GatewayError.self) { try AnthropicAdapter.messagesBody(fromOpenAI: Self.with(extra), defaultMaxTokens: 100) }
        #expect(error?.status == 400)
        #expect(error?.message.hasPrefix(named) == true, "\(error?.message ?? "")")
    }

    @Test func noToolsMeansNoParallelFlag() throws {
        let tools: JSONValue = [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]]
        let body = try AnthropicAdapter.messagesBody(
            fromOpenAI: Self.with(["tools": tools, "tool_choice": "none", "parallel_tool_calls": false]),
            defaultMaxTokens: 100
        )
        #expect(body["tool_choice"] == ["type": "none"])
    }

    // MARK: Anthropic answers

    @Test func anthropicCacheReadsAndWritesCountInPromptTokensAndShowApart() throws {
        let answer =
            #"{"type":"message","id":"msg_1","model":"claude-x","content":[{"type":"text","text":"red"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"cache_creation_input_tokens":2,"cache_read_input_tokens":100,"output_tokens":3}}"#
        let completion = try AnthropicAdapter(defaultMaxTokens: 10).completion(
            from: Array(answer.utf8),
            deployment: Self.deployment(.anthropic, "claude-x")
        )
        #expect(
            completion.body["usage"] == [
                "prompt_tokens": 107, "completion_tokens": 3, "total_tokens": 110,
                "prompt_tokens_details": ["cached_tokens": 100, "cache_write_tokens": 2],
            ]
        )
    }

    /// On a passed-through stream, the usage chunk skiff asked for is dropped for a client that did not ask, unless
    /// it also carries moderation results, which the client did ask for.
    @Test func passedThroughUsageChunksGoOnlyWhereAskedFor() throws {
        func events(_ includeUsage: Bool, _ chunks: [String]) throws -> [String] {
            var stream = OpenAIStreamPassthrough(deployment: Self.deployment(.openAI, "gpt-x"), includeUsage: includeUsage)
            var out: [String] = []
            for chunk in chunks + ["[DONE]"] { out += try stream.translate(SSEEvent(data: chunk)).map(\.data) }
            #expect(stream.usage == TokenUsage(promptTokens: 3, completionTokens: 1))
            return out + (try stream.finish()).map(\.data)
        }
        let text = #"{"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}"#
        let usage = #"{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#
        let moderated = #"{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1},"moderation":{"input":{},"output":{}}}"#
        let unmoderated = #"{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1},"moderation":null}"#
        #expect(try events(false, [text, usage]) == [text, "[DONE]"])
        #expect(try events(true, [text, usage]) == [text, usage, "[DONE]"])
        #expect(try events(false, [text, moderated]) == [text, moderated, "[DONE]"])
        #expect(try events(false, [text, unmoderated]) == [text, "[DONE]"])
    }

    /// Claude streams a tool without arguments as one empty `partial_json`; OpenAI clients parse the arguments as
    /// JSON, so they must be `{}`. A stream's `message_delta` restates the prompt's counts, cache reads included.
    @Test func anthropicStreamsKeepEmptyArgumentsAndCachedCounts() throws {
        var stream = AnthropicToOpenAIStream(deployment: Self.deployment(.anthropic, "claude-x"), includeUsage: true)
        let events: [(String, String)] = [
            (
                "message_start",
                #"{"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":5,"cache_read_input_tokens":100,"output_tokens":1}}}"#
            ),
            (
                "content_block_start",
                #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"now","input":{}}}"#
            ),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            (
                "content_block_start",
                #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_2","name":"f","input":{}}}"#
            ),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            (
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"input_tokens":5,"cache_read_input_tokens":100,"output_tokens":12}}"#
            ),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        var chunks: [JSONValue] = []
        for (name, data) in events {
            chunks += try stream.translate(SSEEvent(event: name, data: data)).map { try JSONValue.parse($0.data) }
        }
        chunks += try stream.finish().dropLast().map { try JSONValue.parse($0.data) }
        var arguments: [Int: String] = [:]
        for call in chunks.compactMap({ $0["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first }) {
            arguments[call["index"]?.intValue ?? -1, default: ""] += call["function"]?["arguments"]?.stringValue ?? ""
        }
        #expect(arguments == [0: "{}", 1: #"{"a":1}"#])
        #expect(
            chunks.last?["usage"] == [
                "prompt_tokens": 105, "completion_tokens": 12, "total_tokens": 117, "prompt_tokens_details": ["cached_tokens": 100],
            ]
        )
        // The same counts when the stream goes to an Anthropic client unchanged.
        var passthrough = AnthropicPassthroughStream(deployment: Self.deployment(.anthropic, "claude-x"))
        for (name, data) in events { _ = try passthrough.translate(SSEEvent(event: name, data: data)) }
        #expect(passthrough.usage == TokenUsage(promptTokens: 105, completionTokens: 12, cachedTokens: 100))
    }

    // MARK: Gemini

    /// Gemini 3 refuses a conversation whose earlier function call comes back without its thought signature.
    @Test func geminiThoughtSignaturesMakeTheRoundTrip() throws {
        let answer =
            #"{"responseId":"r1","candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"SIG=="}]},"finishReason":"STOP"}]}"#
        let completion = try GeminiAdapter().completion(from: Array(answer.utf8), deployment: Self.deployment(.gemini, "gemini-3-pro"))
        let message = try #require(completion.body["choices"]?.arrayValue?.first?["message"])
        let call = try #require(message["tool_calls"]?.arrayValue?.first)
        #expect(call["extra_content"] == ["google": ["thought_signature": "SIG=="]])
        let next: JSONValue = [
            "model": "gemini-3-pro",
            "messages": [
                ["role": "user", "content": "go"], message,
                ["role": "tool", "tool_call_id": call["id"] ?? "", "content": "{\"ok\":true}"],
            ],
        ]
        let body = try GeminiAdapter.generateBody(fromOpenAI: next, model: "gemini-3-pro")
        let part = body["contents"]?.arrayValue?[1]["parts"]?.arrayValue?.first
        #expect(part?["thoughtSignature"] == "SIG==")
        #expect(part?["functionCall"] == ["name": "f", "args": ["a": 1]])

        var stream = GeminiToOpenAIStream(deployment: Self.deployment(.gemini, "gemini-3-pro"), includeUsage: false)
        let chunks = try stream.translate(SSEEvent(data: answer)).map { try JSONValue.parse($0.data) }
        let streamed = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first }
        #expect(streamed.first?["extra_content"] == ["google": ["thought_signature": "SIG=="]])
    }

    @Test func geminiGivesOneChoicePerCandidate() throws {
        let answer =
            #"{"candidates":[{"index":0,"content":{"parts":[{"text":"red"}]},"finishReason":"STOP"},{"index":1,"content":{"parts":[{"text":"blue"}]},"finishReason":"MAX_TOKENS"}]}"#
        let completion = try GeminiAdapter().completion(from: Array(answer.utf8), deployment: Self.deployment(.gemini, "gemini-x"))
        let choices = try #require(completion.body["choices"]?.arrayValue)
        #expect(choices.map { $0["message"]?["content"] } == ["red", "blue"])
        #expect(choices.map { $0["index"] } == [0, 1])
        #expect(choices.map { $0["finish_reason"] } == ["stop", "length"])
        // Streamed, Gemini sends one candidate: n > 1 says so instead of billing several and showing one.
        let error = #expect(throws: GatewayError.self) {
            try GeminiAdapter().chatRequest(
                Self.with(["n": 2]),
                deployment: Self.deployment(.gemini, "gemini-x"),
                stream: true,
                call: UpstreamCall()
            )
        }
        #expect(error?.code == "unsupported_parameter")
    }

    /// A botched function call with nothing else said used to be an empty 200 with finish_reason "stop".
    @Test(arguments: ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"])
    func geminiFailedCallsAreFailedAnswers(_ reason: String) throws {
        let answer = #"{"candidates":[{"finishReason":"\#(reason)"}]}"#
        let deployment = Self.deployment(.gemini, "gemini-x")
        let error = #expect(throws: GatewayError.self) { try GeminiAdapter().completion(from: Array(answer.utf8), deployment: deployment) }
        #expect(error?.status == 502 && error?.isRetryable == true)
        #expect(error?.message.contains("finishReason \(reason)") == true)
        var stream = GeminiToOpenAIStream(deployment: deployment, includeUsage: false)
        #expect(throws: GatewayError.self) { try stream.translate(SSEEvent(data: answer)) }
    }

    @Test func geminiThinkingAndCountsInOpenAIsTerms() throws {
        let older = try GeminiAdapter.generateBody(fromOpenAI: Self.with(["reasoning_effort": "medium"]), model: "gemini-2.5-flash")
        #expect(older["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 8192])
        let newer = try GeminiAdapter.generateBody(fromOpenAI: Self.with(["reasoning_effort": "low"]), model: "gemini-3-pro")
        #expect(newer["generationConfig"]?["thinkingConfig"] == ["thinkingLevel": "low"])
        let error = #expect(throws: GatewayError.self) {
            try GeminiAdapter.generateBody(fromOpenAI: Self.with(["logprobs": true]), model: "gemini-x")
        }
        #expect(error?.message == "logprobs: not supported for Gemini models")
        let usage = GeminiAdapter.usage(["promptTokenCount": 50, "cachedContentTokenCount": 40, "candidatesTokenCount": 7, "thoughtsTokenCount": 20])
        #expect(usage == TokenUsage(promptTokens: 50, completionTokens: 27, cachedTokens: 40, reasoningTokens: 20))
        #expect(usage?.openAIObject["completion_tokens_details"] == ["reasoning_tokens": 20])
    }

    // MARK: Anthropic requests to other providers

    @Test func messagesRequestsFitEachProvider() throws {
        let request = try MessagesTranslator.openAIBody(fromMessages: [
            "model": "o4-mini", "max_tokens": 300, "messages": [["role": "user", "content": "hi"]],
        ])
        let openAI = MessagesTranslator.fitted(request, to: .openAI)
        #expect(openAI["max_completion_tokens"] == 300 && openAI["max_tokens"] == nil)
        #expect(MessagesTranslator.fitted(request, to: .deepSeek)["max_tokens"] == 300)
        // OpenAI's reasoning models refuse max_tokens; the adapter sends what it is given.
        let upstream = try OpenAIAdapter().chatRequest(openAI, deployment: Self.deployment(.openAI, "o4-mini"), stream: false, call: UpstreamCall())
        let sent = try JSONValue.parse(upstream.body)
        #expect(sent["max_completion_tokens"] == 300 && sent["max_tokens"] == nil)
    }

    @Test func messagesDocumentsTravelAndUnknownBlocksAreRefused() throws {
        func translate(_ blocks: JSONValue, _ extra: [String: JSONValue] = [:]) throws(GatewayError) -> JSONValue {
            var body: JSONValue = ["model": "gpt-4o", "max_tokens": 10, "messages": [["role": "user", "content": blocks]]]
            for (key, value) in extra { body[key] = value }
            return try MessagesTranslator.openAIBody(fromMessages: body)
        }
        let pdf = try translate([
            ["type": "document", "title": "q3.pdf", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0="]],
            ["type": "text", "text": "Summarise"],
        ])
        #expect(
            pdf["messages"]?.arrayValue?.first?["content"] == [
                ["type": "file", "file": ["file_data": "data:application/pdf;base64,JVBERi0=", "filename": "q3.pdf"]],
                ["type": "text", "text": "Summarise"],
            ]
        )
        let text = try translate([["type": "document", "source": ["type": "text", "media_type": "text/plain", "data": "notes"]]])
        #expect(text["messages"]?.arrayValue?.first?["content"] == "notes")
        let thinking = try translate([["type": "thinking", "thinking": "hm", "signature": "s"], ["type": "text", "text": "ok"]])
        #expect(thinking["messages"]?.arrayValue?.first?["content"] == "ok")
        for (blocks, extra, named) in [
            ([["type": "search_result", "source": "x", "title": "t", "content": []]] as JSONValue, [:], "block type \"search_result\""),
            ([["type": "document", "source": ["type": "url", "url": "https://x/y.pdf"]]], [:], "a document from \"url\""),
            ([["type": "text", "text": "hi"]], ["top_k": 5], "top_k"),
        ] as [(JSONValue, [String: JSONValue], String)] {
            let error = #expect(throws: GatewayError.self) { try translate(blocks, extra) }
            #expect(error?.status == 400 && error?.message.contains(named) == true, "\(error?.message ?? "")")
        }
    }

    @Test func anthropicClientsSeeCacheReadsApart() {
        let reply = MessagesTranslator.message(
            fromCompletion: ["id": "chatcmpl-1", "model": "gpt-4o", "choices": [["message": ["content": "ok"], "finish_reason": "stop"]]],
            usage: TokenUsage(promptTokens: 1000, completionTokens: 4, cachedTokens: 800),
            showingThinking: false
        )
        #expect(reply["usage"] == ["input_tokens": 200, "output_tokens": 4, "cache_read_input_tokens": 800])
    }

    // MARK: Azure AI Inference

    /// Azure's API defines no `stream_options`; an unknown field is a 400 there.
    @Test func azureStreamsAskForNothingItsAPIDoesNotDefine() throws {
        let azure = try OpenAIAdapter().chatRequest(
            Self.with(["stream_options": ["include_usage": true]]),
            deployment: Self.deployment(.azure, "m"),
            stream: true,
            call: UpstreamCall()
        )
        #expect(try JSONValue.parse(azure.body)["stream_options"] == nil)
        let openAI = try OpenAIAdapter().chatRequest(Self.ask, deployment: Self.deployment(.openAI, "m"), stream: true, call: UpstreamCall())
        #expect(try JSONValue.parse(openAI.body)["stream_options"] == ["include_usage": true])
    }
}
