import Foundation
import Testing

@testable import Gateway

/// OpenAI's Responses API translated for the providers OpenAI does not serve: input items to chat messages, the chat
/// answer (whole or streamed) to a response, and what skiff made kept from OpenAI's own API.
@Suite struct TranslationResponsesTests {
    static func deployment(_ kind: ProviderKind, _ model: String) -> Deployment {
        Deployment(provider: ProviderConfiguration(kind: kind, baseURL: "http://upstream", apiKey: Secret("k")), model: model)
    }

    static let blocks: [JSONValue] = [["type": "thinking", "thinking": "plan", "signature": "sig_1"], ["type": "redacted_thinking", "data": "r"]]

    /// A response's output without its ids, which each translation makes anew.
    static func withoutIDs(_ output: JSONValue?) -> [JSONValue] {
        (output?.arrayValue ?? []).map { item in
            var members = item.objectValue ?? [:]
            members["id"] = nil
            return .object(members)
        }
    }

    @Test func inputItemsBecomeOneChatTurnEach() throws {
        let body: JSONValue = [
            "model": "claude-x", "instructions": "Be brief.", "max_output_tokens": 100, "reasoning": ["effort": "low"],
            "text": ["format": ["type": "json_object"], "verbosity": "medium"], "tool_choice": ["type": "function", "name": "f"],
            "tools": [["type": "function", "name": "f", "description": "d", "parameters": ["type": "object"], "strict": true]],
            "input": [
                ["role": "developer", "content": "Metric."],
                [
                    "type": "message", "role": "user",
                    "content": [["type": "input_text", "text": "a"], ["type": "input_image", "image_url": "https://i", "detail": "low"]],
                ],
                [
                    "type": "reasoning", "id": "rs_skiff_1_0", "summary": [["type": "summary_text", "text": "plan"]],
                    "encrypted_content": .string(ResponsesTranslator.encrypted(thinkingBlocks: Self.blocks)),
                ],
                ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "Let me look.", "annotations": []]]],
                ["type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}", "extra_content": ["google": ["thought_signature": "s"]]],
                ["type": "function_call", "call_id": "c2", "name": "f", "arguments": "{\"x\":1}"],
                ["type": "function_call_output", "call_id": "c1", "output": "one"],
                ["type": "function_call_output", "call_id": "c2", "output": [["type": "input_text", "text": "two"]]],
                ["role": "user", "content": "thanks"],
            ],
        ]
        let chat = try ResponsesTranslator.chatBody(fromResponses: body)
        let expected: JSONValue = [
            ["role": "system", "content": "Be brief."],
            ["role": "system", "content": "Metric."],
            [
                "role": "user",
                "content": [["type": "text", "text": "a"], ["type": "image_url", "image_url": ["url": "https://i", "detail": "low"]]],
            ],
            [
                "role": "assistant", "content": "Let me look.", "reasoning_content": "plan", "thinking_blocks": .array(Self.blocks),
                "tool_calls": [
                    [
                        "id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"],
                        "extra_content": ["google": ["thought_signature": "s"]],
                    ],
                    ["id": "c2", "type": "function", "function": ["name": "f", "arguments": "{\"x\":1}"]],
                ],
            ],
            ["role": "tool", "tool_call_id": "c1", "content": "one"],
            ["role": "tool", "tool_call_id": "c2", "content": "two"],
            ["role": "user", "content": "thanks"],
        ]
        #expect(chat["messages"] == expected)
        #expect(chat["max_tokens"] == 100 && chat["reasoning_effort"] == "low" && chat["verbosity"] == "medium")
        #expect(chat["response_format"] == ["type": "json_object"])
        #expect(
            chat["tools"] == [["type": "function", "function": ["name": "f", "description": "d", "parameters": ["type": "object"], "strict": true]]]
        )
        #expect(chat["tool_choice"] == ["type": "function", "function": ["name": "f"]])
        // And the chat body is one the adapters take: Claude gets its thinking blocks back first in the turn (its
        // structured output needs a schema, so the JSON mode stays out of this check).
        var forClaude = chat
        forClaude["response_format"] = nil
        let anthropic = try AnthropicAdapter.messagesBody(fromOpenAI: forClaude, defaultMaxTokens: 1024)
        let turn = anthropic["messages"]?.arrayValue?[1]["content"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(turn == ["thinking", "redacted_thinking", "text", "tool_use", "tool_use"])
    }

    @Test func encryptedContentThatIsNotSkiffsIsLeftAlone() {
        #expect(ResponsesTranslator.thinkingBlocks(fromEncrypted: "gAAAAB-openai-own") == nil)
        #expect(ResponsesTranslator.thinkingBlocks(fromEncrypted: ResponsesTranslator.encryptedPrefix + "!!") == nil)
        #expect(ResponsesTranslator.thinkingBlocks(fromEncrypted: ResponsesTranslator.encrypted(thinkingBlocks: Self.blocks)) == Self.blocks)
    }

    @Test func aCompletionBecomesAResponse() throws {
        let completion: JSONValue = [
            "id": "chatcmpl-1", "model": "claude-x", "created": 1_700_000_000,
            "choices": [
                [
                    "index": 0, "finish_reason": "length",
                    "message": [
                        "role": "assistant", "content": "Hi", "reasoning_content": "plan", "thinking_blocks": .array(Self.blocks),
                        "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"]]],
                    ],
                ]
            ],
        ]
        let request: JSONValue = ["model": "alias", "input": "x", "metadata": ["k": "v"], "tools": [["type": "function", "name": "f"]]]
        let usage = TokenUsage(promptTokens: 10, completionTokens: 5, cachedTokens: 2, reasoningTokens: 3)
        let response = ResponsesTranslator.response(fromCompletion: completion, usage: usage, request: request)
        #expect(response["object"] == "response" && response["model"] == "claude-x" && response["created_at"] == 1_700_000_000)
        #expect(response["status"] == "incomplete" && response["incomplete_details"] == ["reason": "max_output_tokens"])
        #expect(response["metadata"] == ["k": "v"] && response["store"] == false && response["tools"] == request["tools"])
        #expect(
            response["usage"] == [
                "input_tokens": 10, "input_tokens_details": ["cached_tokens": 2], "output_tokens": 5,
                "output_tokens_details": ["reasoning_tokens": 3], "total_tokens": 15,
            ]
        )
        let output = response["output"]?.arrayValue ?? []
        #expect(output.compactMap { $0["type"]?.stringValue } == ["reasoning", "message", "function_call"])
        let id = response["id"]?.stringValue ?? ""
        #expect(id.hasPrefix("resp_skiff_"))
        #expect(output.compactMap { $0["id"]?.stringValue } == ["rs_", "msg_", "fc_"].enumerated().map { "\($1)\(id.dropFirst(5))_\($0)" })
        #expect(output[0]["summary"] == [["type": "summary_text", "text": "plan"]])
        #expect(ResponsesTranslator.thinkingBlocks(fromEncrypted: output[0]["encrypted_content"]?.stringValue) == Self.blocks)
        #expect(output[1]["content"] == [["type": "output_text", "text": "Hi", "annotations": [], "logprobs": []]])
        #expect(output[2]["call_id"] == "c1" && output[2]["name"] == "f" && output[2]["arguments"] == "{}")
    }

    /// The same answer streamed: events in the order OpenAI sends them, numbered from 0, and a final response whose
    /// output is the whole answer's.
    @Test func aStreamEndsInTheResponseTheWholeAnswerGives() throws {
        let deltas: [JSONValue] = [
            ["role": "assistant", "content": ""], ["reasoning_content": "pl"], ["reasoning_content": "an"],
            ["thinking_blocks": .array(Self.blocks)], ["content": "H"], ["content": "i"], ["refusal": "no"],
            ["tool_calls": [["index": 0, "id": "c1", "type": "function", "function": ["name": "f", "arguments": "{\"a\""]]]],
            ["tool_calls": [["index": 0, "function": ["arguments": ":1}"]]]],
            ["tool_calls": [["index": 1, "id": "c2", "type": "function", "function": ["name": "g", "arguments": "{}"]]]],
        ]
        let request: JSONValue = ["model": "deepseek-reasoner", "input": "x"]
        var stream = ChatToResponsesStream(
            upstream: OpenAIAdapter().streamTranslator(deployment: Self.deployment(.deepSeek, "deepseek-reasoner"), includeUsage: true),
            request: request,
            model: "deepseek-reasoner"
        )
        var events: [SSEEvent] = []
        for chunk in ChatChunks.events(deltas, model: "deepseek-reasoner", finish: "tool_calls") {
            events += try stream.translate(chunk)
        }
        let usage: JSONValue = ["id": "chatcmpl-1", "choices": [], "usage": ["prompt_tokens": 4, "completion_tokens": 6]]
        events += try stream.translate(SSEEvent(data: usage.serializedString))
        events += try stream.translate(SSEEvent(data: "[DONE]")) + stream.finish()

        let data = try events.map { try JSONValue.parse($0.data) }
        #expect(data.compactMap { $0["sequence_number"]?.intValue } == Array(0..<events.count))
        #expect(events.map(\.event) == data.map { $0["type"]?.stringValue })
        #expect(
            events.compactMap(\.event) == [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.content_part.added", "response.refusal.delta",
                "response.refusal.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed",
            ]
        )
        // Every event about an item names it and its place, as the added event gave them.
        let added = data.filter { $0["type"] == "response.output_item.added" }
        #expect(added.compactMap { $0["output_index"]?.intValue } == [0, 1, 2, 3])
        for event in data where event["item_id"] != nil {
            let index = try #require(event["output_index"]?.intValue)
            #expect(event["item_id"] == added[index]["item"]?["id"], "\(event)")
        }

        let final = try #require(data.last?["response"])
        #expect(final["status"] == "completed" && final["usage"]?["input_tokens"] == 4 && final["usage"]?["output_tokens"] == 6)
        let whole = ResponsesTranslator.response(
            fromCompletion: [
                "model": "deepseek-reasoner",
                "choices": [
                    [
                        "index": 0, "finish_reason": "tool_calls",
                        "message": [
                            "content": "Hi", "refusal": "no", "reasoning_content": "plan", "thinking_blocks": .array(Self.blocks),
                            "tool_calls": [
                                ["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{\"a\":1}"]],
                                ["id": "c2", "type": "function", "function": ["name": "g", "arguments": "{}"]],
                            ],
                        ],
                    ]
                ],
            ],
            usage: nil,
            request: request
        )
        #expect(Self.withoutIDs(final["output"]) == Self.withoutIDs(whole["output"]))
    }

    @Test func aFailedStreamSaysSoInItsOwnEvents() throws {
        var stream = ChatToResponsesStream(
            upstream: OpenAIAdapter().streamTranslator(deployment: Self.deployment(.xAI, "grok-3"), includeUsage: true),
            request: ["model": "grok-3", "input": "x"],
            model: "grok-3"
        )
        let chunk: JSONValue = ["id": "c", "choices": [["index": 0, "delta": ["content": "Hi"], "finish_reason": nil]]]
        let events = try stream.translate(SSEEvent(data: chunk.serializedString))
        let failed = stream.failure(GatewayError(.streamInterrupted, status: 502, code: "upstream_unreachable", message: "broke"))
        let failure = try #require(failed)
        #expect(failure.map(\.event) == ["error", "response.failed"])
        let error = try JSONValue.parse(failure[0].data)
        #expect(error["code"] == "upstream_unreachable" && error["message"] == "broke" && error["sequence_number"] == .int(events.count))
        let response = try JSONValue.parse(failure[1].data)["response"]
        #expect(response?["status"] == "failed" && response?["error"] == ["code": "upstream_unreachable", "message": "broke"])
    }

    @Test func openAIsOwnStreamPassesThroughAndIsAccountedFor() throws {
        let deployment = Self.deployment(.openAI, "gpt-4o")
        var stream = ResponsesPassthroughStream(deployment: deployment)
        let created = SSEEvent(event: "response.created", data: #"{"type":"response.created","sequence_number":0,"response":{"id":"resp_1"}}"#)
        let completed = SSEEvent(
            event: "response.completed",
            data:
                #"{"type":"response.completed","sequence_number":1,"response":{"id":"resp_1","usage":{"input_tokens":7,"output_tokens":2,"output_tokens_details":{"reasoning_tokens":1}}}}"#
        )
        #expect(try stream.translate(created) == [created])
        #expect(try stream.translate(completed) == [completed])
        #expect(try stream.finish().isEmpty)
        #expect(stream.usage == TokenUsage(promptTokens: 7, completionTokens: 2, reasoningTokens: 1))

        // An event typed only in its data counts too; an error event is the stream's failure; an early end is one.
        var unnamed = ResponsesPassthroughStream(deployment: deployment)
        _ = try unnamed.translate(SSEEvent(data: #"{"type":"response.incomplete","sequence_number":0,"response":{"usage":{"input_tokens":1}}}"#))
        #expect(try unnamed.finish().isEmpty && unnamed.usage?.promptTokens == 1)
        var failing = ResponsesPassthroughStream(deployment: deployment)
        _ = try failing.translate(created)
        #expect(throws: GatewayError.self) {
            try failing.translate(SSEEvent(event: "error", data: #"{"type":"error","code":"server_error","message":"boom","sequence_number":1}"#))
        }
        let failure = failing.failure(GatewayError(.streamInterrupted, status: 502, message: "x"))
        let numbered = try JSONValue.parse(try #require(failure).first?.data ?? "")
        #expect(numbered["sequence_number"] == 2)
        var early = ResponsesPassthroughStream(deployment: deployment)
        _ = try early.translate(created)
        #expect(throws: GatewayError.self) { try early.finish() }
    }

    /// Items skiff made go to OpenAI without what OpenAI would refuse; a history of OpenAI's own is not rebuilt.
    @Test func openAIGetsNoneOfSkiffsItems() {
        let own: [JSONValue] = [
            ["role": "user", "content": "hi"], ["type": "reasoning", "id": "rs_abc", "encrypted_content": "gAAA", "summary": []],
            ["type": "function_call", "id": "fc_abc", "call_id": "c", "name": "f", "arguments": "{}"],
        ]
        #expect(ResponsesTranslator.nativeInput(own) == nil)
        let made: [JSONValue] = [
            ["role": "user", "content": "hi"],
            [
                "type": "reasoning", "id": "rs_skiff_1_0", "summary": [],
                "encrypted_content": .string(ResponsesTranslator.encrypted(thinkingBlocks: Self.blocks)),
            ],
            [
                "type": "message", "id": "msg_skiff_1_1", "role": "assistant", "content": [["type": "output_text", "text": "ok"]],
                "status": "completed",
            ],
            ["type": "function_call", "id": "fc_skiff_1_2", "call_id": "c", "name": "f", "arguments": "{}", "extra_content": ["google": [:]]],
        ]
        let expected: [JSONValue] = [
            ["role": "user", "content": "hi"],
            ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "ok"]], "status": "completed"],
            ["type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"],
        ]
        #expect(ResponsesTranslator.nativeInput(made) == expected)
    }

    @Test(
        arguments: [
            (["model": "m", "input": 3] as JSONValue, "input: expected a string or an array of items"),
            (["model": "m", "input": []] as JSONValue, "input: expected at least one item"),
            (["model": "m", "input": "x", "previous_response_id": "resp_1"] as JSONValue, "previous_response_id: skiff stores no responses"),
            (["model": "m", "input": "x", "conversation": "conv_1"] as JSONValue, "conversation: skiff stores no responses"),
            (["model": "m", "input": "x", "tool_choice": ["type": "web_search_preview"]] as JSONValue, "tool_choice.type: \"web_search_preview\""),
            (["model": "m", "input": "x", "tools": [["type": "function"]]] as JSONValue, "tools[0].name: required"),
            (["model": "m", "input": [["type": "function_call_output", "call_id": "c"]]] as JSONValue, "input[0].output: required"),
            (
                ["model": "m", "input": [["type": "function_call_output", "call_id": "c", "output": [["type": "input_image", "image_url": "u"]]]]]
                    as JSONValue,
                "input[0].output[0]: only input_text parts",
            ),
            (
                ["model": "m", "input": [["role": "user", "content": [["type": "input_file", "file_id": "f"]]]]] as JSONValue,
                "only file_data is supported"
            ),
            (["model": "m", "input": "x", "text": ["format": ["type": "yaml"]]] as JSONValue, "text.format.type: expected one of"),
            (["model": "m", "input": "x", "top_logprobs": 3] as JSONValue, "top_logprobs: not supported for non-OpenAI models"),
        ]
    )
    func whatCannotBeTranslatedIsRefused(_ body: JSONValue, _ message: String) {
        #expect {
            try ResponsesTranslator.chatBody(fromResponses: body)
        } throws: { error in
            (error as? GatewayError)?.status == 400 && (error as? GatewayError)?.message.contains(message) == true
        }
    }
}
