import Foundation

/// OpenAI chunks (from any provider, already translated) as Anthropic's event stream, for `/v1/messages` clients
/// reaching a non-Anthropic model: `message_start`, one content block per text run or tool call, `message_delta`
/// with the stop reason and usage, `message_stop`.
struct OpenAIToAnthropicStream: StreamTranslator {
    private var upstream: any StreamTranslator
    private var started = false
    /// The open content block: its index and whether it is text (else a tool call with this OpenAI index).
    private var openBlock: (index: Int, toolIndex: Int?)?
    private var nextBlock = 0
    private var stopReason = "end_turn"
    private var model: String
    private let provider: String

    init(upstream: any StreamTranslator, model: String, provider: String) {
        self.upstream = upstream
        self.model = model
        self.provider = provider
    }

    var usage: TokenUsage? { self.upstream.usage }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        var out: [SSEEvent] = []
        for chunk in try self.upstream.translate(event) where chunk.data != "[DONE]" {
            out += self.convert(chunk)
        }
        return out
    }

    mutating func opening() -> [SSEEvent] {
        self.start(id: Self.messageID())
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        var out: [SSEEvent] = []
        for chunk in try self.upstream.finish() where chunk.data != "[DONE]" {
            out += self.convert(chunk)
        }
        out += self.start(id: Self.messageID())
        out += self.closeBlock()
        let usage = self.upstream.usage
        out.append(
            Self.event(
                "message_delta",
                [
                    "delta": ["stop_reason": .string(self.stopReason), "stop_sequence": nil],
                    "usage": (usage ?? TokenUsage()).anthropicObject,
                ]
            )
        )
        out.append(Self.event("message_stop", [:]))
        return out
    }

    private mutating func convert(_ chunk: SSEEvent) -> [SSEEvent] {
        guard let data = try? JSONValue.parse(chunk.data) else { return [] }
        if let model = data["model"]?.stringValue { self.model = model }
        var out = self.start(id: data["id"]?.stringValue ?? "skiff")
        guard let choice = data["choices"]?.arrayValue?.first else { return out }
        let delta = choice["delta"]
        if let text = delta?["content"]?.stringValue, !text.isEmpty {
            if self.openBlock == nil || self.openBlock?.toolIndex != nil {
                out += self.closeBlock()
                out.append(Self.event("content_block_start", ["index": .int(self.nextBlock), "content_block": ["type": "text", "text": ""]]))
                self.openBlock = (self.nextBlock, nil)
                self.nextBlock += 1
            }
            out.append(
                Self.event("content_block_delta", ["index": .int(self.openBlock!.index), "delta": ["type": "text_delta", "text": .string(text)]])
            )
        }
        for call in delta?["tool_calls"]?.arrayValue ?? [] {
            let toolIndex = call["index"]?.intValue ?? 0
            if self.openBlock?.toolIndex != toolIndex {
                out += self.closeBlock()
                let block: JSONValue = [
                    "type": "tool_use", "id": call["id"] ?? .string("toolu_\(toolIndex)"),
                    "name": call["function"]?["name"] ?? "", "input": [:],
                ]
                out.append(Self.event("content_block_start", ["index": .int(self.nextBlock), "content_block": block]))
                self.openBlock = (self.nextBlock, toolIndex)
                self.nextBlock += 1
            }
            if let arguments = call["function"]?["arguments"]?.stringValue, !arguments.isEmpty {
                out.append(
                    Self.event(
                        "content_block_delta",
                        ["index": .int(self.openBlock!.index), "delta": ["type": "input_json_delta", "partial_json": .string(arguments)]]
                    )
                )
            }
        }
        if let finish = choice["finish_reason"]?.stringValue {
            self.stopReason = MessagesTranslator.stopReason(finish)
            out += self.closeBlock()
        }
        return out
    }

    private mutating func start(id: String) -> [SSEEvent] {
        guard !self.started else { return [] }
        self.started = true
        let message: JSONValue = [
            "id": .string(id.hasPrefix("msg_") ? id : "msg_" + id), "type": "message", "role": "assistant",
            "model": .string(self.model), "content": [], "stop_reason": nil, "stop_sequence": nil,
            // The prompt's count when the upstream has told it by now (Gemini does with its first chunk), as
            // Anthropic's own `message_start` does; output comes with `message_delta`.
            "usage": TokenUsage(
                promptTokens: self.upstream.usage?.promptTokens ?? 0,
                cachedTokens: self.upstream.usage?.cachedTokens,
                cacheWriteTokens: self.upstream.usage?.cacheWriteTokens
            ).anthropicObject,
        ]
        return [Self.event("message_start", ["message": message])]
    }

    /// An id for a message whose upstream gave none (yet): unique, in Anthropic's `msg_` form.
    private static func messageID() -> String {
        "msg_skiff_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    private mutating func closeBlock() -> [SSEEvent] {
        guard let block = self.openBlock else { return [] }
        self.openBlock = nil
        return [Self.event("content_block_stop", ["index": .int(block.index)])]
    }

    static func event(_ name: String, _ fields: [String: JSONValue]) -> SSEEvent {
        var body = fields
        body["type"] = .string(name)
        return SSEEvent(event: name, data: JSONValue.object(body).serializedString)
    }
}

/// Anthropic's own stream to an Anthropic client: events pass unchanged; usage is read on the way, an `error`
/// event is the stream's failure (retried when no content has gone out yet, else sent on in Anthropic's shape), and
/// a stream that stops before `message_stop` is reported.
struct AnthropicPassthroughStream: StreamTranslator {
    let deployment: Deployment
    private var counts = AnthropicUsage()
    private var stopped = false

    init(deployment: Deployment) {
        self.deployment = deployment
    }

    var usage: TokenUsage? { self.counts.tokenUsage }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        guard JSONStructure.isComplete(event.data) else {
            throw UpstreamErrors.badResponse("a stream event is not complete JSON", deployment: self.deployment).interrupted()
        }
        switch event.event {
        case "message_start", "message_delta":
            if let data = try? JSONValue.parse(event.data) {
                self.counts.update(data["message"]?["usage"] ?? data["usage"])
            }
        case "message_stop":
            self.stopped = true
        case "error":
            throw UpstreamErrors.anthropicStreamError(try? JSONValue.parse(event.data), deployment: self.deployment)
        default:
            break
        }
        return [event]
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        guard self.stopped else {
            throw UpstreamErrors.endedEarly("before message_stop", deployment: self.deployment)
        }
        return []
    }
}
