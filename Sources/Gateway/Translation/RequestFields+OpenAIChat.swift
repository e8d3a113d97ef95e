/// Reads of OpenAI chat request fields that every adapter translating them shares, each checked for its type.
extension RequestFields {
    /// Why `functions` and `function_call` are refused.
    static let legacyFunctions = "the legacy function calling API is not supported; use tools and tool_choice"

    /// `max_completion_tokens`, or the older `max_tokens`.
    func maxTokens(_ body: JSONValue) throws(GatewayError) -> Int? {
        let current = try self.int(body["max_completion_tokens"], "max_completion_tokens", minimum: 1)
        let legacy = try self.int(body["max_tokens"], "max_tokens", minimum: 1)
        return current ?? legacy
    }

    /// `stream` and `stream_options` are read by the gateway before the adapter sees them; here only checked.
    func checkStreaming(_ body: JSONValue) throws(GatewayError) {
        _ = try self.bool(body["stream"], "stream")
        let options = try self.object(body["stream_options"], "stream_options")
        _ = try self.bool(options?["include_usage"], "stream_options.include_usage")
        // Padding against a side channel of OpenAI's; a translated stream's chunks carry none.
        _ = try self.bool(options?["include_obfuscation"], "stream_options.include_obfuscation")
    }

    /// `stop`: one string or an array of them; nil when absent or empty.
    func stopSequences(_ body: JSONValue) throws(GatewayError) -> [JSONValue]? {
        switch body["stop"] {
        case nil, .null?: return nil
        case .string(let stop)?: return [.string(stop)]
        case .array(let stops)?:
            for (index, stop) in stops.enumerated() where stop.stringValue == nil { throw self.mismatch("stop[\(index)]", .string) }
            return stops.isEmpty ? nil : stops
        default:
            throw GatewayError.invalid("stop: expected a string or an array of strings", code: "invalid_type")
        }
    }

    /// One function tool of `tools`.
    struct Function: Sendable {
        var name: String
        var description: String?
        var parameters: JSONValue?
        /// A prompt-caching breakpoint after the tool definitions (LiteLLM's convention); only Anthropic has them.
        var cacheControl: JSONValue?
        /// Whether the call's arguments must follow `parameters` exactly: Anthropic's strict tool use; Gemini has
        /// no such switch.
        var strict: Bool?
    }

    /// `tools`, which must all be function tools.
    func functions(_ body: JSONValue) throws(GatewayError) -> [Function] {
        var functions: [Function] = []
        for (index, tool) in (try self.array(body["tools"], "tools") ?? []).enumerated() {
            let path = "tools[\(index)]"
            guard let tool = tool.objectValue else { throw self.mismatch(path, .object) }
            let type = try self.string(tool["type"], "\(path).type") ?? "function"
            guard type == "function" else {
                throw GatewayError.invalid(
                    "\(path).type: \"\(type)\" tools are not supported for \(self.models) models",
                    code: "unsupported_parameter"
                )
            }
            guard let function = try self.object(tool["function"], "\(path).function") else { throw self.mismatch("\(path).function", .object) }
            guard let name = function["name"]?.stringValue else { throw self.mismatch("\(path).function.name", .string) }
            functions.append(
                Function(
                    name: name,
                    description: try self.string(function["description"], "\(path).function.description"),
                    parameters: try self.object(function["parameters"], "\(path).function.parameters").map(JSONValue.object),
                    cacheControl: try self.object(tool["cache_control"], "\(path).cache_control").map(JSONValue.object),
                    strict: try self.bool(function["strict"], "\(path).function.strict")
                )
            )
        }
        return functions
    }

    enum ToolChoice: Sendable, Equatable {
        /// `"none"` (a case named `none` would read as a missing choice).
        case noTool
        case auto, required
        case function(String)
    }

    func toolChoice(_ body: JSONValue) throws(GatewayError) -> ToolChoice? {
        switch body["tool_choice"] {
        case nil, .null?: return nil
        case .string("auto")?: return .auto
        case .string("none")?: return .noTool
        case .string("required")?: return .required
        case .object(let choice)?:
            let type = try self.string(choice["type"], "tool_choice.type") ?? "function"
            guard type == "function" else {
                throw GatewayError.invalid("tool_choice.type: \"\(type)\" is not supported for \(self.models) models", code: "unsupported_parameter")
            }
            guard let name = choice["function"]?["name"]?.stringValue else { throw self.mismatch("tool_choice.function.name", .string) }
            return .function(name)
        default:
            throw GatewayError.invalid(
                #"tool_choice: expected "none", "auto", "required" or {"type": "function", "function": {"name": …}}"#,
                code: "invalid_value"
            )
        }
    }

    enum ResponseFormat: Sendable, Equatable {
        case text, jsonObject
        /// The schema, when one was given.
        case jsonSchema(JSONValue?)
    }

    func responseFormat(_ body: JSONValue) throws(GatewayError) -> ResponseFormat? {
        guard let format = try self.object(body["response_format"], "response_format") else { return nil }
        let type = try self.choice(format["type"], "response_format.type", ["text", "json_object", "json_schema"])
        switch try self.required(type, "response_format.type") {
        case "json_object": return .jsonObject
        case "json_schema":
            let spec = try self.object(format["json_schema"], "response_format.json_schema")
            return .jsonSchema(try self.object(spec?["schema"], "response_format.json_schema.schema").map(JSONValue.object))
        default: return .text
        }
    }

    static let reasoningEfforts = ["none", "minimal", "low", "medium", "high", "xhigh"]

    func reasoningEffort(_ body: JSONValue) throws(GatewayError) -> String? {
        try self.choice(body["reasoning_effort"], "reasoning_effort", Self.reasoningEfforts)
    }

    /// An assistant message's earlier tool call: its id, its function's name and its arguments as a JSON object
    /// (empty arguments, as a streamed call without any, read as `{}`).
    func toolCall(_ call: JSONValue, _ path: String) throws(GatewayError) -> (id: String?, name: String, arguments: JSONValue) {
        guard call.objectValue != nil else { throw self.mismatch(path, .object) }
        let id = try self.string(call["id"], "\(path).id")
        guard let function = call["function"]?.objectValue else { throw self.mismatch("\(path).function", .object) }
        guard let name = function["name"]?.stringValue else { throw self.mismatch("\(path).function.name", .string) }
        let text = try self.string(function["arguments"], "\(path).function.arguments") ?? ""
        if text.isEmpty { return (id, name, [:]) }
        guard let arguments = try? JSONValue.parse(text) else {
            throw GatewayError.invalid("\(path).function.arguments: not valid JSON", code: "invalid_value")
        }
        guard arguments.objectValue != nil else {
            throw GatewayError.invalid("\(path).function.arguments: expected a JSON object", code: "invalid_value")
        }
        return (id, name, arguments)
    }

    /// One part of a message's content, read and checked once; each adapter writes it in its provider's form.
    enum ContentPart: Sendable, Equatable {
        /// A `text` part, or an earlier answer's `refusal` replayed with the history (it was the model's text).
        case text(String)
        /// `image_url`: a base64 data URL or a web address.
        case image(url: String)
        /// A `file` part's inline data. A `file_id` is refused here: the file is OpenAI's own.
        case file(DataURL, filename: String?)
    }

    /// A part as read, with the prompt-caching marks set on it; only Anthropic has a place for them.
    struct MarkedPart: Sendable {
        var part: ContentPart
        /// Anthropic's own `cache_control`, as LiteLLM clients set it; unchecked here.
        var cacheControl: JSONValue?
        /// OpenAI's `prompt_cache_breakpoint`, checked: the prompt up to this part is worth caching.
        var breakpoint = false
    }

    /// Content as its parts with their caching marks; `at` is the message's index, for the paths errors name.
    func contentParts(_ content: JSONValue?, at index: Int) throws(GatewayError) -> [MarkedPart] {
        switch content {
        case nil, .null?: return []
        case .string(let text)?: return text.isEmpty ? [] : [MarkedPart(part: .text(text))]
        case .array(let items)?:
            var parts: [MarkedPart] = []
            for (position, item) in items.enumerated() {
                let path = "messages[\(index)].content[\(position)]"
                guard item.objectValue != nil else { throw self.mismatch(path, .object) }
                let part: ContentPart
                switch item["type"]?.stringValue {
                case "text": part = .text(try self.string(item["text"], "\(path).text") ?? "")
                case "refusal": part = .text(try self.string(item["refusal"], "\(path).refusal") ?? "")
                case "image_url": part = .image(url: item["image_url"]?["url"]?.stringValue ?? item["image_url"]?.stringValue ?? "")
                case "file":
                    guard let file = try self.object(item["file"], "\(path).file") else { throw self.mismatch("\(path).file", .object) }
                    guard let data = try self.string(file["file_data"], "\(path).file.file_data") else {
                        throw GatewayError.invalid(
                            "\(path).file: only file_data is supported for \(self.models) models (a file_id is OpenAI's own)",
                            code: "unsupported_content"
                        )
                    }
                    guard let url = DataURL(data) else {
                        throw GatewayError.invalid(
                            "\(path).file.file_data: expected a base64 data URL (data:application/pdf;base64,…)",
                            code: "invalid_value"
                        )
                    }
                    part = .file(url, filename: try self.string(file["filename"], "\(path).file.filename"))
                default:
                    throw GatewayError.invalid(
                        "\(path).type: part type \"\(item["type"]?.stringValue ?? "?")\" is not supported for \(self.models) models"
                    )
                }
                let breakpoint = try self.promptCacheBreakpoint(item["prompt_cache_breakpoint"], "\(path).prompt_cache_breakpoint")
                parts.append(MarkedPart(part: part, cacheControl: item["cache_control"], breakpoint: breakpoint))
            }
            return parts
        default:
            throw GatewayError.invalid("messages[\(index)].content: expected a string or an array of parts")
        }
    }

    /// A part's `prompt_cache_breakpoint`: `{"mode": "explicit"}` with an optional `ttl` of OpenAI's; true when set.
    func promptCacheBreakpoint(_ value: JSONValue?, _ path: String) throws(GatewayError) -> Bool {
        guard let breakpoint = try self.object(value, path) else { return false }
        guard try self.string(breakpoint["mode"], "\(path).mode") == "explicit" else {
            throw GatewayError.invalid("\(path).mode: expected \"explicit\"", code: "invalid_value")
        }
        if let ttl = try self.string(breakpoint["ttl"], "\(path).ttl"), !["30m", "12h"].contains(ttl) {
            throw GatewayError.invalid("\(path).ttl: expected \"30m\" or \"12h\"", code: "invalid_value")
        }
        return true
    }

    /// `messages`: a non-empty array of objects, each with its role.
    func messages(_ body: JSONValue) throws(GatewayError) -> [(role: String, message: JSONValue)] {
        guard let messages = try self.array(body["messages"], "messages"), !messages.isEmpty else {
            throw GatewayError.invalid("messages: a non-empty array is required", code: "invalid_messages")
        }
        var read: [(role: String, message: JSONValue)] = []
        for (index, message) in messages.enumerated() {
            guard message.objectValue != nil else { throw self.mismatch("messages[\(index)]", .object) }
            read.append((try self.string(message["role"], "messages[\(index)].role") ?? "", message))
        }
        return read
    }
}
