import Foundation

/// The other direction, for `/v1/messages`: an Anthropic Messages request as an OpenAI chat request (to reach a
/// non-Anthropic model), and the OpenAI answer back as an Anthropic message.
enum MessagesTranslator {
    static func openAIBody(fromMessages body: JSONValue) throws(GatewayError) -> JSONValue {
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw GatewayError.invalid("messages: Field required")
        }
        var out: [JSONValue] = []
        switch body["system"] {
        case .string(let text): out.append(["role": "system", "content": .string(text)])
        case .array(let blocks):
            let text = blocks.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
            if !text.isEmpty { out.append(["role": "system", "content": .string(text)]) }
        default: break
        }
        for (index, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            guard role == "user" || role == "assistant" else {
                throw GatewayError.invalid("messages.\(index).role: Input should be 'user' or 'assistant'")
            }
            guard case .array(let blocks) = message["content"] ?? .null else {
                out.append(["role": .string(role), "content": message["content"]?.stringValue.map(JSONValue.string) ?? ""])
                continue
            }
            var parts: [JSONValue] = []
            var calls: [JSONValue] = []
            var results: [JSONValue] = []
            for block in blocks {
                switch block["type"]?.stringValue {
                case "text":
                    parts.append(["type": "text", "text": block["text"] ?? ""])
                case "image":
                    let source = block["source"]
                    let url: String
                    if source?["type"]?.stringValue == "base64" {
                        url = "data:\(source?["media_type"]?.stringValue ?? "image/png");base64,\(source?["data"]?.stringValue ?? "")"
                    } else {
                        url = source?["url"]?.stringValue ?? ""
                    }
                    parts.append(["type": "image_url", "image_url": ["url": .string(url)]])
                case "tool_use":
                    calls.append([
                        "id": block["id"] ?? "", "type": "function",
                        "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? [:]).serializedString)],
                    ])
                case "document":
                    parts.append(try Self.filePart(block, at: index))
                case "tool_result":
                    let content: String
                    switch block["content"] {
                    case .string(let text)?: content = text
                    case .array(let items)?: content = items.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
                    default: content = ""
                    }
                    results.append(["role": "tool", "tool_call_id": block["tool_use_id"] ?? "", "content": .string(content)])
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
        var request: [String: JSONValue] = ["model": body["model"] ?? "", "messages": .array(out)]
        if let maxTokens = body["max_tokens"] { request["max_tokens"] = maxTokens }
        if let topK = body["top_k"], topK != .null {
            throw GatewayError.invalid("top_k: not supported for non-Anthropic models", code: "unsupported_parameter")
        }
        for key in ["temperature", "top_p", "stream"] {
            if let value = body[key], value != .null { request[key] = value }
        }
        if let stops = body["stop_sequences"]?.arrayValue, !stops.isEmpty { request["stop"] = .array(stops) }
        if let user = body["metadata"]?["user_id"] { request["user"] = user }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty {
            request["tools"] = .array(
                tools.map { tool in
                    var function: [String: JSONValue] = ["name": tool["name"] ?? "", "parameters": tool["input_schema"] ?? ["type": "object"]]
                    if let description = tool["description"] { function["description"] = description }
                    return ["type": "function", "function": .object(function)]
                }
            )
        }
        if let choice = body["tool_choice"] {
            switch choice["type"]?.stringValue {
            case "auto": request["tool_choice"] = "auto"
            case "any": request["tool_choice"] = "required"
            case "none": request["tool_choice"] = "none"
            case "tool": request["tool_choice"] = ["type": "function", "function": ["name": choice["name"] ?? ""]]
            default: break
            }
            if choice["disable_parallel_tool_use"]?.boolValue == true { request["parallel_tool_calls"] = false }
        }
        return .object(request)
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

    /// An OpenAI `chat.completion` as an Anthropic `message`.
    static func message(fromCompletion completion: JSONValue, usage: TokenUsage?) -> JSONValue {
        let choice = completion["choices"]?.arrayValue?.first
        let message = choice?["message"]
        var content: [JSONValue] = []
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
