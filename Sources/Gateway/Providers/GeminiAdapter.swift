import CCrypto
import Foundation
import HTTPClient

/// Google's Gemini API behind OpenAI's chat completions: roles and `parts`, `systemInstruction`,
/// `generationConfig`, function calls and responses, `usageMetadata`, finish reasons; a blocked prompt is an error.
struct GeminiAdapter: ProviderAdapter {
    func chatRequest(_ body: JSONValue, deployment: Deployment, stream: Bool, call: UpstreamCall) throws(GatewayError) -> HTTPRequest {
        if stream, let count = body["n"]?.intValue, count > 1 {
            throw GatewayError.invalid("n: Gemini streams one candidate; n > 1 is supported without stream", code: "unsupported_parameter")
        }
        let upstream = try Self.generateBody(fromOpenAI: body, model: deployment.model)
        return Self.request(upstream, deployment: deployment, stream: stream, call: call)
    }

    func messagesRequest(
        _ translation: MessagesTranslation,
        deployment: Deployment,
        stream: Bool,
        call: UpstreamCall
    ) throws(GatewayError) -> HTTPRequest {
        let upstream = try Self.generateBody(
            fromOpenAI: translation.body,
            model: deployment.model,
            thinking: translation.thinking,
            failedCalls: translation.failedCalls
        )
        return Self.request(upstream, deployment: deployment, stream: stream, call: call)
    }

    static func request(_ upstream: JSONValue, deployment: Deployment, stream: Bool, call: UpstreamCall) -> HTTPRequest {
        let model =
            deployment.model.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._"))) ?? deployment.model
        let operation = stream ? "streamGenerateContent?alt=sse" : "generateContent"
        let url = "\(deployment.provider.baseURL)/v1beta/models/\(model):\(operation)"
        return call.request(url: url, headers: [(name: "x-goog-api-key", value: deployment.provider.apiKey.value)], body: upstream)
    }

    func completion(from body: [UInt8], deployment: Deployment) throws(GatewayError) -> ChatCompletion {
        let response: JSONValue
        do {
            response = try JSONValue.parse(body)
        } catch {
            throw UpstreamErrors.badResponse(error.message, deployment: deployment)
        }
        try Self.checkBlocked(response, deployment: deployment)
        guard let candidates = response["candidates"]?.arrayValue, !candidates.isEmpty else {
            throw UpstreamErrors.badResponse("no candidates in the answer", deployment: deployment)
        }
        var choices: [JSONValue] = []
        for (position, candidate) in candidates.enumerated() {
            var text = ""
            var reasoning = ""
            var calls: [JSONValue] = []
            for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
                if part["thought"]?.boolValue == true {
                    reasoning += part["text"]?.stringValue ?? ""
                    continue
                }
                if let piece = part["text"]?.stringValue { text += piece }
                if let call = Self.toolCall(in: part, index: calls.count, seed: response) { calls.append(call) }
            }
            try Self.checkStopped(candidate, producedOutput: !text.isEmpty || !calls.isEmpty, deployment: deployment)
            var message: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty && !calls.isEmpty ? .null : .string(text)]
            if !reasoning.isEmpty { message["reasoning_content"] = .string(reasoning) }
            if !calls.isEmpty { message["tool_calls"] = .array(calls) }
            choices.append([
                "index": .int(candidate["index"]?.intValue ?? position), "message": .object(message), "logprobs": nil,
                "finish_reason": .string(Self.finishReason(candidate["finishReason"]?.stringValue, hasCalls: !calls.isEmpty)),
            ])
        }
        let usage = Self.usage(response["usageMetadata"])
        let completion: JSONValue = [
            "id": .string("chatcmpl-" + (response["responseId"]?.stringValue ?? "gemini")),
            "object": "chat.completion",
            "created": .int(Int(Date().timeIntervalSince1970)),
            "model": response["modelVersion"] ?? .string(deployment.model),
            "choices": .array(choices),
            "usage": usage?.openAIObject ?? .null,
        ]
        return ChatCompletion(body: completion, usage: usage)
    }

    func streamTranslator(deployment: Deployment, includeUsage: Bool) -> any StreamTranslator {
        GeminiToOpenAIStream(deployment: deployment, includeUsage: includeUsage)
    }

    // MARK: Embeddings

    /// OpenAI's embeddings request as `batchEmbedContents`: one request per input, `dimensions` as
    /// `outputDimensionality`.
    static func embeddingsRequest(_ body: JSONValue, deployment: Deployment, call: UpstreamCall) throws(GatewayError) -> HTTPRequest {
        let texts: [String]
        switch body["input"] {
        case .string(let text)?: texts = [text]
        case .array(let items)? where !items.isEmpty && items.allSatisfy({ $0.stringValue != nil }): texts = items.compactMap(\.stringValue)
        default:
            throw GatewayError.invalid("input: Gemini embeddings take a string or an array of strings (not token ids)", code: "invalid_input")
        }
        let model = "models/" + deployment.model
        let requests: [JSONValue] = texts.map { text in
            var request: [String: JSONValue] = ["model": .string(model), "content": ["parts": [["text": .string(text)]]]]
            if let dimensions = body["dimensions"]?.intValue { request["outputDimensionality"] = .int(dimensions) }
            return .object(request)
        }
        let name = deployment.model.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._"))) ?? deployment.model
        return call.request(
            url: "\(deployment.provider.baseURL)/v1beta/models/\(name):batchEmbedContents",
            headers: [(name: "x-goog-api-key", value: deployment.provider.apiKey.value)],
            body: ["requests": .array(requests)]
        )
    }

    /// Gemini's `embeddings[].values` as OpenAI's list, as floats or, when asked, base64 little-endian float32.
    static func embeddingsResponse(_ bytes: [UInt8], request body: JSONValue, deployment: Deployment) throws(GatewayError) -> [UInt8] {
        guard let parsed = try? JSONValue.parse(bytes), let embeddings = parsed["embeddings"]?.arrayValue else {
            throw UpstreamErrors.badResponse("no embeddings in the answer", deployment: deployment)
        }
        let base64 = body["encoding_format"]?.stringValue == "base64"
        var data: [JSONValue] = []
        for (index, embedding) in embeddings.enumerated() {
            let values = (embedding["values"]?.arrayValue ?? []).compactMap(\.doubleValue)
            var vector: JSONValue = .array(values.map(JSONValue.double))
            if base64 {
                var raw = Data(capacity: values.count * 4)
                for value in values {
                    withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { raw.append(contentsOf: $0) }
                }
                vector = .string(raw.base64EncodedString())
            }
            data.append(["object": "embedding", "index": .int(index), "embedding": vector])
        }
        // Gemini does not count embedding tokens; the fields are there for clients that expect them.
        let response: JSONValue = [
            "object": "list", "data": .array(data), "model": .string(deployment.model),
            "usage": ["prompt_tokens": 0, "total_tokens": 0],
        ]
        return response.serialized()
    }

    /// A prompt Gemini refused is an error, as OpenAI reports its own content filter (400, `content_filter`).
    static func checkBlocked(_ response: JSONValue, deployment: Deployment) throws(GatewayError) {
        guard let reason = response["promptFeedback"]?["blockReason"]?.stringValue else { return }
        throw GatewayError(
            .contentFiltered,
            status: 400,
            type: "invalid_request_error",
            code: "content_filter",
            message: "\(deployment.provider.name) blocked the prompt for model \(deployment.model) (blockReason \(reason))",
            provider: deployment.provider.name
        )
    }

    /// An answer Gemini's safety filters stopped before it produced anything is an error too, like a blocked prompt.
    /// One stopped part-way keeps what it said and finishes with `content_filter`, as OpenAI reports it. A function
    /// call the model botched, with nothing else said, is a failed answer (retried), not an empty success.
    static func checkStopped(_ candidate: JSONValue, producedOutput: Bool, deployment: Deployment) throws(GatewayError) {
        guard !producedOutput, let reason = candidate["finishReason"]?.stringValue else { return }
        if Self.failedCallReasons.contains(reason) {
            throw GatewayError(
                .badResponse,
                status: 502,
                type: "api_error",
                code: "bad_upstream_response",
                message: "\(deployment.provider.name) ended the answer for model \(deployment.model) without output (finishReason \(reason))",
                provider: deployment.provider.name
            )
        }
        guard Self.filterReasons.contains(reason) else { return }
        throw GatewayError(
            .contentFiltered,
            status: 400,
            type: "invalid_request_error",
            code: "content_filter",
            message: "\(deployment.provider.name) stopped the answer for model \(deployment.model) before any output (finishReason \(reason))",
            provider: deployment.provider.name
        )
    }

    /// Finish reasons that mean the model's function call could not be made.
    static let failedCallReasons: Set<String> = ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL", "TOO_MANY_TOOL_CALLS"]

    /// Finish reasons that mean a safety or policy filter ended the answer.
    static let filterReasons: Set<String> = ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"]

    static func usage(_ metadata: JSONValue?) -> TokenUsage? {
        guard let metadata, let prompt = metadata["promptTokenCount"]?.tokenCount else { return nil }
        let thoughts = metadata["thoughtsTokenCount"]?.tokenCount
        return TokenUsage(
            promptTokens: prompt,
            completionTokens: (metadata["candidatesTokenCount"]?.tokenCount ?? 0) + (thoughts ?? 0),
            cachedTokens: metadata["cachedContentTokenCount"]?.tokenCount,
            reasoningTokens: thoughts
        )
    }

    static func finishReason(_ reason: String?, hasCalls: Bool) -> String {
        if hasCalls { return "tool_calls" }
        switch reason {
        case "MAX_TOKENS": return "length"
        case let reason? where Self.filterReasons.contains(reason): return "content_filter"
        default: return "stop"
        }
    }

    /// A part's function call as an OpenAI tool call. Gemini's calls carry no id; OpenAI clients need one to answer
    /// with a tool result, so it is derived from the call (a retried answer gets the same ids). The part's thought
    /// signature, which Gemini wants back with the call in the next turn, rides in `extra_content` as Google's own
    /// OpenAI-compatible endpoint sends it (the `openai` SDK keeps unknown fields when the message is sent back).
    static func toolCall(in part: JSONValue, index: Int, seed: JSONValue) -> JSONValue? {
        guard let call = part["functionCall"] else { return nil }
        let name = call["name"]?.stringValue ?? ""
        let arguments = (call["args"] ?? [:]).serializedString
        let id = call["id"]?.stringValue ?? "call_" + Self.shortHash("\(index):\(name):\(arguments):\(seed["responseId"]?.stringValue ?? "")")
        var toolCall: [String: JSONValue] = [
            "id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)],
        ]
        if let signature = part["thoughtSignature"]?.stringValue {
            toolCall["extra_content"] = ["google": ["thought_signature": .string(signature)]]
        }
        return .object(toolCall)
    }

    static func shortHash(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        let bytes = Array(text.utf8)
        _ = SHA256(bytes, bytes.count, &digest)
        return digest.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: OpenAI request → generateContent request

    /// Every OpenAI request field and what becomes of it on the way to Gemini; any other is a 400.
    static let fields = RequestFields(
        style: .openAI,
        models: "Gemini",
        policies: [
            "model": .translated, "messages": .translated, "max_completion_tokens": .translated, "max_tokens": .translated,
            "temperature": .translated, "top_p": .translated, "top_k": .translated, "seed": .translated, "n": .translated,
            "presence_penalty": .translated, "frequency_penalty": .translated, "stop": .translated, "stream": .translated,
            "stream_options": .translated, "response_format": .translated, "reasoning_effort": .translated, "tools": .translated,
            "tool_choice": .translated, "thinking": .translated,
            "user": .ignored, "store": .ignored, "metadata": .ignored, "service_tier": .ignored, "safety_identifier": .ignored,
            "prompt_cache_key": .ignored, "prompt_cache_retention": .ignored, "prompt_cache_options": .ignored,
            // OpenAI's moderation of the prompt and the answer, which a Gemini model's answer cannot carry.
            "moderation": .unsupported(),
            "logprobs": .unsupported(), "top_logprobs": .unsupported(), "logit_bias": .unsupported(), "audio": .unsupported(),
            "prediction": .unsupported(), "modalities": .unsupported(neutral: [["text"]]), "verbosity": .unsupported(neutral: ["medium"]),
            "web_search_options": .unsupported(),
            // Gemini may always call several functions at once.
            "parallel_tool_calls": .unsupported(neutral: [true], because: "Gemini models cannot be kept to one tool call at a time"),
            "functions": .unsupported(because: RequestFields.legacyFunctions),
            "function_call": .unsupported(because: RequestFields.legacyFunctions),
        ]
    )

    /// `thinking` and `failedCalls` carry what a translated `/v1/messages` request says that OpenAI's terms cannot;
    /// a chat request may carry `thinking` itself.
    static func generateBody(
        fromOpenAI body: JSONValue,
        model: String,
        thinking translated: Thinking? = nil,
        failedCalls: Set<String> = []
    ) throws(GatewayError) -> JSONValue {
        let fields = Self.fields
        try fields.check(body)
        let messages = try fields.messages(body)
        try fields.checkStreaming(body)
        var system: [JSONValue] = []
        var contents: [(role: String, parts: [JSONValue])] = []
        /// tool_call_id → function name: Gemini answers a call by the function's name.
        var callNames: [String: String] = [:]
        func append(_ role: String, _ parts: [JSONValue]) {
            guard !parts.isEmpty else { return }
            if let last = contents.last, last.role == role {
                contents[contents.count - 1].parts += parts
            } else {
                contents.append((role, parts))
            }
        }
        for (index, (role, message)) in messages.enumerated() {
            switch role {
            case "system", "developer":
                system += try Self.parts(message["content"], at: index)
            case "user":
                append("user", try Self.parts(message["content"], at: index))
            case "assistant":
                var parts = try Self.parts(message["content"] ?? .null, at: index)
                let calls = try fields.array(message["tool_calls"], "messages[\(index)].tool_calls") ?? []
                for (position, call) in calls.enumerated() {
                    let (id, name, args) = try fields.toolCall(call, "messages[\(index)].tool_calls[\(position)]")
                    if let id { callNames[id] = name }
                    var part: [String: JSONValue] = ["functionCall": ["name": .string(name), "args": args]]
                    if let signature = call["extra_content"]?["google"]?["thought_signature"]?.stringValue {
                        part["thoughtSignature"] = .string(signature)
                    }
                    parts.append(.object(part))
                }
                append("model", parts)
            case "tool", "function":
                let id = try fields.string(message["tool_call_id"], "messages[\(index)].tool_call_id") ?? ""
                let name = callNames[id] ?? message["name"]?.stringValue ?? id
                let text = try fields.textContent(message["content"], "messages[\(index)].content") { type in
                    "a tool message's \"\(type)\" part is not supported for Gemini models (their function responses are text)"
                }
                let parsed = (try? JSONValue.parse(text)).flatMap { $0.objectValue != nil ? $0 : nil }
                // Gemini reads a failed call's outcome under "error"; a result that is an object is the response itself.
                let response: JSONValue =
                    failedCalls.contains(id) ? ["error": parsed ?? .string(text)] : parsed ?? ["result": .string(text)]
                append("user", [["functionResponse": ["name": .string(name), "response": response]]])
            default:
                throw GatewayError.invalid("messages[\(index)].role: \"\(role)\" is not one of system, developer, user, assistant, tool")
            }
        }
        var out: [String: JSONValue] = [
            "contents": .array(contents.map { ["role": .string($0.role), "parts": .array($0.parts)] })
        ]
        if !system.isEmpty { out["systemInstruction"] = ["parts": .array(system)] }
        var config: [String: JSONValue] = [:]
        config["temperature"] = try fields.number(body["temperature"], "temperature")
        config["topP"] = try fields.number(body["top_p"], "top_p")
        config["topK"] = try fields.int(body["top_k"], "top_k", minimum: 1).map(JSONValue.int)
        config["seed"] = try fields.int(body["seed"], "seed").map(JSONValue.int)
        config["candidateCount"] = try fields.int(body["n"], "n", minimum: 1).map(JSONValue.int)
        config["presencePenalty"] = try fields.number(body["presence_penalty"], "presence_penalty")
        config["frequencyPenalty"] = try fields.number(body["frequency_penalty"], "frequency_penalty")
        config["maxOutputTokens"] = try fields.maxTokens(body).map(JSONValue.int)
        config["stopSequences"] = try fields.stopSequences(body).map(JSONValue.array)
        switch try fields.responseFormat(body) {
        case .jsonObject?:
            config["responseMimeType"] = "application/json"
        case .jsonSchema(let schema)?:
            config["responseMimeType"] = "application/json"
            config["responseJsonSchema"] = schema
        case .text?, nil: break
        }
        if let effort = try fields.reasoningEffort(body) {
            config["thinkingConfig"] = Self.thinkingConfig(effort: effort, model: model)
        }
        var thinking = translated
        if thinking == nil { thinking = try fields.thinking(body) }
        switch thinking?.mode {
        case .enabled(let budget)?:
            // A budget in tokens says more than an effort level: it wins.
            config["thinkingConfig"] = ["thinkingBudget": .int(budget)]
        case .disabled?:
            // Off only where the effort mapping turns thinking off (a budget of 0); later models cannot.
            let off = Self.thinkingConfig(effort: "none", model: model)
            if config["thinkingConfig"] == nil, off["thinkingBudget"] != nil { config["thinkingConfig"] = off }
        case .adaptive?, nil: break
        }
        if thinking?.shown == true {
            // Gemini's thought summaries, which come back as the answer's `reasoning_content`.
            var thinkingConfig = config["thinkingConfig"]?.objectValue ?? [:]
            thinkingConfig["includeThoughts"] = true
            config["thinkingConfig"] = .object(thinkingConfig)
        }
        if !config.isEmpty { out["generationConfig"] = .object(config) }
        let functions = try fields.functions(body)
        if !functions.isEmpty {
            let declarations: [JSONValue] = functions.map { function in
                var declaration: [String: JSONValue] = ["name": .string(function.name)]
                if let description = function.description { declaration["description"] = .string(description) }
                if let parameters = function.parameters { declaration["parametersJsonSchema"] = parameters }
                return .object(declaration)
            }
            out["tools"] = [["functionDeclarations": .array(declarations)]]
        }
        switch try fields.toolChoice(body) {
        case .noTool?: out["toolConfig"] = ["functionCallingConfig": ["mode": "NONE"]]
        case .required?: out["toolConfig"] = ["functionCallingConfig": ["mode": "ANY"]]
        case .auto?: out["toolConfig"] = ["functionCallingConfig": ["mode": "AUTO"]]
        case .function(let name)?:
            out["toolConfig"] = ["functionCallingConfig": ["mode": "ANY", "allowedFunctionNames": [.string(name)]]]
        case nil: break
        }
        return .object(out)
    }

    /// OpenAI's `reasoning_effort` in Gemini's terms, as Google's OpenAI-compatible endpoint maps it: Gemini 2.x
    /// models take a thinking budget (low 1K, medium 8K, high 24K tokens, none 0), later ones a thinking level.
    static func thinkingConfig(effort: String, model: String) -> JSONValue {
        if model.hasPrefix("gemini-2") || model.hasPrefix("gemini-1") {
            let budgets = ["none": 0, "minimal": 1024, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 24576]
            return ["thinkingBudget": .int(budgets[effort] ?? -1)]
        }
        return ["thinkingLevel": .string(["none": "minimal", "xhigh": "high"][effort] ?? effort)]
    }

    /// OpenAI content as Gemini parts: inline data for base64 images and files (a `/v1/messages` client's PDF
    /// `document` arrives as a file), `fileData` for an image's web address. Caching marks have no place: Gemini
    /// caches implicitly.
    static func parts(_ content: JSONValue?, at index: Int) throws(GatewayError) -> [JSONValue] {
        try Self.fields.contentParts(content, at: index).map { marked in
            switch marked.part {
            case .text(let text): return ["text": .string(text)]
            case .file(let data, _): return ["inlineData": ["mimeType": .string(data.mediaType), "data": .string(data.base64)]]
            case .image(let url):
                guard let data = DataURL(url) else { return ["fileData": ["fileUri": .string(url)]] }
                return ["inlineData": ["mimeType": .string(data.mediaType), "data": .string(data.base64)]]
            }
        }
    }
}

/// Gemini's `streamGenerateContent?alt=sse` events (each a whole GenerateContentResponse) as OpenAI chunks.
struct GeminiToOpenAIStream: StreamTranslator {
    let deployment: Deployment
    let includeUsage: Bool
    private var builder: ChunkBuilder
    private var started = false
    private var finished = false
    private var callCount = 0
    private var producedText = false
    private(set) var usage: TokenUsage?

    init(deployment: Deployment, includeUsage: Bool) {
        self.deployment = deployment
        self.includeUsage = includeUsage
        self.builder = ChunkBuilder(id: "chatcmpl-gemini", model: deployment.model)
    }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        let response: JSONValue
        do {
            response = try JSONValue.parse(event.data)
        } catch {
            throw UpstreamErrors.badResponse(error.message, deployment: self.deployment).interrupted()
        }
        if let error = response["error"] {
            throw UpstreamErrors.midStream(error["message"]?.stringValue, deployment: self.deployment)
        }
        try GeminiAdapter.checkBlocked(response, deployment: self.deployment)
        if let usage = GeminiAdapter.usage(response["usageMetadata"]) { self.usage = usage }
        var events: [SSEEvent] = []
        if !self.started {
            self.started = true
            if let id = response["responseId"]?.stringValue { self.builder.id = "chatcmpl-" + id }
            if let model = response["modelVersion"]?.stringValue { self.builder.model = model }
            events.append(self.builder.chunk(delta: ["role": "assistant", "content": ""]))
        }
        guard let candidate = response["candidates"]?.arrayValue?.first else { return events }
        var calls: [JSONValue] = []
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] {
            if part["thought"]?.boolValue == true {
                if let text = part["text"]?.stringValue, !text.isEmpty {
                    events.append(self.builder.chunk(delta: ["reasoning_content": .string(text)]))
                }
                continue
            }
            if let text = part["text"]?.stringValue, !text.isEmpty {
                self.producedText = true
                events.append(self.builder.chunk(delta: ["content": .string(text)]))
            }
            if var toolCall = GeminiAdapter.toolCall(in: part, index: self.callCount, seed: response) {
                toolCall["index"] = .int(self.callCount)
                self.callCount += 1
                calls.append(toolCall)
            }
        }
        if !calls.isEmpty { events.append(self.builder.chunk(delta: ["tool_calls": .array(calls)])) }
        // Before anything was produced the client has no bytes yet (the role chunk goes out with the first event),
        // so a filtered answer can still be a plain error.
        try GeminiAdapter.checkStopped(candidate, producedOutput: self.producedText || self.callCount > 0, deployment: self.deployment)
        if let reason = candidate["finishReason"]?.stringValue {
            self.finished = true
            events.append(self.builder.chunk(delta: [:], finishReason: GeminiAdapter.finishReason(reason, hasCalls: self.callCount > 0)))
        }
        return events
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        guard self.finished else {
            throw UpstreamErrors.endedEarly("without a finish reason", deployment: self.deployment)
        }
        var events: [SSEEvent] = []
        if self.includeUsage, let usage = self.usage { events.append(self.builder.usageChunk(usage)) }
        events.append(SSEEvent(data: "[DONE]"))
        return events
    }
}
