import Foundation
import HTTPClient

/// Anthropic's Messages API behind OpenAI's chat completions: system messages move to `system`, tool calls and
/// results become `tool_use` / `tool_result` blocks, and answers, stop reasons and usage come back in OpenAI's terms.
struct AnthropicAdapter: ProviderAdapter {
    /// Anthropic requires `max_tokens`; OpenAI clients often leave it out.
    let defaultMaxTokens: Int

    func chatRequest(_ body: JSONValue, deployment: Deployment, stream: Bool, call: UpstreamCall) throws(GatewayError) -> HTTPRequest {
        var upstream = try Self.messagesBody(fromOpenAI: body, defaultMaxTokens: self.defaultMaxTokens)
        upstream["model"] = .string(deployment.model)
        upstream["stream"] = stream ? true : nil
        return Self.request(upstream, deployment: deployment, call: call, clientHeaders: [])
    }

    /// `POST base/v1/messages` with the key and version headers. `clientHeaders` carries an Anthropic client's
    /// own `anthropic-version` and `anthropic-beta`, which win over the configured version.
    static func request(
        _ body: JSONValue,
        deployment: Deployment,
        call: UpstreamCall,
        clientHeaders: [(name: String, value: String)],
        path: String = "/v1/messages"
    ) -> HTTPRequest {
        let provider = deployment.provider
        var headers: [(name: String, value: String)] = [(name: "x-api-key", value: provider.apiKey.value)]
        let version = clientHeaders.first { $0.name.lowercased() == "anthropic-version" }?.value ?? provider.apiVersion ?? "2023-06-01"
        headers.append((name: "anthropic-version", value: version))
        if let beta = clientHeaders.first(where: { $0.name.lowercased() == "anthropic-beta" }) {
            headers.append((name: "anthropic-beta", value: beta.value))
        }
        return call.request(url: provider.baseURL + path, headers: headers, body: body)
    }

    func completion(from body: [UInt8], deployment: Deployment) throws(GatewayError) -> ChatCompletion {
        let message = try Self.message(from: body, deployment: deployment)
        let usage = Self.usage(message["usage"])
        var toolCalls: [JSONValue] = []
        var text = ""
        var reasoning: [String] = []
        var thinkingBlocks: [JSONValue] = []
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "thinking", "redacted_thinking":
                if let thinking = block["thinking"]?.stringValue, !thinking.isEmpty { reasoning.append(thinking) }
                thinkingBlocks.append(block)
            case "tool_use":
                toolCalls.append([
                    "id": block["id"] ?? "",
                    "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? [:]).serializedString)],
                ])
            default: break  // server tool blocks have no OpenAI counterpart
            }
        }
        var assistant: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
        if !reasoning.isEmpty { assistant["reasoning_content"] = .string(reasoning.joined(separator: Self.thinkingSeparator)) }
        if !thinkingBlocks.isEmpty { assistant["thinking_blocks"] = .array(thinkingBlocks) }
        if !toolCalls.isEmpty { assistant["tool_calls"] = .array(toolCalls) }
        let response: JSONValue = [
            "id": message["id"] ?? "",
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": message["model"] ?? .string(deployment.model),
            "choices": [
                [
                    "index": 0, "message": .object(assistant), "logprobs": nil,
                    "finish_reason": .string(Self.finishReason(message["stop_reason"]?.stringValue)),
                ]
            ],
            "usage": usage?.openAIObject ?? .null,
        ]
        return ChatCompletion(body: response, usage: usage)
    }

    func streamTranslator(deployment: Deployment, includeUsage: Bool) -> any StreamTranslator {
        AnthropicToOpenAIStream(deployment: deployment, includeUsage: includeUsage)
    }

    /// Between the texts of two thinking blocks in `reasoning_content` (the model thought again after a tool call).
    static let thinkingSeparator = "\n\n"

    /// Parses and checks a Messages answer.
    static func message(from body: [UInt8], deployment: Deployment) throws(GatewayError) -> JSONValue {
        let message: JSONValue
        do {
            message = try JSONValue.parse(body)
        } catch {
            throw UpstreamErrors.badResponse(error.message, deployment: deployment)
        }
        guard message["type"]?.stringValue == "message", message["content"]?.arrayValue != nil else {
            throw UpstreamErrors.badResponse("the answer is not a message", deployment: deployment)
        }
        return message
    }

    /// Anthropic counts cached prompt tokens apart; OpenAI's prompt_tokens includes them.
    static func usage(_ usage: JSONValue?) -> TokenUsage? {
        var counts = AnthropicUsage()
        counts.update(usage)
        return counts.tokenUsage
    }

    static func finishReason(_ stopReason: String?) -> String {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": return "length"
        case "tool_use": return "tool_calls"
        case "refusal": return "content_filter"
        default: return "stop"  // end_turn, stop_sequence, pause_turn
        }
    }

    // MARK: OpenAI request → Messages request

    /// Every OpenAI request field and what becomes of it on the way to Anthropic; any other is a 400.
    static let fields = RequestFields(
        style: .openAI,
        models: "Anthropic",
        policies: [
            "model": .translated, "messages": .translated, "max_completion_tokens": .translated, "max_tokens": .translated,
            "temperature": .translated, "top_p": .translated, "top_k": .translated, "stop": .translated, "stream": .translated,
            "stream_options": .translated, "user": .translated, "response_format": .translated, "reasoning_effort": .translated,
            "tools": .translated, "tool_choice": .translated, "parallel_tool_calls": .translated, "n": .translated,
            "thinking": .translated,
            // No counterpart, and none needed: OpenAI calls seed best effort too.
            "seed": .ignored, "store": .ignored, "metadata": .ignored, "service_tier": .ignored, "safety_identifier": .ignored,
            // OpenAI's caching options: Anthropic caches only where marked, and each breakpoint's mark lives 1 hour.
            "prompt_cache_key": .ignored, "prompt_cache_retention": .ignored, "prompt_cache_options": .ignored,
            // OpenAI's moderation of the prompt and the answer, which an Anthropic model's answer cannot carry.
            "moderation": .unsupported(),
            "logprobs": .unsupported(), "top_logprobs": .unsupported(), "logit_bias": .unsupported(), "presence_penalty": .unsupported(),
            "frequency_penalty": .unsupported(), "audio": .unsupported(), "prediction": .unsupported(),
            "modalities": .unsupported(neutral: [["text"]]), "verbosity": .unsupported(neutral: ["medium"]),
            "web_search_options": .unsupported(),
            "functions": .unsupported(because: RequestFields.legacyFunctions),
            "function_call": .unsupported(because: RequestFields.legacyFunctions),
        ]
    )

    static func messagesBody(fromOpenAI body: JSONValue, defaultMaxTokens: Int) throws(GatewayError) -> JSONValue {
        let fields = Self.fields
        try fields.check(body)
        let messages = try fields.messages(body)
        try fields.checkStreaming(body)
        if let count = try fields.int(body["n"], "n", minimum: 1), count > 1 {
            throw GatewayError.invalid("n: Anthropic models return one choice; n > 1 is not supported", code: "unsupported_parameter")
        }
        var breakpoints = PromptCacheBreakpoints(messages: messages)
        var system: [JSONValue] = []
        var turns: [(role: String, blocks: [JSONValue])] = []
        func append(_ role: String, _ blocks: [JSONValue]) {
            guard !blocks.isEmpty else { return }
            // Anthropic wants user and assistant turns; consecutive ones of a role merge (parallel tool results).
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        for (index, (role, message)) in messages.enumerated() {
            switch role {
            case "system", "developer":
                system += try Self.textBlocks(message["content"], at: index, breakpoints: &breakpoints)
            case "user":
                append("user", try Self.contentBlocks(message["content"], at: index, breakpoints: &breakpoints))
            case "assistant":
                // The model's earlier reasoning first, as it answered; Anthropic checks each block's signature.
                var blocks = try Self.thinkingBlocks(message["thinking_blocks"], at: index)
                blocks += try Self.contentBlocks(message["content"] ?? .null, at: index, breakpoints: &breakpoints)
                let calls = try fields.array(message["tool_calls"], "messages[\(index)].tool_calls") ?? []
                for (position, call) in calls.enumerated() {
                    let (id, name, input) = try fields.toolCall(call, "messages[\(index)].tool_calls[\(position)]")
                    blocks.append(["type": "tool_use", "id": .string(id ?? ""), "name": .string(name), "input": input])
                }
                append("assistant", blocks)
            case "tool", "function":
                let id = try fields.string(message["tool_call_id"], "messages[\(index)].tool_call_id") ?? ""
                // Parts stay blocks: Anthropic's tool results take images and documents too, and keep `cache_control`.
                let content: JSONValue =
                    switch message["content"] {
                    case .array?: .array(try Self.contentBlocks(message["content"], at: index, breakpoints: &breakpoints))
                    default: .string(try fields.string(message["content"], "messages[\(index)].content") ?? "")
                    }
                append("user", [["type": "tool_result", "tool_use_id": .string(id), "content": content]])
            default:
                throw GatewayError.invalid("messages[\(index)].role: \"\(role)\" is not one of system, developer, user, assistant, tool")
            }
        }
        var out: [String: JSONValue] = [
            "messages": .array(turns.map { ["role": .string($0.role), "content": .array($0.blocks)] })
        ]
        if !system.isEmpty { out["system"] = .array(system) }
        out["max_tokens"] = .int(try fields.maxTokens(body) ?? defaultMaxTokens)
        out["temperature"] = try fields.number(body["temperature"], "temperature")
        out["top_p"] = try fields.number(body["top_p"], "top_p")
        out["top_k"] = try fields.int(body["top_k"], "top_k", minimum: 1).map(JSONValue.int)
        out["stop_sequences"] = try fields.stopSequences(body).map(JSONValue.array)
        if let user = try fields.string(body["user"], "user") { out["metadata"] = ["user_id": .string(user)] }
        out["thinking"] = try fields.thinking(body)?.object
        var outputConfig: [String: JSONValue] = [:]
        switch try fields.responseFormat(body) {
        case .jsonSchema(let schema)?:
            guard let schema else {
                throw GatewayError.invalid("response_format.json_schema.schema: an object is required", code: "invalid_response_format")
            }
            outputConfig["format"] = ["type": "json_schema", "schema": schema]
        case .jsonObject?:
            throw GatewayError.invalid(
                "response_format: json_object is not supported for Anthropic models; use json_schema with a schema",
                code: "unsupported_parameter"
            )
        case .text?, nil: break
        }
        if let effort = try fields.reasoningEffort(body) {
            // Anthropic's effort levels; OpenAI's lowest two have no lower counterpart than "low".
            outputConfig["effort"] = .string(["none": "low", "minimal": "low"][effort] ?? effort)
        }
        if !outputConfig.isEmpty { out["output_config"] = .object(outputConfig) }
        let functions = try fields.functions(body)
        if !functions.isEmpty {
            out["tools"] = .array(
                functions.map { function in
                    var converted: [String: JSONValue] = [
                        "name": .string(function.name), "input_schema": function.parameters ?? ["type": "object", "properties": [:]],
                    ]
                    if let description = function.description { converted["description"] = .string(description) }
                    converted["cache_control"] = function.cacheControl
                    converted["strict"] = function.strict.map(JSONValue.bool)
                    return .object(converted)
                }
            )
        }
        var toolChoice: JSONValue?
        switch try fields.toolChoice(body) {
        case .auto?: toolChoice = ["type": "auto"]
        case .required?: toolChoice = ["type": "any"]
        case .noTool?: toolChoice = ["type": "none"]
        case .function(let name)?: toolChoice = ["type": "tool", "name": .string(name)]
        case nil: break
        }
        let parallel = try fields.bool(body["parallel_tool_calls"], "parallel_tool_calls")
        if parallel == false, out["tools"] != nil, toolChoice?["type"]?.stringValue != "none" {
            var choice = toolChoice?.objectValue ?? ["type": "auto"]
            choice["disable_parallel_tool_use"] = true
            toolChoice = .object(choice)
        }
        if let toolChoice { out["tool_choice"] = toolChoice }
        return .object(out)
    }

    /// OpenAI content (a string or parts) as Anthropic content blocks. A part's `cache_control` (as LiteLLM clients
    /// set it) goes along with its block as sent; an OpenAI `prompt_cache_breakpoint` becomes one where it has none.
    static func contentBlocks(
        _ content: JSONValue?,
        at index: Int,
        breakpoints: inout PromptCacheBreakpoints
    ) throws(GatewayError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        for (position, marked) in try Self.fields.contentParts(content, at: index).enumerated() {
            let path = "messages[\(index)].content[\(position)]"
            var block: JSONValue
            switch marked.part {
            case .text(let text): block = ["type": "text", "text": .string(text)]
            case .image(let url): block = ["type": "image", "source": Self.imageSource(url)]
            case .file(let data, let filename): block = try Self.documentBlock(data, filename: filename, at: path)
            }
            // Taken even where the part's own mark wins, so the count of the latest four stays in step.
            let breakpoint = marked.breakpoint ? breakpoints.next() : nil
            block["cache_control"] = try Self.fields.object(marked.cacheControl, "\(path).cache_control").map(JSONValue.object) ?? breakpoint
            blocks.append(block)
        }
        return blocks
    }

    /// An assistant message's `thinking_blocks`, as an answer gave them (LiteLLM's name): each `thinking` block with
    /// its text and signature, each `redacted_thinking` block with its data, so Anthropic can check them.
    static func thinkingBlocks(_ value: JSONValue?, at index: Int) throws(GatewayError) -> [JSONValue] {
        let fields = Self.fields
        var blocks: [JSONValue] = []
        for (position, block) in (try fields.array(value, "messages[\(index)].thinking_blocks") ?? []).enumerated() {
            let path = "messages[\(index)].thinking_blocks[\(position)]"
            guard block.objectValue != nil else { throw fields.mismatch(path, .object) }
            let type = try fields.required(fields.choice(block["type"], "\(path).type", ["thinking", "redacted_thinking"]), "\(path).type")
            var kept: [String: JSONValue] = ["type": .string(type)]
            for key in type == "thinking" ? ["thinking", "signature"] : ["data"] {
                kept[key] = .string(try fields.required(fields.string(block[key], "\(path).\(key)"), "\(path).\(key)"))
            }
            blocks.append(.object(kept))
        }
        return blocks
    }

    /// A `file` part as a `document` block: a PDF as base64, plain text as text, its filename the title.
    static func documentBlock(_ data: DataURL, filename: String?, at path: String) throws(GatewayError) -> JSONValue {
        var block: [String: JSONValue] = ["type": "document"]
        switch data.mediaType {
        case "application/pdf":
            block["source"] = ["type": "base64", "media_type": "application/pdf", "data": .string(data.base64)]
        case "text/plain":
            guard let text = data.text else {
                throw GatewayError.invalid("\(path).file.file_data: not base64-encoded UTF-8 text", code: "invalid_value")
            }
            block["source"] = ["type": "text", "media_type": "text/plain", "data": .string(text)]
        default:
            throw GatewayError.invalid(
                "\(path).file: \(data.mediaType) files are not supported for Anthropic models (PDF and plain text are)",
                code: "unsupported_content"
            )
        }
        block["title"] = filename.map(JSONValue.string)
        return .object(block)
    }

    /// A system message's blocks: Anthropic's `system` takes text only, so another part is a 400, not lost.
    static func textBlocks(
        _ content: JSONValue?,
        at index: Int,
        breakpoints: inout PromptCacheBreakpoints
    ) throws(GatewayError) -> [JSONValue] {
        let blocks = try Self.contentBlocks(content, at: index, breakpoints: &breakpoints)
        if let position = blocks.firstIndex(where: { $0["type"]?.stringValue != "text" }) {
            throw GatewayError.invalid(
                "messages[\(index)].content[\(position)].type: a system message takes text parts only for Anthropic models",
                code: "unsupported_content"
            )
        }
        return blocks
    }

    static func imageSource(_ url: String) -> JSONValue {
        if let data = DataURL(url) {
            return ["type": "base64", "media_type": .string(data.mediaType), "data": .string(data.base64)]
        }
        return ["type": "url", "url": .string(url)]
    }
}
