import Foundation
import HTTPClient

/// OpenAI's chat completions format, which DeepSeek, xAI and Azure AI Inference speak too: the client's body goes
/// upstream nearly as it came (model renamed, usage requested on streams) and the answer comes back unchanged.
struct OpenAIAdapter: ProviderAdapter {
    func chatRequest(_ body: JSONValue, deployment: Deployment, stream: Bool, call: UpstreamCall) throws(GatewayError) -> HTTPRequest {
        var upstream = body
        upstream["model"] = .string(deployment.model)
        if stream {
            upstream["stream"] = true
            // Usage arrives only when asked for; accounting needs it, whatever the client asked. Azure AI Inference
            // defines no such field (an unknown field is a 400 there) and sends usage on its streams unasked; the
            // client's include_usage is honoured on the way back either way.
            if deployment.provider.kind == .azure {
                upstream["stream_options"] = nil
            } else {
                var options = body["stream_options"]?.objectValue ?? [:]
                options["include_usage"] = true
                upstream["stream_options"] = .object(options)
            }
        } else {
            upstream["stream"] = nil
            upstream["stream_options"] = nil
        }
        if let messages = body["messages"]?.arrayValue, let fitted = Self.withoutForeignReplay(messages, for: deployment.provider.kind) {
            upstream["messages"] = .array(fitted)
        }
        var headers = Self.headers(deployment.provider)
        switch deployment.provider.kind {
        case .azure:
            // Azure AI Inference names the output limit `max_tokens` only.
            if upstream["max_tokens"] == nil, let limit = upstream["max_completion_tokens"] {
                upstream["max_tokens"] = limit
                upstream["max_completion_tokens"] = nil
            }
            headers += Self.azureExtraParameters(upstream, defined: Self.azureChatFields)
        case .openAI where Self.isReasoningModel(deployment.model):
            // OpenAI's reasoning models refuse `max_tokens`, which clients written for earlier models still send.
            if upstream["max_completion_tokens"] == nil, let limit = upstream["max_tokens"] {
                upstream["max_completion_tokens"] = limit
                upstream["max_tokens"] = nil
            }
        default:
            break
        }
        return call.request(url: Self.url(deployment.provider, path: "chat/completions"), headers: headers, body: upstream)
    }

    /// The history without what skiff's answers from Claude and Gemini leave on assistant messages for those
    /// providers to read back (an SDK sends the message back as it got it), which OpenAI-format APIs do not define
    /// and strict ones refuse, failing a fallback or a switch of model mid-conversation: `thinking_blocks` (Claude's
    /// signed reasoning), a tool call's `extra_content` (Gemini's thought signature), and `reasoning_content` except
    /// for DeepSeek and xAI, which write it themselves. Nil when there is nothing to take out, as usual.
    static func withoutForeignReplay(_ messages: [JSONValue], for kind: ProviderKind) -> [JSONValue]? {
        let keepsReasoning = kind == .deepSeek || kind == .xAI
        func foreign(_ message: JSONValue) -> Bool {
            guard message["role"] == "assistant" else { return false }
            return message["thinking_blocks"] != nil || (!keepsReasoning && message["reasoning_content"] != nil)
                || message["tool_calls"]?.arrayValue?.contains { $0["extra_content"] != nil } == true
        }
        guard messages.contains(where: foreign) else { return nil }
        return messages.map { message in
            guard foreign(message), var members = message.objectValue else { return message }
            members["thinking_blocks"] = nil
            if !keepsReasoning { members["reasoning_content"] = nil }
            if let calls = members["tool_calls"]?.arrayValue {
                members["tool_calls"] = .array(
                    calls.map { call in
                        guard var fields = call.objectValue else { return call }
                        fields["extra_content"] = nil
                        return .object(fields)
                    }
                )
            }
            return .object(members)
        }
    }

    /// o1, o3, o4-mini, gpt-5…: the models that take `max_completion_tokens` and refuse `max_tokens`.
    static func isReasoningModel(_ model: String) -> Bool {
        let name = model.lowercased()
        if name.hasPrefix("gpt-5") { return true }
        guard name.first == "o", let second = name.dropFirst().first else { return false }
        return second.isNumber
    }

    /// The chat fields Azure AI Inference's API defines; it refuses others unless told to pass them on.
    static let azureChatFields: Set<String> = [
        "messages", "model", "stream", "frequency_penalty", "presence_penalty", "temperature", "top_p", "max_tokens",
        "response_format", "stop", "tools", "tool_choice", "seed", "modalities",
    ]

    /// The embeddings fields Azure AI Inference's API defines.
    static let azureEmbeddingsFields: Set<String> = ["input", "model", "dimensions", "encoding_format", "input_type"]

    /// `extra-parameters: pass-through` when the body has fields Azure AI Inference does not define (`user`, `n`,
    /// `reasoning_effort`, `parallel_tool_calls`…): the client asked for them, so they go on to the model, which may
    /// still refuse one it does not know (Azure's default is to refuse them all).
    static func azureExtraParameters(_ body: JSONValue, defined: Set<String>) -> [(name: String, value: String)] {
        guard let members = body.objectValue, members.keys.contains(where: { !defined.contains($0) }) else { return [] }
        return [(name: "extra-parameters", value: "pass-through")]
    }

    func completion(from body: [UInt8], deployment: Deployment) throws(GatewayError) -> ChatCompletion {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(body)
        } catch {
            throw UpstreamErrors.badResponse(error.message, deployment: deployment)
        }
        guard parsed["choices"]?.arrayValue != nil else {
            throw UpstreamErrors.badResponse("no choices in the answer", deployment: deployment)
        }
        return ChatCompletion(body: parsed, usage: TokenUsage(openAI: parsed["usage"]))
    }

    /// The usage of an answer that goes to the client byte for byte: its structure is checked (one complete object
    /// with a `choices` array) and only `usage` is parsed, since a full parse cost more than the proxying around it.
    static func passthroughUsage(of body: [UInt8], deployment: Deployment) throws(GatewayError) -> TokenUsage? {
        guard let members = JSONStructure.members(["choices", "usage"], of: body) else {
            let detail = body.isEmpty ? "the body is empty" : "the answer is not one complete JSON object"
            throw UpstreamErrors.badResponse(detail, deployment: deployment)
        }
        guard members["choices"]?.first == UInt8(ascii: "[") else {
            throw UpstreamErrors.badResponse("no choices in the answer", deployment: deployment)
        }
        return try Self.usage(members["usage"], deployment: deployment)
    }

    /// A Responses body for OpenAI itself: the deployment's model name, and the input without what skiff made for
    /// other providers (`ResponsesTranslator.nativeInput`).
    static func responsesRequest(_ body: JSONValue, deployment: Deployment, call: UpstreamCall, stream: Bool) -> HTTPRequest {
        var upstream = body
        upstream["model"] = .string(deployment.model)
        upstream["stream"] = stream ? true : nil
        if let items = body["input"]?.arrayValue, let native = ResponsesTranslator.nativeInput(items) { upstream["input"] = .array(native) }
        return call.request(url: Self.url(deployment.provider, path: "responses"), headers: Self.headers(deployment.provider), body: upstream)
    }

    /// The usage of OpenAI's own response, read without parsing the rest; a body that is no response is a bad one.
    static func responsesUsage(of body: [UInt8], deployment: Deployment) throws(GatewayError) -> TokenUsage? {
        guard let members = JSONStructure.members(["output", "usage"], of: body), members["output"]?.first == UInt8(ascii: "[") else {
            throw UpstreamErrors.badResponse("the answer is not a response with output", deployment: deployment)
        }
        guard let usage = members["usage"] else { return nil }
        return TokenUsage(responses: try? JSONValue.parse(usage))
    }

    /// The counts of a `usage` member's bytes, read where they lie; a member that is not JSON is a bad response.
    static func usage(_ bytes: ArraySlice<UInt8>?, deployment: Deployment) throws(GatewayError) -> TokenUsage? {
        guard let bytes else { return nil }
        do {
            return try TokenUsage(openAIBytes: bytes)
        } catch {
            throw UpstreamErrors.badResponse("usage: \(error.message)", deployment: deployment)
        }
    }

    func streamTranslator(deployment: Deployment, includeUsage: Bool) -> any StreamTranslator {
        OpenAIStreamPassthrough(deployment: deployment, includeUsage: includeUsage)
    }

    /// `base/path`, with Azure's `api-version` query.
    static func url(_ provider: ProviderConfiguration, path: String) -> String {
        var url = provider.baseURL + "/" + path
        if provider.kind == .azure, let version = provider.apiVersion {
            url +=
                "?api-version=" + (version.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._"))) ?? version)
        }
        return url
    }

    /// Azure AI Inference takes its key in `api-key`; the others as a Bearer token.
    static func headers(_ provider: ProviderConfiguration) -> [(name: String, value: String)] {
        if provider.kind == .azure {
            return [(name: "api-key", value: provider.apiKey.value)]
        }
        return [(name: "Authorization", value: "Bearer " + provider.apiKey.value)]
    }
}

/// OpenAI-format stream events pass through as they are; the usage-only chunk skiff asked for is dropped when the
/// client did not ask for it (one carrying moderation results stays), an in-stream error becomes a thrown error,
/// and a chunk cut short is caught.
struct OpenAIStreamPassthrough: StreamTranslator {
    let deployment: Deployment
    let includeUsage: Bool
    private(set) var usage: TokenUsage?
    private var done = false

    init(deployment: Deployment, includeUsage: Bool) {
        self.deployment = deployment
        self.includeUsage = includeUsage
    }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        let data = event.data
        if data == "[DONE]" {
            self.done = true
            return []
        }
        let summary = JSONStructure.summarize(data)
        guard summary.isComplete else {
            throw UpstreamErrors.badResponse("a stream event is not complete JSON", deployment: self.deployment).interrupted()
        }
        // Most chunks carry neither an error nor usage. An error is parsed whole; usage is read where it lies, as
        // in a passed-through answer.
        if summary.hasError {
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(data)
            } catch {
                throw UpstreamErrors.badResponse(error.message, deployment: self.deployment).interrupted()
            }
            if let error = parsed["error"], error != .null {
                throw UpstreamErrors.midStream(
                    error["message"]?.stringValue,
                    type: error["type"]?.stringValue,
                    code: error["code"]?.stringValue,
                    deployment: self.deployment
                )
            }
        }
        if summary.hasUsage {
            let members = JSONStructure.members(["usage", "choices", "moderation"], of: Array(data.utf8))
            let usage: TokenUsage?
            do {
                usage = try OpenAIAdapter.usage(members?["usage"], deployment: self.deployment)
            } catch {
                throw error.interrupted()
            }
            if let usage {
                self.usage = usage
                let hasChoices = members?["choices"].map(JSONStructure.isNonEmptyArray) ?? false
                // A moderated completion's results may share the chunk; they were asked for, so it stays.
                let hasModeration = members?["moderation"].map { $0.first != UInt8(ascii: "n") } ?? false
                if !self.includeUsage && !hasChoices && !hasModeration { return [] }
            }
        }
        return [SSEEvent(data: data)]
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        guard self.done else {
            throw UpstreamErrors.endedEarly("before [DONE]", deployment: self.deployment)
        }
        return [SSEEvent(data: "[DONE]")]
    }
}

extension GatewayError {
    /// The same failure, seen in the middle of a stream.
    func interrupted() -> GatewayError {
        var copy = self
        copy.kind = .streamInterrupted
        return copy
    }
}
