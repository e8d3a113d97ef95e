import Foundation

/// OpenAI's Responses API (`/v1/responses`) for the models OpenAI does not serve: the request as a chat completions
/// request, and the chat answer back as a `response`. Translation is stateless: what needs OpenAI's storage (a
/// previous response, a conversation, a stored prompt) or its servers (built-in tools) is a 400 naming it.
enum ResponsesTranslator {
    /// Every Responses request field and what becomes of it; any other is a 400, as OpenAI's own API answers.
    static let fields = RequestFields(
        style: .openAI,
        models: "non-OpenAI",
        policies: [
            "model": .translated, "input": .translated, "instructions": .translated, "tools": .translated,
            "tool_choice": .translated, "parallel_tool_calls": .translated, "max_output_tokens": .translated,
            "temperature": .translated, "top_p": .translated, "text": .translated, "reasoning": .translated,
            "stream": .translated, "stream_options": .translated, "user": .translated, "safety_identifier": .translated,
            "prompt_cache_key": .translated, "service_tier": .translated, "thinking": .translated, "metadata": .translated,
            // Nothing is stored, so there is nothing to keep or to include from storage; the answer says `store: false`.
            "store": .ignored, "include": .ignored, "prompt_cache_retention": .ignored, "truncation": .ignored,
            // Built-in tools are refused where `tools` is read, so no call of theirs can be counted.
            "max_tool_calls": .ignored,
            "previous_response_id": .unsupported(because: Self.stateless), "conversation": .unsupported(because: Self.stateless),
            "prompt": .unsupported(because: "prompt templates are stored by OpenAI, not available for non-OpenAI models"),
            "background": .unsupported(because: "background responses are stored by OpenAI, not available for non-OpenAI models"),
            "top_logprobs": .unsupported(), "context_management": .unsupported(),
        ]
    )

    static let stateless = "skiff stores no responses for non-OpenAI models; send the whole conversation as input"

    /// The Responses request as a chat completions request.
    static func chatBody(fromResponses body: JSONValue) throws(GatewayError) -> JSONValue {
        let fields = Self.fields
        try fields.check(body)
        var chat: [String: JSONValue] = ["model": body["model"] ?? ""]
        var messages: [JSONValue] = []
        if let instructions = try fields.string(body["instructions"], "instructions"), !instructions.isEmpty {
            messages.append(["role": "system", "content": .string(instructions)])
        }
        switch body["input"] {
        case .string(let text)?: messages.append(["role": "user", "content": .string(text)])
        case .array(let items)?: messages += try Self.messages(fromInput: items)
        case nil, .null?: throw GatewayError.invalid("input: required", code: "missing_field")
        default: throw GatewayError.invalid("input: expected a string or an array of items", code: "invalid_type")
        }
        guard !messages.isEmpty else { throw GatewayError.invalid("input: expected at least one item", code: "invalid_value") }
        chat["messages"] = .array(messages)

        chat["max_tokens"] = try fields.int(body["max_output_tokens"], "max_output_tokens", minimum: 1).map(JSONValue.int)
        chat["temperature"] = try fields.number(body["temperature"], "temperature")
        chat["top_p"] = try fields.number(body["top_p"], "top_p")
        chat["parallel_tool_calls"] = try fields.bool(body["parallel_tool_calls"], "parallel_tool_calls").map(JSONValue.bool)
        for name in ["user", "safety_identifier", "prompt_cache_key", "service_tier"] {
            chat[name] = try fields.string(body[name], name).map(JSONValue.string)
        }
        _ = try fields.object(body["metadata"], "metadata")  // echoed in the answer, as OpenAI keeps it with the response
        chat["stream"] = try fields.bool(body["stream"], "stream").map(JSONValue.bool)
        _ = try fields.object(body["stream_options"], "stream_options")
        chat["thinking"] = body["thinking"]

        if let reasoning = try fields.object(body["reasoning"], "reasoning") {
            let efforts = ["none", "minimal", "low", "medium", "high", "xhigh"]
            chat["reasoning_effort"] = try fields.choice(reasoning["effort"], "reasoning.effort", efforts).map(JSONValue.string)
            _ = try fields.choice(reasoning["summary"], "reasoning.summary", ["auto", "concise", "detailed"])
        }
        if let text = try fields.object(body["text"], "text") {
            chat["verbosity"] = try fields.choice(text["verbosity"], "text.verbosity", ["low", "medium", "high"]).map(JSONValue.string)
            chat["response_format"] = try Self.responseFormat(text["format"])
        }
        let (tools, choice) = try Self.tools(body)
        if !tools.isEmpty { chat["tools"] = .array(tools) }
        chat["tool_choice"] = choice
        return .object(chat.filter { $0.value != .null })
    }

    // MARK: Input items

    /// The input items as chat messages: consecutive output items (reasoning, an assistant message, function calls)
    /// make one assistant message, as a chat history holds one turn.
    static func messages(fromInput items: [JSONValue]) throws(GatewayError) -> [JSONValue] {
        let fields = Self.fields
        var messages: [JSONValue] = []
        var turn: [String: JSONValue]?  // the assistant message being gathered
        func close() {
            if let message = turn { messages.append(.object(message)) }
            turn = nil
        }
        for (index, item) in items.enumerated() {
            let path = "input[\(index)]"
            guard item.objectValue != nil else { throw fields.mismatch(path, .object) }
            let type = try fields.string(item["type"], "\(path).type") ?? "message"
            switch type {
            case "message":
                let role = try fields.choice(item["role"], "\(path).role", ["user", "assistant", "system", "developer"])
                switch try fields.required(role, "\(path).role") {
                case "assistant":
                    var message = turn ?? ["role": "assistant"]
                    let text = try Self.assistantText(item["content"], at: path)
                    if !text.isEmpty { message["content"] = .string((message["content"]?.stringValue ?? "") + text) }
                    turn = message
                case let role:
                    close()
                    let content = try Self.contentParts(item["content"], at: path)
                    messages.append(["role": .string(role == "user" ? "user" : "system"), "content": content])
                }
            case "function_call":
                var message = turn ?? ["role": "assistant"]
                let call: [String: JSONValue] = [
                    "id": .string(try fields.required(fields.string(item["call_id"], "\(path).call_id"), "\(path).call_id")),
                    "type": "function",
                    "function": [
                        "name": .string(try fields.required(fields.string(item["name"], "\(path).name"), "\(path).name")),
                        "arguments": .string(try fields.string(item["arguments"], "\(path).arguments") ?? "{}"),
                    ],
                    "extra_content": item["extra_content"] ?? .null,
                ]
                message["tool_calls"] = .array((message["tool_calls"]?.arrayValue ?? []) + [.object(call.filter { $0.value != .null })])
                turn = message
            case "function_call_output":
                close()
                let id = try fields.required(fields.string(item["call_id"], "\(path).call_id"), "\(path).call_id")
                let output = try Self.outputText(item["output"], at: "\(path).output")
                messages.append(["role": "tool", "tool_call_id": .string(id), "content": .string(output)])
            case "reasoning":
                var message = turn ?? ["role": "assistant"]
                if let blocks = Self.thinkingBlocks(fromEncrypted: item["encrypted_content"]?.stringValue) {
                    message["thinking_blocks"] = .array((message["thinking_blocks"]?.arrayValue ?? []) + blocks)
                }
                let summary = (try fields.array(item["summary"], "\(path).summary") ?? []).compactMap { $0["text"]?.stringValue }
                if !summary.isEmpty { message["reasoning_content"] = .string(summary.joined(separator: "\n\n")) }
                turn = message
            case "item_reference":
                throw GatewayError.invalid("\(path): item references need OpenAI's stored items; \(Self.stateless)", code: "unsupported_content")
            default:
                throw GatewayError.invalid(
                    "\(path).type: \"\(type)\" items are not supported for non-OpenAI models",
                    code: "unsupported_content"
                )
            }
        }
        close()
        return messages
    }

    /// A user, system or developer message's content as chat content: text, images and files.
    static func contentParts(_ content: JSONValue?, at path: String) throws(GatewayError) -> JSONValue {
        let fields = Self.fields
        switch content {
        case .string(let text)?: return .string(text)
        case .array(let items)?:
            var parts: [JSONValue] = []
            for (position, part) in items.enumerated() {
                let partPath = "\(path).content[\(position)]"
                guard part.objectValue != nil else { throw fields.mismatch(partPath, .object) }
                switch try fields.string(part["type"], "\(partPath).type") {
                case "input_text", "output_text":
                    parts.append(["type": "text", "text": .string(try fields.string(part["text"], "\(partPath).text") ?? "")])
                case "input_image":
                    guard let url = try fields.string(part["image_url"], "\(partPath).image_url") else {
                        throw GatewayError.invalid(
                            "\(partPath): only image_url is supported for non-OpenAI models (a file_id is OpenAI's own)",
                            code: "unsupported_content"
                        )
                    }
                    var image: [String: JSONValue] = ["url": .string(url)]
                    image["detail"] = try fields.string(part["detail"], "\(partPath).detail").map(JSONValue.string)
                    parts.append(["type": "image_url", "image_url": .object(image)])
                case "input_file":
                    guard let data = try fields.string(part["file_data"], "\(partPath).file_data") else {
                        throw GatewayError.invalid(
                            "\(partPath): only file_data is supported for non-OpenAI models (a file_id or file_url is OpenAI's to fetch)",
                            code: "unsupported_content"
                        )
                    }
                    var file: [String: JSONValue] = ["file_data": .string(data)]
                    file["filename"] = try fields.string(part["filename"], "\(partPath).filename").map(JSONValue.string)
                    parts.append(["type": "file", "file": .object(file)])
                case let type:
                    throw GatewayError.invalid(
                        "\(partPath).type: part type \"\(type ?? "?")\" is not supported for non-OpenAI models",
                        code: "unsupported_content"
                    )
                }
            }
            return .array(parts)
        default:
            throw GatewayError.invalid("\(path).content: expected a string or an array of parts", code: "invalid_type")
        }
    }

    /// An assistant message's text from history: its output_text parts (a refusal's words count as text).
    static func assistantText(_ content: JSONValue?, at path: String) throws(GatewayError) -> String {
        guard case .array(let parts)? = content else { return try Self.fields.string(content, "\(path).content") ?? "" }
        return parts.compactMap { $0["text"]?.stringValue ?? $0["refusal"]?.stringValue }.joined()
    }

    /// A function call's output: a string, or its text parts (a chat tool message holds text).
    static func outputText(_ output: JSONValue?, at path: String) throws(GatewayError) -> String {
        guard case .array(let parts)? = output else { return try Self.fields.required(Self.fields.string(output, path), path) }
        var texts: [String] = []
        for (position, part) in parts.enumerated() {
            guard part["type"]?.stringValue == "input_text", let text = part["text"]?.stringValue else {
                throw GatewayError.invalid(
                    "\(path)[\(position)]: only input_text parts are supported in a function call's output for non-OpenAI models",
                    code: "unsupported_content"
                )
            }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    // MARK: Tools and formats

    /// Function tools in chat's shape, and the tool choice; OpenAI's built-in tools run on its servers only.
    static func tools(_ body: JSONValue) throws(GatewayError) -> (tools: [JSONValue], choice: JSONValue?) {
        let fields = Self.fields
        var tools: [JSONValue] = []
        var names: [String] = []
        for (index, tool) in (try fields.array(body["tools"], "tools") ?? []).enumerated() {
            let path = "tools[\(index)]"
            guard tool.objectValue != nil else { throw fields.mismatch(path, .object) }
            let type = try fields.required(fields.string(tool["type"], "\(path).type"), "\(path).type")
            guard type == "function" else {
                throw GatewayError.invalid(
                    "\(path).type: \"\(type)\" tools run on OpenAI's servers and are not available for non-OpenAI models",
                    code: "unsupported_parameter"
                )
            }
            let name = try fields.required(fields.string(tool["name"], "\(path).name"), "\(path).name")
            var function: [String: JSONValue] = ["name": .string(name)]
            function["description"] = try fields.string(tool["description"], "\(path).description").map(JSONValue.string)
            function["parameters"] = try fields.object(tool["parameters"], "\(path).parameters").map(JSONValue.object)
            function["strict"] = try fields.bool(tool["strict"], "\(path).strict").map(JSONValue.bool)
            tools.append(["type": "function", "function": .object(function)])
            names.append(name)
        }
        switch body["tool_choice"] {
        case nil, .null?: return (tools, nil)
        case .string?:
            return (tools, .string(try fields.choice(body["tool_choice"], "tool_choice", ["auto", "none", "required"]) ?? "auto"))
        case .object(let choice)?:
            switch try fields.string(choice["type"], "tool_choice.type") {
            case "function":
                let name = try fields.required(fields.string(choice["name"], "tool_choice.name"), "tool_choice.name")
                return (tools, ["type": "function", "function": ["name": .string(name)]])
            case "allowed_tools":
                // A subset of the tools, offered alone: the others are left out of this request.
                let mode = try fields.choice(choice["mode"], "tool_choice.mode", ["auto", "required"]) ?? "auto"
                let allowed = (try fields.array(choice["tools"], "tool_choice.tools") ?? []).compactMap { $0["name"]?.stringValue }
                for name in allowed where !names.contains(name) {
                    throw GatewayError.invalid("tool_choice.tools: no function tool named \"\(name)\"", code: "invalid_value")
                }
                return (tools.filter { allowed.contains($0["function"]?["name"]?.stringValue ?? "") }, .string(mode))
            case let type:
                throw GatewayError.invalid(
                    "tool_choice.type: \"\(type ?? "?")\" is not supported for non-OpenAI models",
                    code: "unsupported_parameter"
                )
            }
        default:
            throw GatewayError.invalid("tool_choice: expected a string or an object", code: "invalid_type")
        }
    }

    /// `text.format` as chat's `response_format`.
    static func responseFormat(_ format: JSONValue?) throws(GatewayError) -> JSONValue? {
        let fields = Self.fields
        guard let format = try fields.object(format, "text.format") else { return nil }
        switch try fields.choice(format["type"], "text.format.type", ["text", "json_object", "json_schema"]) {
        case "json_object": return ["type": "json_object"]
        case "json_schema":
            var schema: [String: JSONValue] = [
                "name": .string(try fields.required(fields.string(format["name"], "text.format.name"), "text.format.name")),
                "schema": .object(try fields.required(fields.object(format["schema"], "text.format.schema"), "text.format.schema")),
            ]
            schema["description"] = try fields.string(format["description"], "text.format.description").map(JSONValue.string)
            schema["strict"] = try fields.bool(format["strict"], "text.format.strict").map(JSONValue.bool)
            return ["type": "json_schema", "json_schema": .object(schema)]
        default: return nil
        }
    }

    // MARK: Reasoning that travels

    /// Claude's signed thinking blocks ride in a reasoning item's `encrypted_content`, opaque to the client as
    /// OpenAI's own is, so that a tool loop sends them back; this prefix marks skiff's.
    static let encryptedPrefix = "skiff.thinking."

    static func encrypted(thinkingBlocks blocks: [JSONValue]) -> String {
        Self.encryptedPrefix + Data(JSONValue.array(blocks).serialized()).base64EncodedString()
    }

    /// The thinking blocks in skiff's `encrypted_content`; nil for anything else (OpenAI's own, which only it reads).
    static func thinkingBlocks(fromEncrypted content: String?) -> [JSONValue]? {
        guard let content, content.hasPrefix(Self.encryptedPrefix),
            let data = Data(base64Encoded: String(content.dropFirst(Self.encryptedPrefix.count))),
            let blocks = (try? JSONValue.parse(data))?.arrayValue
        else { return nil }
        return blocks
    }

    // MARK: The answer

    /// A new response id, and the stem its items' ids share: `_skiff_` marks what skiff made, which OpenAI never saw.
    static func newID() -> String {
        "skiff_" + RandomID.hex()
    }

    /// The response object around `output`: the request's settings echoed as OpenAI echoes them.
    static func envelope(
        request: JSONValue,
        id: String,
        model: String,
        created: Int,
        status: String,
        output: [JSONValue],
        usage: TokenUsage?,
        incomplete: String? = nil
    ) -> JSONValue {
        var response: [String: JSONValue] = [
            "id": .string("resp_" + id), "object": "response", "created_at": .int(created), "status": .string(status),
            "error": nil, "incomplete_details": incomplete.map { ["reason": .string($0)] } ?? nil,
            "instructions": request["instructions"] ?? nil, "max_output_tokens": request["max_output_tokens"] ?? nil,
            "model": .string(model), "output": .array(output),
            "parallel_tool_calls": request["parallel_tool_calls"] ?? true, "previous_response_id": nil,
            "reasoning": ["effort": request["reasoning"]?["effort"] ?? nil, "summary": request["reasoning"]?["summary"] ?? nil],
            "store": false, "temperature": request["temperature"] ?? nil, "top_p": request["top_p"] ?? nil,
            "text": ["format": request["text"]?["format"] ?? ["type": "text"]],
            "tool_choice": request["tool_choice"] ?? "auto", "tools": request["tools"] ?? [], "truncation": "disabled",
            "metadata": request["metadata"] ?? [:], "user": request["user"] ?? nil,
            "usage": usage?.responsesObject ?? nil,
        ]
        if status == "completed" { response["completed_at"] = .int(Int(Date().timeIntervalSince1970)) }
        return .object(response)
    }

    /// A chat `finish_reason` as the response's status and why it is incomplete.
    static func status(_ finishReason: String?) -> (status: String, incomplete: String?) {
        switch finishReason {
        case "length": return ("incomplete", "max_output_tokens")
        case "content_filter": return ("incomplete", "content_filter")
        default: return ("completed", nil)
        }
    }

    // Item ids are `<kind>_<response id>_<output index>`, as each item of a response is its own.

    /// A reasoning item: the reasoning's text as its summary, Claude's blocks (if any) as its encrypted content.
    static func reasoningItem(id: String, text: String, blocks: [JSONValue]) -> JSONValue {
        var item: [String: JSONValue] = [
            "id": .string(id), "type": "reasoning",
            "summary": text.isEmpty ? [] : [["type": "summary_text", "text": .string(text)]],
        ]
        if !blocks.isEmpty { item["encrypted_content"] = .string(Self.encrypted(thinkingBlocks: blocks)) }
        return .object(item)
    }

    static func textPart(_ text: String) -> JSONValue {
        ["type": "output_text", "text": .string(text), "annotations": [], "logprobs": []]
    }

    static func refusalPart(_ text: String) -> JSONValue {
        ["type": "refusal", "refusal": .string(text)]
    }

    static func messageItem(id: String, parts: [JSONValue], status: String) -> JSONValue {
        ["id": .string(id), "type": "message", "status": .string(status), "role": "assistant", "content": .array(parts)]
    }

    /// A function call item; Gemini's thought signature (`extra_content`) stays on it for the next turn.
    static func functionCallItem(id: String, callID: String, name: String, arguments: String, status: String, extra: JSONValue?) -> JSONValue {
        var item: [String: JSONValue] = [
            "id": .string(id), "type": "function_call", "status": .string(status), "call_id": .string(callID),
            "name": .string(name), "arguments": .string(arguments),
        ]
        item["extra_content"] = extra
        return .object(item)
    }

    /// A chat completion as a response to `request`.
    static func response(fromCompletion completion: JSONValue, usage: TokenUsage?, request: JSONValue) -> JSONValue {
        let id = Self.newID()
        let choice = completion["choices"]?.arrayValue?.first
        let message = choice?["message"]
        var output: [JSONValue] = []
        let reasoning = message?["reasoning_content"]?.stringValue ?? ""
        let blocks = message?["thinking_blocks"]?.arrayValue ?? []
        if !reasoning.isEmpty || !blocks.isEmpty { output.append(Self.reasoningItem(id: "rs_\(id)_0", text: reasoning, blocks: blocks)) }
        var parts: [JSONValue] = []
        if let text = message?["content"]?.stringValue, !text.isEmpty { parts.append(Self.textPart(text)) }
        if let refusal = message?["refusal"]?.stringValue, !refusal.isEmpty { parts.append(Self.refusalPart(refusal)) }
        if !parts.isEmpty { output.append(Self.messageItem(id: "msg_\(id)_\(output.count)", parts: parts, status: "completed")) }
        for (index, call) in (message?["tool_calls"]?.arrayValue ?? []).enumerated() {
            output.append(
                Self.functionCallItem(
                    id: "fc_\(id)_\(output.count)",
                    callID: call["id"]?.stringValue ?? "call_\(id)_\(index)",
                    name: call["function"]?["name"]?.stringValue ?? "",
                    arguments: call["function"]?["arguments"]?.stringValue ?? "",
                    status: "completed",
                    extra: call["extra_content"]
                )
            )
        }
        let (status, incomplete) = Self.status(choice?["finish_reason"]?.stringValue)
        return Self.envelope(
            request: request,
            id: id,
            model: completion["model"]?.stringValue ?? request["model"]?.stringValue ?? "",
            created: completion["created"]?.intValue ?? Int(Date().timeIntervalSince1970),
            status: status,
            output: output,
            usage: usage,
            incomplete: incomplete
        )
    }

    /// OpenAI's `error` event for a failure (its code, else its type), numbered `sequence`.
    static func errorEvent(_ error: GatewayError, sequence: Int) -> SSEEvent {
        SSEEvent.typed(
            "error",
            ["sequence_number": .int(sequence), "code": .string(Self.errorCode(error)), "message": .string(error.message), "param": nil]
        )
    }

    /// A failed response's `error`.
    static func errorObject(_ error: GatewayError) -> JSONValue {
        ["code": .string(Self.errorCode(error)), "message": .string(error.message)]
    }

    private static func errorCode(_ error: GatewayError) -> String {
        error.code ?? error.type
    }

    // MARK: OpenAI's own

    /// A Responses body for OpenAI itself: input items that skiff made for another provider lose what OpenAI would
    /// refuse (a reasoning item only skiff can read, a function call's `extra_content`, ids OpenAI never issued).
    /// Nil when there is nothing to take out, as usual.
    static func nativeInput(_ items: [JSONValue]) -> [JSONValue]? {
        func skiffs(_ item: JSONValue) -> Bool {
            item["id"]?.stringValue?.contains("_skiff_") == true || item["extra_content"] != nil
                || item["encrypted_content"]?.stringValue?.hasPrefix(Self.encryptedPrefix) == true
        }
        guard items.contains(where: skiffs) else { return nil }
        return items.compactMap { item in
            guard skiffs(item), var members = item.objectValue else { return item }
            if members["type"] == "reasoning" { return nil }
            members["extra_content"] = nil
            if members["id"]?.stringValue?.contains("_skiff_") == true { members["id"] = nil }
            return .object(members)
        }
    }
}
