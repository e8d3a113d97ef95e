import Foundation

/// A `/v1/messages` request in OpenAI's chat terms, with what those terms cannot say kept beside them for the
/// adapters that can (Gemini takes a thinking budget as it is, and marks a failed tool result as one).
struct MessagesTranslation: Sendable {
    /// The OpenAI chat request; it may carry `top_k`, which Gemini's adapter takes and OpenAI's format has not.
    var body: JSONValue
    /// Anthropic's `thinking`: Gemini takes a budget as it is, and a reasoning model's text comes back as thinking
    /// blocks only when it is shown, as Anthropic's own models return them.
    var thinking: Thinking?
    /// The `tool_use_id`s whose `tool_result` came with `is_error: true`.
    var failedCalls: Set<String> = []

    /// The request as an OpenAI-format API takes it: a thinking budget as `reasoning_effort` (unless an effort was
    /// given), as Gemini's effort levels are budgets (low 1,024, medium 8,192 tokens); a failed tool result's text
    /// marked "Error: " (a tool message has no flag for it); `top_k` refused.
    func openAIRequest() throws(GatewayError) -> JSONValue {
        var request = self.body
        if request["top_k"] != nil {
            throw GatewayError.invalid("top_k: not supported for OpenAI-format models", code: "unsupported_parameter")
        }
        if case .enabled(let budget)? = self.thinking?.mode, request["reasoning_effort"] == nil {
            request["reasoning_effort"] = .string(budget <= 1024 ? "low" : budget <= 8192 ? "medium" : "high")
        }
        if !self.failedCalls.isEmpty, var messages = request["messages"]?.arrayValue {
            for index in messages.indices where messages[index]["role"] == "tool" {
                guard let id = messages[index]["tool_call_id"]?.stringValue, self.failedCalls.contains(id) else { continue }
                messages[index]["content"] = .string("Error: " + (messages[index]["content"]?.stringValue ?? ""))
            }
            request["messages"] = .array(messages)
        }
        return request
    }
}

/// The other direction, for `/v1/messages`: an Anthropic Messages request as an OpenAI chat request (to reach a
/// non-Anthropic model), and the OpenAI answer back as an Anthropic message.
enum MessagesTranslator {
    /// Every Messages request field and what becomes of it on the way to another provider; any other is a 400, as
    /// Anthropic's own API answers.
    static let fields = RequestFields(
        style: .anthropic,
        models: "non-Anthropic",
        policies: [
            "model": .translated, "messages": .translated, "max_tokens": .translated, "system": .translated, "temperature": .translated,
            "top_p": .translated, "top_k": .translated, "stop_sequences": .translated, "stream": .translated, "metadata": .translated,
            "tools": .translated, "tool_choice": .translated, "thinking": .translated, "output_config": .translated,
            "output_format": .translated,
            // How Anthropic serves, bills and explains a request, with no effect on the answer and no place elsewhere.
            "service_tier": .ignored, "speed": .ignored, "cache_control": .ignored, "diagnostics": .ignored, "workspace_id": .ignored,
            "user_profile_id": .ignored,
            "container": .unsupported(), "mcp_servers": .unsupported(), "context_management": .unsupported(),
            "inference_geo": .unsupported(),
        ]
    )

    /// The translation as OpenAI's format takes it (Gemini's adapter takes the `MessagesTranslation` itself).
    static func openAIBody(fromMessages body: JSONValue) throws(GatewayError) -> JSONValue {
        try self.translation(of: body).openAIRequest()
    }

    static func translation(of body: JSONValue) throws(GatewayError) -> MessagesTranslation {
        let fields = Self.fields
        try fields.check(body)
        guard let messages = try fields.array(body["messages"], "messages"), !messages.isEmpty else {
            throw GatewayError.invalid("messages: Field required")
        }
        let maxTokens = try fields.required(fields.int(body["max_tokens"], "max_tokens", minimum: 1), "max_tokens")
        var out: [JSONValue] = []
        switch body["system"] {
        case nil, .null?: break
        case .string(let text)?: out.append(["role": "system", "content": .string(text)])
        case .array(let blocks)?:
            var texts: [String] = []
            for (index, block) in blocks.enumerated() {
                guard block["type"]?.stringValue == "text", let text = block["text"]?.stringValue else {
                    throw GatewayError.invalid("system.\(index): Input should be a text block", code: "invalid_type")
                }
                texts.append(text)
            }
            let text = texts.joined(separator: "\n")
            if !text.isEmpty { out.append(["role": "system", "content": .string(text)]) }
        default:
            throw GatewayError.invalid("system: Input should be a valid string or a list of text blocks", code: "invalid_type")
        }
        var failedCalls: Set<String> = []
        for (index, message) in messages.enumerated() {
            guard message.objectValue != nil else { throw fields.mismatch("messages.\(index)", .object) }
            let role = message["role"]?.stringValue ?? ""
            guard role == "user" || role == "assistant" else {
                throw GatewayError.invalid("messages.\(index).role: Input should be 'user' or 'assistant'")
            }
            let blocks: [JSONValue]
            switch message["content"] {
            case .string(let text)?:
                out.append(["role": .string(role), "content": .string(text)])
                continue
            case .array(let items)?: blocks = items
            default:
                throw GatewayError.invalid(
                    "messages.\(index).content: Input should be a valid string or a list of content blocks",
                    code: "invalid_type"
                )
            }
            var parts: [JSONValue] = []
            var calls: [JSONValue] = []
            var results: [JSONValue] = []
            for (position, block) in blocks.enumerated() {
                let path = "messages.\(index).content.\(position)"
                switch block["type"]?.stringValue {
                case "text":
                    parts.append(["type": "text", "text": .string(try fields.required(fields.string(block["text"], "\(path).text"), "\(path).text"))])
                case "image":
                    parts.append(["type": "image_url", "image_url": ["url": .string(try Self.imageURL(block["source"], at: path))]])
                case "tool_use":
                    let input = try fields.object(block["input"], "\(path).input") ?? [:]
                    calls.append([
                        "id": .string(try fields.string(block["id"], "\(path).id") ?? ""), "type": "function",
                        "function": [
                            "name": .string(try fields.string(block["name"], "\(path).name") ?? ""),
                            "arguments": .string(JSONValue.object(input).serializedString),
                        ],
                    ])
                case "document":
                    parts.append(try Self.filePart(block, at: index))
                case "tool_result":
                    let id = try fields.string(block["tool_use_id"], "\(path).tool_use_id") ?? ""
                    if try fields.bool(block["is_error"], "\(path).is_error") == true { failedCalls.insert(id) }
                    // OpenAI's tool messages are text: an image or a document inside the result has no place there.
                    let content = try fields.textContent(block["content"], "\(path).content") { type in
                        "\(type) blocks inside a tool_result are not supported for non-Anthropic models (their tool results are text)"
                    }
                    results.append(["role": "tool", "tool_call_id": .string(id), "content": .string(content)])
                case "thinking", "redacted_thinking":
                    break  // a model's earlier reasoning is Anthropic's own; other providers neither take nor need it
                default:
                    throw GatewayError.invalid(
                        "messages.\(index).content: block type \"\(block["type"]?.stringValue ?? "?")\" is not supported for non-Anthropic models",
                        code: "unsupported_content"
                    )
                }
            }
            out += results
            if role == "assistant" {
                let text = parts.compactMap { $0["text"]?.stringValue }.joined()
                var assistant: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty ? .null : .string(text)]
                if !calls.isEmpty { assistant["tool_calls"] = .array(calls) }
                out.append(.object(assistant))
            } else if !parts.isEmpty {
                let onlyText = parts.allSatisfy { $0["type"]?.stringValue == "text" }
                let content: JSONValue = onlyText ? .string(parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")) : .array(parts)
                out.append(["role": "user", "content": content])
            }
        }
        var request: [String: JSONValue] = ["model": body["model"] ?? "", "messages": .array(out), "max_tokens": .int(maxTokens)]
        request["top_k"] = try fields.int(body["top_k"], "top_k", minimum: 1).map(JSONValue.int)
        request["temperature"] = try fields.number(body["temperature"], "temperature")
        request["top_p"] = try fields.number(body["top_p"], "top_p")
        request["stream"] = try fields.bool(body["stream"], "stream").map(JSONValue.bool)
        let stops = try fields.array(body["stop_sequences"], "stop_sequences") ?? []
        for (index, stop) in stops.enumerated() where stop.stringValue == nil { throw fields.mismatch("stop_sequences.\(index)", .string) }
        if !stops.isEmpty { request["stop"] = .array(stops) }
        let metadata = try fields.object(body["metadata"], "metadata")
        if let user = try fields.string(metadata?["user_id"], "metadata.user_id") { request["user"] = .string(user) }
        let tools = try Self.tools(body)
        if !tools.isEmpty { request["tools"] = .array(tools) }
        if let choice = try fields.object(body["tool_choice"], "tool_choice") {
            let type = try fields.choice(choice["type"], "tool_choice.type", ["auto", "any", "tool", "none"])
            switch try fields.required(type, "tool_choice.type") {
            case "auto": request["tool_choice"] = "auto"
            case "any": request["tool_choice"] = "required"
            case "none": request["tool_choice"] = "none"
            default:
                let name = try fields.required(fields.string(choice["name"], "tool_choice.name"), "tool_choice.name")
                request["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
            }
            if try fields.bool(choice["disable_parallel_tool_use"], "tool_choice.disable_parallel_tool_use") == true {
                request["parallel_tool_calls"] = false
            }
        }
        let outputConfig = try fields.object(body["output_config"], "output_config") ?? [:]
        for key in outputConfig.keys.sorted() where key != "format" && key != "effort" {
            throw GatewayError.invalid("output_config.\(key): Extra inputs are not permitted", code: "unknown_parameter")
        }
        if let effort = try fields.choice(outputConfig["effort"], "output_config.effort", ["low", "medium", "high", "max"]) {
            request["reasoning_effort"] = .string(effort == "max" ? "high" : effort)
        }
        // `output_format` is the structured-outputs beta's name for the same thing.
        let formatPath = outputConfig["format"] != nil ? "output_config.format" : "output_format"
        if let format = try fields.object(outputConfig["format"] ?? body["output_format"], formatPath) {
            _ = try fields.required(fields.choice(format["type"], "\(formatPath).type", ["json_schema"]), "\(formatPath).type")
            let schema = try fields.required(fields.object(format["schema"], "\(formatPath).schema"), "\(formatPath).schema")
            // Anthropic's structured outputs always follow the schema, as OpenAI's strict mode does.
            request["response_format"] = ["type": "json_schema", "json_schema": ["name": "output", "schema": .object(schema), "strict": true]]
        }
        return MessagesTranslation(body: .object(request), thinking: try fields.thinking(body), failedCalls: failedCalls)
    }

    /// Client tools as OpenAI function tools; Anthropic's server tools (web search, code execution…) have none.
    static func tools(_ body: JSONValue) throws(GatewayError) -> [JSONValue] {
        let fields = Self.fields
        var tools: [JSONValue] = []
        for (index, tool) in (try fields.array(body["tools"], "tools") ?? []).enumerated() {
            let path = "tools.\(index)"
            guard tool.objectValue != nil else { throw fields.mismatch(path, .object) }
            if let type = try fields.string(tool["type"], "\(path).type"), type != "custom" {
                throw GatewayError.invalid("\(path).type: \"\(type)\" is not supported for non-Anthropic models", code: "unsupported_parameter")
            }
            let name = try fields.required(fields.string(tool["name"], "\(path).name"), "\(path).name")
            let schema = try fields.required(fields.object(tool["input_schema"], "\(path).input_schema"), "\(path).input_schema")
            var function: [String: JSONValue] = ["name": .string(name), "parameters": .object(schema)]
            if let description = try fields.string(tool["description"], "\(path).description") { function["description"] = .string(description) }
            // Strict tool use is OpenAI's strict function calling; Gemini's adapter has no counterpart and drops it.
            function["strict"] = try fields.bool(tool["strict"], "\(path).strict").map(JSONValue.bool)
            tools.append(["type": "function", "function": .object(function)])
        }
        return tools
    }

    /// An `image` block's source as the URL OpenAI's `image_url` part takes (base64 as a data URL).
    static func imageURL(_ source: JSONValue?, at path: String) throws(GatewayError) -> String {
        switch source?["type"]?.stringValue {
        case "base64":
            return "data:\(source?["media_type"]?.stringValue ?? "image/png");base64,\(source?["data"]?.stringValue ?? "")"
        case "url":
            return source?["url"]?.stringValue ?? ""
        default:
            throw GatewayError.invalid(
                "\(path): an image from \"\(source?["type"]?.stringValue ?? "?")\" is not supported for non-Anthropic models; send it as base64 or a URL",
                code: "unsupported_content"
            )
        }
    }

    /// A translated request as one provider takes it: OpenAI's own API wants `max_completion_tokens` (its reasoning
    /// models refuse `max_tokens`); DeepSeek, xAI and Azure AI Inference keep `max_tokens`.
    static func fitted(_ request: JSONValue, to kind: ProviderKind) -> JSONValue {
        guard kind == .openAI, let maxTokens = request["max_tokens"] else { return request }
        var fitted = request
        fitted["max_tokens"] = nil
        fitted["max_completion_tokens"] = maxTokens
        return fitted
    }

    /// A `document` block as OpenAI's `file` part: a base64 PDF as a data URL, plain text as text.
    static func filePart(_ block: JSONValue, at index: Int) throws(GatewayError) -> JSONValue {
        let source = block["source"]
        switch source?["type"]?.stringValue {
        case "base64":
            let mediaType = source?["media_type"]?.stringValue ?? "application/pdf"
            var file: [String: JSONValue] = ["file_data": .string("data:\(mediaType);base64,\(source?["data"]?.stringValue ?? "")")]
            file["filename"] = block["title"]?.stringValue.map(JSONValue.string) ?? "document.pdf"
            return ["type": "file", "file": .object(file)]
        case "text":
            return ["type": "text", "text": source?["data"] ?? ""]
        default:
            throw GatewayError.invalid(
                "messages.\(index).content: a document from \"\(source?["type"]?.stringValue ?? "?")\" is not supported for non-Anthropic models; send it as base64 or text",
                code: "unsupported_content"
            )
        }
    }

    /// An OpenAI `chat.completion` as an Anthropic `message`; its `reasoning_content` as a thinking block (without a
    /// signature, which only Anthropic's models give) when the client asked to see the reasoning.
    static func message(fromCompletion completion: JSONValue, usage: TokenUsage?, showingThinking: Bool) -> JSONValue {
        let choice = completion["choices"]?.arrayValue?.first
        let message = choice?["message"]
        var content: [JSONValue] = []
        if showingThinking, let reasoning = message?["reasoning_content"]?.stringValue, !reasoning.isEmpty {
            content.append(["type": "thinking", "thinking": .string(reasoning), "signature": ""])
        }
        if let text = message?["content"]?.stringValue, !text.isEmpty {
            content.append(["type": "text", "text": .string(text)])
        }
        for call in message?["tool_calls"]?.arrayValue ?? [] {
            let arguments = call["function"]?["arguments"]?.stringValue ?? "{}"
            let input = (try? JSONValue.parse(arguments.isEmpty ? "{}" : arguments)) ?? [:]
            content.append(["type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "", "input": input])
        }
        let id = completion["id"]?.stringValue ?? "skiff"
        return [
            "id": .string(id.hasPrefix("msg_") ? id : "msg_" + id),
            "type": "message",
            "role": "assistant",
            "model": completion["model"] ?? "",
            "content": .array(content),
            "stop_reason": .string(Self.stopReason(choice?["finish_reason"]?.stringValue)),
            "stop_sequence": nil,
            "usage": (usage ?? TokenUsage()).anthropicObject,
        ]
    }

    static func stopReason(_ finishReason: String?) -> String {
        switch finishReason {
        case "length": return "max_tokens"
        case "tool_calls", "function_call": return "tool_use"
        case "content_filter": return "refusal"
        default: return "end_turn"
        }
    }
}
