import Foundation
import HTTPClient
import Testing

@testable import Gateway

/// A model's reasoning between formats: Anthropic's `thinking` asks for it on every provider; Claude's thinking
/// blocks and Gemini's thoughts come back to chat clients as `reasoning_content` (Claude's signed blocks also as
/// `thinking_blocks`, to send back), and an OpenAI-format `reasoning_content` comes to Messages clients as a thinking
/// block when they asked to see it.
@Suite struct TranslationReasoningTests {
    static func deployment(_ kind: ProviderKind, _ model: String) -> Deployment {
        Deployment(provider: ProviderConfiguration(kind: kind, baseURL: "http://upstream", apiKey: Secret("k")), model: model)
    }

    static func chat(thinking: JSONValue?, effort: String? = nil, messages: [JSONValue] = [["role": "user", "content": "hi"]]) -> JSONValue {
        var body: JSONValue = ["model": "m", "messages": .array(messages)]
        body["thinking"] = thinking
        body["reasoning_effort"] = effort.map(JSONValue.string)
        return body
    }

    static func gemini(_ body: JSONValue, model: String = "gemini-2.5-flash") throws(GatewayError) -> JSONValue? {
        try GeminiAdapter.generateBody(fromOpenAI: body, model: model)["generationConfig"]?["thinkingConfig"]
    }

    /// Each client delta of a translated stream, in order.
    static func deltas(_ events: [SSEEvent]) throws -> [JSONValue] {
        try events.filter { $0.data != "[DONE]" }.compactMap { try JSONValue.parse($0.data)["choices"]?.arrayValue?.first?["delta"] }
    }

    @Test func thinkingReachesEachProviderInItsTerms() throws {
        let enabled: JSONValue = ["type": "enabled", "budget_tokens": 2048]
        #expect(try AnthropicAdapter.messagesBody(fromOpenAI: Self.chat(thinking: enabled), defaultMaxTokens: 4096)["thinking"] == enabled)
        let adaptive: JSONValue = ["type": "adaptive", "display": "summarized"]
        #expect(try AnthropicAdapter.messagesBody(fromOpenAI: Self.chat(thinking: adaptive), defaultMaxTokens: 10)["thinking"] == adaptive)
        #expect(try AnthropicAdapter.messagesBody(fromOpenAI: Self.chat(thinking: nil), defaultMaxTokens: 10)["thinking"] == nil)

        #expect(try Self.gemini(Self.chat(thinking: enabled, effort: "low")) == ["thinkingBudget": 2048, "includeThoughts": true])
        #expect(try Self.gemini(Self.chat(thinking: ["type": "adaptive"])) == ["includeThoughts": true])
        let level = try Self.gemini(Self.chat(thinking: ["type": "adaptive"], effort: "high"), model: "gemini-3-pro")
        #expect(level == ["thinkingLevel": "high", "includeThoughts": true])
        // Reasoning that is not shown, or not done, asks for no thoughts.
        #expect(try Self.gemini(Self.chat(thinking: ["type": "enabled", "budget_tokens": 1024, "display": "omitted"])) == ["thinkingBudget": 1024])
        #expect(try Self.gemini(Self.chat(thinking: ["type": "disabled"])) == ["thinkingBudget": 0])
        #expect(try Self.gemini(Self.chat(thinking: ["type": "between_tools"]), model: "gemini-3-pro") == nil)

        // A Messages client's thinking, translated: shown only as asked.
        let messages: JSONValue = [
            "model": "m", "max_tokens": 2048, "messages": [["role": "user", "content": "hi"]], "thinking": ["type": "adaptive"],
        ]
        let translation = try MessagesTranslator.translation(of: messages)
        #expect(translation.thinking?.mode == .adaptive && translation.thinking?.shown == true)
        let upstream = try GeminiAdapter.generateBody(fromOpenAI: translation.body, model: "gemini-2.5-flash", thinking: translation.thinking)
        #expect(upstream["generationConfig"]?["thinkingConfig"] == ["includeThoughts": true])
    }

    @Test(
        arguments: [
            (.string("on"), "thinking: expected an object"),
            (["type": "on"], #"thinking.type: expected one of enabled, disabled, adaptive, between_tools, not "on""#),
            (["type": "enabled"], "thinking.budget_tokens: required"),
            (["type": "enabled", "budget_tokens": 512], "thinking.budget_tokens: expected an integer of at least 1024"),
            (["type": "enabled", "budget_tokens": "2048"], "thinking.budget_tokens: expected an integer"),
            (["type": "adaptive", "display": "full"], #"thinking.display: expected one of summarized, omitted, not "full""#),
        ] as [(JSONValue, String)]
    )
    func malformedThinkingIsRefusedForBoth(_ thinking: JSONValue, _ message: String) {
        let body = Self.chat(thinking: thinking)
        let errors = [
            #expect(throws: GatewayError.self) { try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 4096) },
            #expect(throws: GatewayError.self) { try Self.gemini(body) },
        ]
        for error in errors { #expect(error?.status == 400 && error?.message == message, "\(String(describing: error))") }
    }

    @Test func messagesClientsHearAboutThinkingInAnthropicsWords() {
        let body: JSONValue = [
            "model": "m", "max_tokens": 4096, "messages": [["role": "user", "content": "hi"]],
            "thinking": ["type": "enabled", "budget_tokens": 100],
        ]
        let error = #expect(throws: GatewayError.self) { try MessagesTranslator.translation(of: body) }
        #expect(error?.message == "thinking.budget_tokens: Input should be greater than or equal to 1024")
    }

    /// A chat client's tool loop with Claude: the thinking blocks of the answer go back first in its turn, as
    /// Anthropic requires; `reasoning_content` alone (no signature) is not something Anthropic could check.
    @Test func thinkingBlocksGoBackToAnthropicFirst() throws {
        let turn: JSONValue = [
            "role": "assistant", "content": nil, "reasoning_content": "plan",
            "thinking_blocks": [
                ["type": "thinking", "thinking": "plan", "signature": "s1", "extra": 1],
                ["type": "redacted_thinking", "data": "d"],
            ],
            "tool_calls": [["id": "t1", "type": "function", "function": ["name": "f", "arguments": "{}"]]],
        ]
        let messages: [JSONValue] = [["role": "user", "content": "hi"], turn, ["role": "tool", "tool_call_id": "t1", "content": "ok"]]
        let body = Self.chat(thinking: ["type": "enabled", "budget_tokens": 1024], messages: messages)
        let assistant = try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 4096)["messages"]?.arrayValue?[1]
        let expected: JSONValue = [
            ["type": "thinking", "thinking": "plan", "signature": "s1"], ["type": "redacted_thinking", "data": "d"],
            ["type": "tool_use", "id": "t1", "name": "f", "input": [:]],
        ]
        #expect(assistant?["content"] == expected)
        // Gemini has its own signatures (on function calls): Claude's blocks are not for it.
        let gemini = try GeminiAdapter.generateBody(fromOpenAI: body, model: "gemini-2.5-flash")["contents"]?.arrayValue?[1]["parts"]
        #expect(gemini == [["functionCall": ["name": "f", "args": [:]]]] as JSONValue)
    }

    @Test(
        arguments: [
            (.string("x"), "messages[1].thinking_blocks: expected an array"),
            ([["type": "thinking", "thinking": "x"]], "messages[1].thinking_blocks[0].signature: required"),
            ([["type": "summary"]], #"messages[1].thinking_blocks[0].type: expected one of thinking, redacted_thinking, not "summary""#),
            ([["type": "redacted_thinking", "data": 5]], "messages[1].thinking_blocks[0].data: expected a string"),
            (["x"], "messages[1].thinking_blocks[0]: expected an object"),
        ] as [(JSONValue, String)]
    )
    func malformedThinkingBlocksAreRefused(_ blocks: JSONValue, _ message: String) {
        let messages: [JSONValue] = [["role": "user", "content": "hi"], ["role": "assistant", "content": "ok", "thinking_blocks": blocks]]
        let error = #expect(throws: GatewayError.self) {
            try AnthropicAdapter.messagesBody(fromOpenAI: Self.chat(thinking: nil, messages: messages), defaultMaxTokens: 10)
        }
        #expect(error?.message == message)
    }

    /// Claude's reasoning, whole and streamed, comes out the same: the blocks' texts as `reasoning_content` (a blank
    /// line between blocks), every block as sent in `thinking_blocks`.
    @Test func claudesReasoningComesBackAsReasoningContent() throws {
        let claude = Self.deployment(.anthropic, "claude")
        let message: JSONValue = [
            "type": "message", "id": "msg_1", "model": "claude", "stop_reason": "end_turn",
            "content": [
                ["type": "thinking", "thinking": "first", "signature": "s1"],
                ["type": "tool_use", "id": "t1", "name": "f", "input": ["a": 1]],
                ["type": "thinking", "thinking": "second", "signature": "s2"],
                ["type": "redacted_thinking", "data": "d"],
                ["type": "text", "text": "ok"],
            ],
            "usage": ["input_tokens": 1, "output_tokens": 2],
        ]
        let whole = try AnthropicAdapter(defaultMaxTokens: 10).completion(from: Array(message.serializedString.utf8), deployment: claude)
        let answer = whole.body["choices"]?.arrayValue?.first?["message"]
        #expect(answer?["reasoning_content"] == "first\n\nsecond")
        let blocks: JSONValue = [
            ["type": "thinking", "thinking": "first", "signature": "s1"], ["type": "thinking", "thinking": "second", "signature": "s2"],
            ["type": "redacted_thinking", "data": "d"],
        ]
        #expect(answer?["thinking_blocks"] == blocks)
        #expect(answer?["content"] == "ok")

        var stream = AnthropicToOpenAIStream(deployment: claude, includeUsage: false)
        var events: [SSEEvent] = []
        func send(_ type: String, _ fields: JSONValue) throws {
            var data = fields
            data["type"] = .string(type)
            events += try stream.translate(SSEEvent(event: type, data: data.serializedString))
        }
        try send("message_start", ["message": ["id": "msg_1", "model": "claude", "usage": ["input_tokens": 1]]])
        for (index, block) in (message["content"]?.arrayValue ?? []).enumerated() {
            let type = block["type"]?.stringValue ?? ""
            let opening: JSONValue = type == "thinking" ? ["type": "thinking", "thinking": "", "signature": ""] : block
            try send("content_block_start", ["index": .int(index), "content_block": opening])
            if type == "thinking" {
                let text = block["thinking"]?.stringValue ?? ""
                for piece in [String(text.prefix(2)), String(text.dropFirst(2))] {
                    try send("content_block_delta", ["index": .int(index), "delta": ["type": "thinking_delta", "thinking": .string(piece)]])
                }
                try send("content_block_delta", ["index": .int(index), "delta": ["type": "signature_delta", "signature": block["signature"] ?? ""]])
            }
            if type == "text" {
                try send("content_block_delta", ["index": .int(index), "delta": ["type": "text_delta", "text": "ok"]])
            }
            try send("content_block_stop", ["index": .int(index)])
        }
        try send("message_delta", ["delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": 2]])
        try send("message_stop", [:])
        events += try stream.finish()
        let deltas = try Self.deltas(events)
        #expect(deltas.compactMap { $0["reasoning_content"]?.stringValue }.joined() == "first\n\nsecond")
        #expect(JSONValue.array(deltas.flatMap { $0["thinking_blocks"]?.arrayValue ?? [] }) == blocks)
        #expect(deltas.compactMap { $0["content"]?.stringValue }.joined() == "ok")
    }

    @Test func geminiThoughtsComeBackAsReasoningContent() throws {
        let gemini = Self.deployment(.gemini, "gemini-2.5-flash")
        let response: JSONValue = [
            "candidates": [
                ["content": ["role": "model", "parts": [["text": "plan", "thought": true], ["text": "ok"]]], "finishReason": "STOP"]
            ],
            "usageMetadata": ["promptTokenCount": 1, "candidatesTokenCount": 1, "thoughtsTokenCount": 1],
        ]
        let whole = try GeminiAdapter().completion(from: Array(response.serializedString.utf8), deployment: gemini)
        #expect(whole.body["choices"]?.arrayValue?.first?["message"]?["reasoning_content"] == "plan")
        #expect(whole.body["choices"]?.arrayValue?.first?["message"]?["content"] == "ok")

        var stream = GeminiToOpenAIStream(deployment: gemini, includeUsage: false)
        let thought: JSONValue = ["candidates": [["content": ["role": "model", "parts": [["text": "plan", "thought": true]]]]]]
        let said: JSONValue = ["candidates": [["content": ["role": "model", "parts": [["text": "ok"]]], "finishReason": "STOP"]]]
        let events = try stream.translate(SSEEvent(data: thought.serializedString)) + stream.translate(SSEEvent(data: said.serializedString))
        let deltas = try Self.deltas(events)
        #expect(deltas.compactMap { $0["reasoning_content"]?.stringValue } == ["plan"])
        #expect(deltas.compactMap { $0["content"]?.stringValue }.joined() == "ok")
    }

    /// A reasoner's `reasoning_content` is a thinking block (unsigned) for a Messages client that asked to see it,
    /// first in the message as Claude's is; one that did not ask gets the text first, as from Claude.
    @Test(arguments: [true, false])
    func messagesClientsSeeReasoningOnlyWhenAsked(_ showing: Bool) throws {
        let completion: JSONValue = [
            "id": "chatcmpl-1", "model": "deepseek-reasoner",
            "choices": [["message": ["content": "ok", "reasoning_content": "plan"], "finish_reason": "stop"]],
        ]
        let message = MessagesTranslator.message(fromCompletion: completion, usage: nil, showingThinking: showing)
        let thinking: [JSONValue] = showing ? [["type": "thinking", "thinking": "plan", "signature": ""]] : []
        #expect(message["content"] == .array(thinking + [["type": "text", "text": "ok"]]))

        let openAI = Self.deployment(.deepSeek, "deepseek-reasoner")
        var stream = OpenAIToAnthropicStream(
            upstream: OpenAIAdapter().streamTranslator(deployment: openAI, includeUsage: true),
            model: "deepseek-reasoner",
            provider: "deepseek",
            showingThinking: showing
        )
        let deltas: [JSONValue] = [
            ["role": "assistant", "content": ""], ["content": nil, "reasoning_content": "pl"], ["content": nil, "reasoning_content": "an"],
            ["content": "ok", "reasoning_content": nil],
            ["tool_calls": [["index": 0, "id": "call_1", "type": "function", "function": ["name": "f", "arguments": "{}"]]]],
        ]
        var events: [SSEEvent] = []
        for chunk in ChatChunks.events(deltas, model: "deepseek-reasoner", finish: "tool_calls") {
            events += try stream.translate(chunk)
        }
        events += try stream.translate(SSEEvent(data: "[DONE]")) + stream.finish()
        let shape = try events.map { event -> String in
            let data = try JSONValue.parse(event.data)
            let index = data["index"]?.intValue.map { " \($0)" } ?? ""
            let kind = (data["content_block"] ?? data["delta"])?["type"]?.stringValue.map { " " + $0 } ?? ""
            return (event.event ?? "") + index + kind
        }
        let opening = ["message_start"]
        let reasoning = [
            "content_block_start 0 thinking", "content_block_delta 0 thinking_delta", "content_block_delta 0 thinking_delta", "content_block_stop 0",
        ]
        let rest = showing ? 1 : 0
        let answer = [
            "content_block_start \(rest) text", "content_block_delta \(rest) text_delta", "content_block_stop \(rest)",
            "content_block_start \(rest + 1) tool_use", "content_block_delta \(rest + 1) input_json_delta", "content_block_stop \(rest + 1)",
            "message_delta", "message_stop",
        ]
        #expect(shape == opening + (showing ? reasoning : []) + answer)
    }

    /// A history with Claude's reasoning and Gemini's signature on it, sent on to an OpenAI-format provider (a
    /// fallback, or the client's next model): what that API does not define stays behind, what DeepSeek and xAI wrote
    /// themselves goes back.
    @Test(arguments: [(ProviderKind.openAI, false), (.azure, false), (.deepSeek, true), (.xAI, true)])
    func foreignReasoningStaysBehindForOpenAIFormat(_ kind: ProviderKind, _ keepsReasoning: Bool) throws {
        let answered: JSONValue = [
            "role": "assistant", "content": "ok", "reasoning_content": "plan",
            "thinking_blocks": [["type": "thinking", "thinking": "plan", "signature": "s"]],
            "tool_calls": [
                [
                    "id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"],
                    "extra_content": ["google": ["thought_signature": "g"]],
                ]
            ],
        ]
        let body = Self.chat(
            thinking: nil,
            messages: [["role": "user", "content": "hi"], answered, ["role": "tool", "tool_call_id": "c1", "content": "done"]]
        )
        let request = try OpenAIAdapter().chatRequest(body, deployment: Self.deployment(kind, "m"), stream: false, call: UpstreamCall())
        let sent = try JSONValue.parse(request.body)["messages"]?.arrayValue
        var expected: JSONValue = [
            "role": "assistant", "content": "ok", "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"]]],
        ]
        if keepsReasoning { expected["reasoning_content"] = "plan" }
        #expect(sent?[1] == expected)
        #expect(sent?[0] == ["role": "user", "content": "hi"] && sent?.count == 3)
        // A history without them is sent as it came.
        let plain = Self.chat(thinking: nil)
        let untouched = try OpenAIAdapter().chatRequest(plain, deployment: Self.deployment(kind, "m"), stream: false, call: UpstreamCall())
        #expect(try JSONValue.parse(untouched.body)["messages"] == plain["messages"])
    }
}
