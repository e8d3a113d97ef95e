import HTTPClient
import TestSupport
import Testing

@testable import Gateway

/// Valid requests, answers and streams, bent at random in the places the translators read: every translation
/// either succeeds or fails with a `GatewayError` (a 4xx for a client's request), never a crash, a trap on a
/// number or an index, or an error without a message. Seeded, so a failure comes back the same; bounded by count.
@Suite struct TranslationFuzzTests {
    static let rounds = 1500

    /// The names the translators look up, so that added members land where they are read.
    static let names = [
        "type", "role", "content", "text", "source", "media_type", "data", "url", "image_url", "file", "file_data", "filename",
        "tool_calls", "function", "arguments", "name", "id", "input", "tool_use_id", "tool_call_id", "is_error", "cache_control",
        "parameters", "input_schema", "strict", "max_tokens", "budget_tokens", "thinking", "index", "delta", "choices", "usage",
        "candidates", "parts", "functionCall", "args", "finishReason", "usageMetadata", "stop_reason", "message", "content_block",
        "partial_json", "tools", "tool_choice", "n", "stream", "response_format", "json_schema", "schema", "output_config",
        "format", "effort", "reasoning_effort", "top_k", "stop", "stop_sequences", "system", "messages", "error",
        "prompt_cache_breakpoint", "mode", "ttl", "stream_options", "include_obfuscation", "cached_tokens", "cache_write_tokens",
        "cache_creation_input_tokens", "prompt_tokens_details", "thinking_blocks", "reasoning_content", "signature", "display",
        "thought",
    ]

    static let strings: [JSONValue] = [
        "", "text", "function", "tool_use", "tool_result", "image", "document", "image_url", "file", "auto", "any", "none",
        "required", "json_schema", "json_object", "enabled", "disabled", "base64", "url", "user", "assistant", "system", "tool",
        "data:application/pdf;base64,%%%", "data:;base64,", "data:text/plain;base64,aGk=", "{", "{}", "[1]", "\u{0}", "é🙂",
        "message_start", "content_block_start", "content_block_delta", "message_delta", "input_json_delta", "STOP",
        "MAX_TOKENS", "SAFETY", "end_turn", "max_tokens", "explicit", "30m", "12h", "thinking", "redacted_thinking", "adaptive",
        "between_tools", "omitted", "thinking_delta", "signature_delta",
    ]

    static func randomValue(_ generator: inout SplitMix, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 1 ? 6 : 8), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int([0, -1, 1, 2, 1024, Int.max, Int.min, Int(Int32.max) + 1].randomElement(using: &generator)!)
        case 3: return .double([0.5, -1, 1e308, -1e308, 2.0, 1e-300].randomElement(using: &generator)!)
        case 4, 5: return Self.strings.randomElement(using: &generator)!
        case 6:
            return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in Self.randomValue(&generator, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                members[Self.names.randomElement(using: &generator)!] = Self.randomValue(&generator, depth: depth + 1)
            }
            return .object(members)
        }
    }

    /// Every node's path: object keys and array indices from the root.
    enum Step: Hashable { case key(String), index(Int) }

    static func paths(_ value: JSONValue, _ prefix: [Step] = []) -> [[Step]] {
        var found = [prefix]
        switch value {
        case .object(let members):
            for key in members.keys.sorted() { found += Self.paths(members[key]!, prefix + [.key(key)]) }
        case .array(let items):
            for (index, item) in items.enumerated() { found += Self.paths(item, prefix + [.index(index)]) }
        default: break
        }
        return found
    }

    static func changing(_ value: JSONValue, at path: ArraySlice<Step>, _ change: (JSONValue) -> JSONValue) -> JSONValue {
        guard let step = path.first else { return change(value) }
        switch (value, step) {
        case (.object(var members), .key(let key)):
            members[key] = Self.changing(members[key] ?? .null, at: path.dropFirst(), change)
            return .object(members)
        case (.array(var items), .index(let index)) where items.indices.contains(index):
            items[index] = Self.changing(items[index], at: path.dropFirst(), change)
            return .array(items)
        default:
            return value
        }
    }

    /// One to three changes: a node replaced, a member removed or added, an element dropped or doubled.
    static func mutated(_ seed: JSONValue, _ generator: inout SplitMix) -> JSONValue {
        var value = seed
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let path = Self.paths(value).randomElement(using: &generator)!
            let choice = Int.random(in: 0..<4, using: &generator)
            value = Self.changing(value, at: path[...]) { node in
                switch (node, choice) {
                case (.object(var members), 1) where !members.isEmpty:
                    members[members.keys.sorted().randomElement(using: &generator)!] = nil
                    return .object(members)
                case (.object(var members), 2):
                    members[Self.names.randomElement(using: &generator)!] = Self.randomValue(&generator)
                    return .object(members)
                case (.array(var items), 3) where !items.isEmpty:
                    let index = Int.random(in: 0..<items.count, using: &generator)
                    if Bool.random(using: &generator) { items.remove(at: index) } else { items.append(items[index]) }
                    return .array(items)
                default:
                    return Self.randomValue(&generator)
                }
            }
        }
        return value
    }

    static func deployment(_ kind: ProviderKind, _ model: String) -> Deployment {
        Deployment(provider: ProviderConfiguration(kind: kind, baseURL: "http://upstream", apiKey: Secret("k")), model: model)
    }

    /// Runs `body` on `rounds` mutations of each seed; an error must be a `GatewayError` with a message, and in
    /// `statuses`. With `refusals`, some inputs must be refused and some not, or the mutations missed what is read.
    static func fuzz(
        _ seeds: [JSONValue],
        seed: UInt64,
        statuses: ClosedRange<Int>,
        refusals: Bool = true,
        _ body: (JSONValue) throws(GatewayError) -> Void
    ) {
        var generator = SplitMix(state: seed)
        var refused = 0
        for round in 0..<Self.rounds {
            let input = Self.mutated(seeds[round % seeds.count], &generator)
            do {
                try body(input)
            } catch {
                refused += 1
                #expect(statuses.contains(error.status) && !error.message.isEmpty, "\(error.status) \(error.message) for \(input.serializedString)")
            }
        }
        #expect(!refusals || (refused > 0 && refused < Self.rounds), "\(refused) of \(Self.rounds) refused")
    }

    static let pdf: JSONValue = "data:application/pdf;base64,JVBERi0xLjQK"

    static let chatSeeds: [JSONValue] = [
        [
            "model": "m", "max_tokens": 50, "temperature": 0.5, "stop": ["x"], "top_k": 5, "n": 1, "reasoning_effort": "low",
            "response_format": ["type": "json_schema", "json_schema": ["name": "o", "schema": ["type": "object"]]],
            "tools": [
                [
                    "type": "function", "function": ["name": "f", "parameters": ["type": "object"], "strict": true],
                    "cache_control": ["type": "ephemeral"],
                ]
            ],
            "tool_choice": ["type": "function", "function": ["name": "f"]], "parallel_tool_calls": true,
            "thinking": ["type": "enabled", "budget_tokens": 1024, "display": "summarized"],
            "messages": [
                ["role": "system", "content": [["type": "text", "text": "sys", "cache_control": ["type": "ephemeral"]]]],
                [
                    "role": "user",
                    "content": [
                        ["type": "text", "text": "hi", "prompt_cache_breakpoint": ["mode": "explicit", "ttl": "30m"]],
                        ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBO"]],
                        ["type": "file", "file": ["file_data": Self.pdf, "filename": "a.pdf"]],
                    ],
                ],
                [
                    "role": "assistant", "content": nil, "reasoning_content": "r",
                    "thinking_blocks": [["type": "thinking", "thinking": "r", "signature": "s"], ["type": "redacted_thinking", "data": "d"]],
                    "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{\"a\":1}"]]],
                ],
                ["role": "tool", "tool_call_id": "c1", "content": [["type": "text", "text": "{\"ok\":true}"]]],
            ],
        ],
        ["model": "m", "stream": true, "stream_options": ["include_usage": true], "messages": [["role": "user", "content": "hi"]]],
    ]

    @Test func chatRequestsTranslateOrAreRefused() {
        Self.fuzz(Self.chatSeeds, seed: 1, statuses: 400...499) { body throws(GatewayError) in
            _ = try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 100)
        }
        // Passed through, but fitted: Azure's field names and pass-through header, reasoning models' token limit.
        for (seed, deployment) in [(UInt64(11), Self.deployment(.azure, "mock-chat")), (12, Self.deployment(.openAI, "o3-mini"))] {
            Self.fuzz(Self.chatSeeds, seed: seed, statuses: 400...499, refusals: false) { body throws(GatewayError) in
                _ = try OpenAIAdapter().chatRequest(body, deployment: deployment, stream: seed == 11, call: UpstreamCall())
            }
        }
        for (seed, model) in [(UInt64(2), "gemini-2.5-flash"), (3, "gemini-3-pro-preview")] {
            Self.fuzz(Self.chatSeeds, seed: seed, statuses: 400...499) { body throws(GatewayError) in
                _ = try GeminiAdapter.generateBody(fromOpenAI: body, model: model)
            }
        }
    }

    static let messagesSeed: JSONValue = [
        "model": "m", "max_tokens": 100, "system": [["type": "text", "text": "s"]], "metadata": ["user_id": "u"],
        "thinking": ["type": "enabled", "budget_tokens": 2048], "stop_sequences": ["z"],
        "tools": [["name": "f", "input_schema": ["type": "object"], "strict": true]],
        "tool_choice": ["type": "tool", "name": "f", "disable_parallel_tool_use": true],
        "output_config": ["effort": "low", "format": ["type": "json_schema", "schema": ["type": "object"]]],
        "messages": [
            [
                "role": "user",
                "content": [
                    ["type": "text", "text": "a"], ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBO"]],
                    ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBE"], "title": "t"],
                ],
            ],
            [
                "role": "assistant",
                "content": [
                    ["type": "thinking", "thinking": "x", "signature": "s"], ["type": "tool_use", "id": "t1", "name": "f", "input": ["a": 1]],
                ],
            ],
            [
                "role": "user",
                "content": [["type": "tool_result", "tool_use_id": "t1", "content": [["type": "text", "text": "r"]], "is_error": true]],
            ],
        ],
    ]

    @Test func messagesRequestsTranslateOrAreRefused() {
        let openAI = Self.deployment(.openAI, "gpt-4o")
        let gemini = Self.deployment(.gemini, "gemini-2.5-flash")
        Self.fuzz([Self.messagesSeed], seed: 4, statuses: 400...499) { body throws(GatewayError) in
            let translation = try MessagesTranslator.translation(of: body)
            _ = try OpenAIAdapter().messagesRequest(translation, deployment: openAI, stream: false, call: UpstreamCall())
            _ = try GeminiAdapter().messagesRequest(translation, deployment: gemini, stream: true, call: UpstreamCall())
        }
    }

    static let responsesSeed: JSONValue = [
        "model": "m", "instructions": "s", "max_output_tokens": 100, "temperature": 0.5, "top_p": 1, "parallel_tool_calls": false,
        "reasoning": ["effort": "low", "summary": "auto"], "metadata": ["k": "v"], "store": true, "include": ["reasoning.encrypted_content"],
        "text": ["format": ["type": "json_schema", "name": "o", "schema": ["type": "object"], "strict": true], "verbosity": "medium"],
        "tools": [["type": "function", "name": "f", "parameters": ["type": "object"], "strict": true], ["type": "function", "name": "g"]],
        "tool_choice": ["type": "allowed_tools", "mode": "auto", "tools": [["type": "function", "name": "f"]]],
        "thinking": ["type": "enabled", "budget_tokens": 1024],
        "input": [
            ["role": "developer", "content": "d"],
            [
                "type": "message", "role": "user",
                "content": [
                    ["type": "input_text", "text": "a"], ["type": "input_image", "image_url": "data:image/png;base64,iVBO", "detail": "auto"],
                    ["type": "input_file", "file_data": Self.pdf, "filename": "a.pdf"],
                ],
            ],
            [
                "type": "reasoning", "id": "rs_skiff_1_0", "summary": [["type": "summary_text", "text": "r"]],
                "encrypted_content": .string(
                    ResponsesTranslator.encrypted(thinkingBlocks: [["type": "thinking", "thinking": "r", "signature": "s"]])
                ),
            ],
            ["type": "function_call", "id": "fc_skiff_1_1", "call_id": "c1", "name": "f", "arguments": "{\"a\":1}", "status": "completed"],
            ["type": "function_call_output", "call_id": "c1", "output": [["type": "input_text", "text": "ok"]]],
            ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "x", "annotations": []]]],
        ],
    ]

    @Test func responsesRequestsTranslateOrAreRefused() {
        let deepSeek = Self.deployment(.deepSeek, "deepseek-chat")
        Self.fuzz([Self.responsesSeed], seed: 13, statuses: 400...499) { body throws(GatewayError) in
            if let items = body["input"]?.arrayValue { _ = ResponsesTranslator.nativeInput(items) }
            var chat = try ResponsesTranslator.chatBody(fromResponses: body)
            _ = try OpenAIAdapter().chatRequest(chat, deployment: deepSeek, stream: true, call: UpstreamCall())
            _ = try GeminiAdapter.generateBody(fromOpenAI: chat, model: "gemini-2.5-flash")
            chat["response_format"] = nil  // Claude's structured output is checked by the chat fuzz; reach its messages
            _ = try AnthropicAdapter.messagesBody(fromOpenAI: chat, defaultMaxTokens: 4096)
        }
    }

    static let anthropicAnswer: JSONValue = [
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
        "content": [
            ["type": "thinking", "thinking": "r", "signature": "s"], ["type": "redacted_thinking", "data": "d"], ["type": "text", "text": "hi"],
            ["type": "tool_use", "id": "t", "name": "f", "input": ["a": 1]],
        ],
        "stop_reason": "tool_use", "usage": ["input_tokens": 3, "output_tokens": 4, "cache_read_input_tokens": 1],
    ]

    static let geminiAnswer: JSONValue = [
        "candidates": [
            [
                "content": [
                    "role": "model", "parts": [["text": "r", "thought": true], ["text": "hi"], ["functionCall": ["name": "f", "args": ["a": 1]]]],
                ],
                "finishReason": "STOP", "index": 0,
            ]
        ],
        "usageMetadata": ["promptTokenCount": 3, "candidatesTokenCount": 4, "totalTokenCount": 7],
    ]

    /// A provider's answer, however bent, is read or is an upstream error (a 5xx or the provider's own status).
    @Test func upstreamAnswersAreReadOrRefused() {
        let claude = Self.deployment(.anthropic, "claude")
        let gemini = Self.deployment(.gemini, "gemini-2.5-flash")
        let openAI = Self.deployment(.openAI, "gpt-4o")
        Self.fuzz([Self.anthropicAnswer], seed: 5, statuses: 400...599) { answer throws(GatewayError) in
            let completion = try AnthropicAdapter(defaultMaxTokens: 10).completion(from: Array(answer.serializedString.utf8), deployment: claude)
            _ = MessagesTranslator.message(fromCompletion: completion.body, usage: completion.usage, showingThinking: true)
        }
        Self.fuzz([Self.geminiAnswer], seed: 6, statuses: 400...599) { answer throws(GatewayError) in
            _ = try GeminiAdapter().completion(from: Array(answer.serializedString.utf8), deployment: gemini)
        }
        let openAIAnswer: JSONValue = [
            "id": "c", "object": "chat.completion", "model": "gpt-4o",
            "choices": [["index": 0, "message": ["role": "assistant", "content": "hi"], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3],
        ]
        Self.fuzz([openAIAnswer], seed: 7, statuses: 400...599) { answer throws(GatewayError) in
            _ = try OpenAIAdapter().completion(from: Array(answer.serializedString.utf8), deployment: openAI)
        }
    }

    /// What the fuzzing found: counts near `Int.max` overflowed a sum and stopped the process, and a negative one
    /// would have made the tokens counter go down (a precondition in the metrics backend). Both read as unreported.
    @Test func absurdTokenCountsReadAsUnreported() throws {
        let claude = Self.deployment(.anthropic, "claude")
        var answer = Self.anthropicAnswer
        answer["usage"] = ["input_tokens": .int(Int.max), "output_tokens": 4, "cache_read_input_tokens": .int(Int.max)]
        let usage = try AnthropicAdapter(defaultMaxTokens: 10).completion(from: Array(answer.serializedString.utf8), deployment: claude).usage
        #expect(usage == TokenUsage(promptTokens: 0, completionTokens: 4))
        #expect(TokenUsage(openAI: ["prompt_tokens": -5, "completion_tokens": 2]) == nil)
        #expect(try TokenUsage(openAIBytes: ArraySlice(#"{"prompt_tokens": 9223372036854775807, "completion_tokens": 1}"#.utf8)) == nil)
        let gemini = GeminiAdapter.usage(["promptTokenCount": 3, "candidatesTokenCount": .int(Int.max), "thoughtsTokenCount": .int(Int.max)])
        #expect(gemini == TokenUsage(promptTokens: 3, completionTokens: 0))
        #expect(TokenUsage(promptTokens: 1, cachedTokens: 5).anthropicObject["input_tokens"] == 0)
    }

    /// Bytes bent at random: a byte replaced by one that matters to a JSON scanner, one inserted, a cut, a span doubled.
    static func mutated(bytes seed: [UInt8], _ generator: inout SplitMix) -> [UInt8] {
        let special = Array(#"{}[]",:\ 0-9.eEn\#n"#.utf8) + [0, 0xff, 0xc3]
        var bytes = seed
        for _ in 0..<Int.random(in: 1...3, using: &generator) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[at] = special.randomElement(using: &generator)!
            case 1: bytes.insert(special.randomElement(using: &generator)!, at: at)
            case 2: bytes.removeSubrange(at...)
            default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 16)], at: at)
            }
        }
        return bytes
    }

    /// The byte-level readers of passed-through answers and streams: the structural pass, the usage read where it
    /// lies, the SSE framer. Bent bytes are read or refused; an answer that parses as JSON with `choices` is never
    /// refused by the structural pass (that would turn a good answer into a 502).
    @Test func passedThroughBytesAreReadOrRefused() throws {
        let openAI = Self.deployment(.openAI, "gpt-4o")
        let answer = Array(
            #"{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"h\"i"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":7}}}"#
                .utf8
        )
        let stream = Array(
            #"data: {"choices":[{"delta":{"content":"hi","tool_calls":[]}}]}\#r\#n\#r\#nevent: x\#ndata: [DONE]\#n\#n: ping\#n\#n"#.utf8
        )
        var generator = SplitMix(state: 13)
        var refused = 0
        for _ in 0..<(Self.rounds * 4) {
            let bytes = Self.mutated(bytes: answer, &generator)
            let parsed = try? JSONValue.parse(bytes)
            do {
                _ = try OpenAIAdapter.passthroughUsage(of: bytes, deployment: openAI)
            } catch {
                refused += 1
                #expect(error.status == 502 && !error.message.isEmpty)
                #expect(parsed?["choices"]?.arrayValue == nil, "refused a valid answer: \(String(decoding: bytes, as: UTF8.self))")
            }
            let text = String(decoding: bytes, as: UTF8.self)
            _ = JSONStructure.summarize(text)
            if let choices = JSONStructure.members(["choices"], of: bytes)?["choices"], let elements = JSONStructure.elements(of: choices) {
                for element in elements {
                    guard let delta = JSONStructure.members(["message", "delta"], of: element) else { continue }
                    for value in delta.values { _ = (JSONStructure.isNonEmptyString(value), JSONStructure.isNonEmptyArray(value)) }
                }
            }
            var parser = SSEParser(maxLineBytes: 64)
            let framed = Self.mutated(bytes: stream, &generator)
            let cut = Int.random(in: 0...framed.count, using: &generator)
            _ = try? parser.feed(framed[..<cut])
            _ = try? parser.feed(framed[cut...])
            _ = parser.finish()
        }
        #expect(refused > 0 && refused < Self.rounds * 4, "\(refused) refused")
    }

    static let anthropicStream: JSONValue = [
        ["event": "message_start", "data": ["type": "message_start", "message": ["id": "m", "model": "c", "usage": ["input_tokens": 3]]]],
        [
            "event": "content_block_start",
            "data": ["type": "content_block_start", "index": 0, "content_block": ["type": "thinking", "thinking": "", "signature": ""]],
        ],
        [
            "event": "content_block_delta",
            "data": ["type": "content_block_delta", "index": 0, "delta": ["type": "thinking_delta", "thinking": "r"]],
        ],
        [
            "event": "content_block_delta",
            "data": ["type": "content_block_delta", "index": 0, "delta": ["type": "signature_delta", "signature": "s"]],
        ],
        ["event": "content_block_stop", "data": ["type": "content_block_stop", "index": 0]],
        [
            "event": "content_block_start",
            "data": ["type": "content_block_start", "index": 1, "content_block": ["type": "redacted_thinking", "data": "d"]],
        ],
        ["event": "content_block_start", "data": ["type": "content_block_start", "index": 2, "content_block": ["type": "text", "text": ""]]],
        ["event": "content_block_delta", "data": ["type": "content_block_delta", "index": 2, "delta": ["type": "text_delta", "text": "hi"]]],
        [
            "event": "content_block_start",
            "data": ["type": "content_block_start", "index": 3, "content_block": ["type": "tool_use", "id": "t", "name": "f", "input": [:]]],
        ],
        [
            "event": "content_block_delta",
            "data": ["type": "content_block_delta", "index": 3, "delta": ["type": "input_json_delta", "partial_json": "{\"a\":1}"]],
        ],
        ["event": "message_delta", "data": ["type": "message_delta", "delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 5]]],
        ["event": "message_stop", "data": ["type": "message_stop"]],
    ]

    static let openAIStream: JSONValue = [
        ["data": ["id": "c", "model": "gpt-4o", "choices": [["index": 0, "delta": ["role": "assistant", "content": ""]]]]],
        ["data": ["id": "c", "choices": [["index": 0, "delta": ["content": nil, "reasoning_content": "r"]]]]],
        ["data": ["id": "c", "choices": [["index": 0, "delta": ["content": "hi"]]]]],
        [
            "data": [
                "id": "c",
                "choices": [
                    [
                        "index": 0,
                        "delta": ["tool_calls": [["index": 0, "id": "t", "type": "function", "function": ["name": "f", "arguments": "{}"]]]],
                    ]
                ],
            ]
        ],
        ["data": ["id": "c", "choices": [["index": 0, "delta": [:], "finish_reason": "tool_calls"]]]],
        ["data": ["id": "c", "choices": [], "usage": ["prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3]]],
        ["data": "[DONE]"],
    ]

    static let geminiStream: JSONValue = [
        ["data": ["candidates": [["content": ["role": "model", "parts": [["text": "r", "thought": true]]], "index": 0]]]],
        ["data": ["candidates": [["content": ["role": "model", "parts": [["text": "hi"]]], "index": 0]]]],
        ["data": ["candidates": [["content": ["role": "model", "parts": [["functionCall": ["name": "f", "args": [:]]]]], "index": 0]]]],
        [
            "data": [
                "candidates": [["content": ["role": "model", "parts": [["text": ""]]], "finishReason": "STOP", "index": 0]],
                "usageMetadata": ["promptTokenCount": 3, "candidatesTokenCount": 4],
            ]
        ],
    ]

    static let responsesStream: JSONValue = [
        ["event": "response.created", "data": ["type": "response.created", "sequence_number": 0, "response": ["id": "resp_1", "output": []]]],
        [
            "event": "response.output_text.delta",
            "data": [
                "type": "response.output_text.delta", "sequence_number": 1, "item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "hi",
            ],
        ],
        [
            "event": "response.completed",
            "data": [
                "type": "response.completed", "sequence_number": 2,
                "response": ["id": "resp_1", "usage": ["input_tokens": 3, "output_tokens": 1, "output_tokens_details": ["reasoning_tokens": 0]]],
            ],
        ],
    ]

    /// Plays a bent stream, its events as the parser would hand them over (data serialized, strings as they are).
    static func play(_ stream: JSONValue, _ translator: inout some StreamTranslator) throws(GatewayError) {
        for event in stream.arrayValue ?? [] {
            let data = event["data"].map { $0.stringValue ?? $0.serializedString } ?? ""
            _ = try translator.translate(SSEEvent(event: event["event"]?.stringValue, data: data))
        }
        _ = try translator.finish()
        _ = translator.opening()
    }

    @Test func upstreamStreamsAreTranslatedOrFail() {
        let claude = Self.deployment(.anthropic, "claude")
        let gemini = Self.deployment(.gemini, "gemini-2.5-flash")
        let openAI = Self.deployment(.openAI, "gpt-4o")
        Self.fuzz([Self.anthropicStream], seed: 8, statuses: 400...599) { stream throws(GatewayError) in
            var translator = AnthropicToOpenAIStream(deployment: claude, includeUsage: true)
            try Self.play(stream, &translator)
            var passthrough = AnthropicPassthroughStream(deployment: claude)
            try Self.play(stream, &passthrough)
        }
        Self.fuzz([Self.geminiStream], seed: 9, statuses: 400...599) { stream throws(GatewayError) in
            var translator = OpenAIToAnthropicStream(
                upstream: GeminiToOpenAIStream(deployment: gemini, includeUsage: true),
                model: "gemini-2.5-flash",
                provider: "gemini",
                showingThinking: true
            )
            try Self.play(stream, &translator)
        }
        Self.fuzz([Self.openAIStream], seed: 10, statuses: 400...599) { stream throws(GatewayError) in
            var translator = OpenAIToAnthropicStream(
                upstream: OpenAIAdapter().streamTranslator(deployment: openAI, includeUsage: true),
                model: "gpt-4o",
                provider: "openai",
                showingThinking: true
            )
            try Self.play(stream, &translator)
        }
        // The Responses API's events, made from any provider's chunks and passed through from OpenAI's own.
        Self.fuzz([Self.openAIStream, Self.geminiStream], seed: 14, statuses: 400...599) { stream throws(GatewayError) in
            let upstream: any StreamTranslator =
                stream.arrayValue?.first?["data"]?["candidates"] != nil
                ? GeminiToOpenAIStream(deployment: gemini, includeUsage: true)
                : OpenAIAdapter().streamTranslator(deployment: openAI, includeUsage: true)
            var translator = ChatToResponsesStream(upstream: upstream, request: Self.responsesSeed, model: "m")
            defer { _ = translator.failure(GatewayError(.streamInterrupted, status: 502, message: "x")) }
            try Self.play(stream, &translator)
        }
        Self.fuzz([Self.responsesStream], seed: 15, statuses: 400...599) { stream throws(GatewayError) in
            var passthrough = ResponsesPassthroughStream(deployment: openAI)
            try Self.play(stream, &passthrough)
        }
    }
}
