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
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text": text += block["text"]?.stringValue ?? ""
            case "tool_use":
                toolCalls.append([
                    "id": block["id"] ?? "",
                    "type": "function",
                    "function": ["name": block["name"] ?? "", "arguments": .string((block["input"] ?? [:]).serializedString)],
                ])
            default: break  // thinking and server tool blocks have no OpenAI counterpart
            }
        }
        var assistant: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty && !toolCalls.isEmpty ? .null : .string(text)]
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

    static func messagesBody(fromOpenAI body: JSONValue, defaultMaxTokens: Int) throws(GatewayError) -> JSONValue {
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw GatewayError.invalid("messages: a non-empty array is required", code: "invalid_messages")
        }
        if let count = body["n"]?.intValue, count > 1 {
            throw GatewayError.invalid("n: Anthropic models return one choice; n > 1 is not supported", code: "unsupported_parameter")
        }
        try UnsupportedParameters.check(
            body,
            ["logprobs", "top_logprobs", "logit_bias", "presence_penalty", "frequency_penalty", "audio", "prediction"],
            models: "Anthropic"
        )
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
        for (index, message) in messages.enumerated() {
            let role = message["role"]?.stringValue ?? ""
            switch role {
            case "system", "developer":
                system += try Self.textBlocks(message["content"], at: index)
            case "user":
                append("user", try Self.contentBlocks(message["content"], at: index))
            case "assistant":
                var blocks = try Self.contentBlocks(message["content"] ?? .null, at: index)
                for call in message["tool_calls"]?.arrayValue ?? [] {
                    let arguments = call["function"]?["arguments"]?.stringValue ?? "{}"
                    let input = (try? JSONValue.parse(arguments.isEmpty ? "{}" : arguments)) ?? [:]
                    blocks.append([
                        "type": "tool_use", "id": call["id"] ?? "", "name": call["function"]?["name"] ?? "",
                        "input": input.objectValue != nil ? input : [:],
                    ])
                }
                append("assistant", blocks)
            case "tool", "function":
                let content = Self.plainText(message["content"])
                append("user", [["type": "tool_result", "tool_use_id": message["tool_call_id"] ?? "", "content": .string(content)]])
            default:
                throw GatewayError.invalid("messages[\(index)].role: \"\(role)\" is not one of system, developer, user, assistant, tool")
            }
        }
        var out: [String: JSONValue] = [
            "messages": .array(turns.map { ["role": .string($0.role), "content": .array($0.blocks)] })
        ]
        if !system.isEmpty { out["system"] = .array(system) }
        let maxTokens = body["max_completion_tokens"]?.intValue ?? body["max_tokens"]?.intValue ?? defaultMaxTokens
        out["max_tokens"] = .int(maxTokens)
        for (from, to) in [("temperature", "temperature"), ("top_p", "top_p")] {
            if let value = body[from], value != .null { out[to] = value }
        }
        switch body["stop"] {
        case .string(let stop): out["stop_sequences"] = [.string(stop)]
        case .array(let stops): out["stop_sequences"] = .array(stops)
        default: break
        }
        if let user = body["user"]?.stringValue { out["metadata"] = ["user_id": .string(user)] }
        var outputConfig: [String: JSONValue] = [:]
        switch body["response_format"]?["type"]?.stringValue {
        case "json_schema":
            guard let schema = body["response_format"]?["json_schema"]?["schema"], schema.objectValue != nil else {
                throw GatewayError.invalid("response_format.json_schema.schema: an object is required", code: "invalid_response_format")
            }
            outputConfig["format"] = ["type": "json_schema", "schema": schema]
        case "json_object":
            throw GatewayError.invalid(
                "response_format: json_object is not supported for Anthropic models; use json_schema with a schema",
                code: "unsupported_parameter"
            )
        default: break  // "text" or none
        }
        if let effort = body["reasoning_effort"]?.stringValue {
            // Anthropic's effort levels; OpenAI's lowest two have no lower counterpart than "low".
            outputConfig["effort"] = .string(["none": "low", "minimal": "low"][effort] ?? effort)
        }
        if !outputConfig.isEmpty { out["output_config"] = .object(outputConfig) }
        if let tools = body["tools"]?.arrayValue, !tools.isEmpty {
            out["tools"] = .array(
                tools.compactMap { tool -> JSONValue? in
                    guard let function = tool["function"] else { return nil }
                    var converted: [String: JSONValue] = [
                        "name": function["name"] ?? "",
                        "input_schema": function["parameters"] ?? ["type": "object", "properties": [:]],
                    ]
                    if let description = function["description"] { converted["description"] = description }
                    return .object(converted)
                }
            )
        }
        var toolChoice: JSONValue?
        switch body["tool_choice"] {
        case .string("auto"): toolChoice = ["type": "auto"]
        case .string("required"): toolChoice = ["type": "any"]
        case .string("none"): toolChoice = ["type": "none"]
        case .object(let choice): toolChoice = ["type": "tool", "name": choice["function"]?["name"] ?? ""]
        default: break
        }
        if body["parallel_tool_calls"]?.boolValue == false, out["tools"] != nil, toolChoice?["type"]?.stringValue != "none" {
            var choice = toolChoice?.objectValue ?? ["type": "auto"]
            choice["disable_parallel_tool_use"] = true
            toolChoice = .object(choice)
        }
        if let toolChoice { out["tool_choice"] = toolChoice }
        return .object(out)
    }

    /// OpenAI content (a string or parts) as Anthropic content blocks.
    static func contentBlocks(_ content: JSONValue?, at index: Int) throws(GatewayError) -> [JSONValue] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        case .array(let parts)?:
            var blocks: [JSONValue] = []
            for part in parts {
                switch part["type"]?.stringValue {
                case "text":
                    blocks.append(["type": "text", "text": part["text"] ?? ""])
                case "image_url":
                    let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                    blocks.append(["type": "image", "source": Self.imageSource(url)])
                default:
                    throw GatewayError.invalid(
                        "messages[\(index)].content: part type \"\(part["type"]?.stringValue ?? "?")\" is not supported for Anthropic models"
                    )
                }
            }
            return blocks
        default:
            throw GatewayError.invalid("messages[\(index)].content: expected a string or an array of parts")
        }
    }

    static func textBlocks(_ content: JSONValue?, at index: Int) throws(GatewayError) -> [JSONValue] {
        try Self.contentBlocks(content, at: index).filter { $0["type"]?.stringValue == "text" }
    }

    static func imageSource(_ url: String) -> JSONValue {
        // data:image/png;base64,AAAA
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
            let mediaType = header.split(separator: ";").first.map(String.init) ?? "image/png"
            return ["type": "base64", "media_type": .string(mediaType), "data": .string(String(url[url.index(after: comma)...]))]
        }
        return ["type": "url", "url": .string(url)]
    }

    /// Text of OpenAI content, for tool results.
    static func plainText(_ content: JSONValue?) -> String {
        switch content {
        case .string(let text)?: return text
        case .array(let parts)?: return parts.compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
        case nil, .null?: return ""
        case let other?: return other.serializedString
        }
    }
}
