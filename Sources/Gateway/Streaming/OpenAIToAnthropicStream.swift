import Foundation

/// OpenAI chunks (from any provider, already translated) as Anthropic's event stream, for `/v1/messages` clients
/// reaching a non-Anthropic model: `message_start`, one content block per run of reasoning or text or per tool call,
/// `message_delta` with the stop reason and usage, `message_stop`.
struct OpenAIToAnthropicStream: ChunkConverting {
    var upstream: any StreamTranslator
    /// Whether the client asked to see the model's reasoning; `reasoning_content` is dropped otherwise.
    private let showingThinking: Bool
    private var started = false
    private enum Block: Equatable {
        case thinking, text
        /// A tool call, by its OpenAI index.
        case tool(Int)
    }
    /// The open content block and its index.
    private var openBlock: (index: Int, kind: Block)?
    private var nextBlock = 0
    private var stopReason = "end_turn"
    private var model: String
    private let provider: String

    init(upstream: any StreamTranslator, model: String, provider: String, showingThinking: Bool) {
        self.upstream = upstream
        self.showingThinking = showingThinking
        self.model = model
        self.provider = provider
    }

    mutating func opening() -> [SSEEvent] {
        self.start(id: Self.messageID())
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        var out = self.converted(try self.upstream.finish())
        out += self.start(id: Self.messageID())
        out += self.closeBlock()
        let usage = self.upstream.usage
        out.append(
            SSEEvent.typed(
                "message_delta",
                [
                    "delta": ["stop_reason": .string(self.stopReason), "stop_sequence": nil],
                    "usage": (usage ?? TokenUsage()).anthropicObject,
                ]
            )
        )
        out.append(SSEEvent.typed("message_stop", [:]))
        return out
    }

    mutating func convert(_ chunk: SSEEvent) -> [SSEEvent] {
        guard let data = try? JSONValue.parse(chunk.data) else { return [] }
        if let model = data["model"]?.stringValue { self.model = model }
        var out = self.start(id: data["id"]?.stringValue ?? "skiff")
        guard let choice = data["choices"]?.arrayValue?.first else { return out }
        let delta = choice["delta"]
        if self.showingThinking, let reasoning = delta?["reasoning_content"]?.stringValue, !reasoning.isEmpty {
            // No signature: only Anthropic's own models sign their reasoning.
            out += self.open(.thinking, ["type": "thinking", "thinking": "", "signature": ""])
            out += self.delta(["type": "thinking_delta", "thinking": .string(reasoning)])
        }
        if let text = delta?["content"]?.stringValue, !text.isEmpty {
            out += self.open(.text, ["type": "text", "text": ""])
            out += self.delta(["type": "text_delta", "text": .string(text)])
        }
        for call in delta?["tool_calls"]?.arrayValue ?? [] {
            let toolIndex = call["index"]?.intValue ?? 0
            out += self.open(
                .tool(toolIndex),
                ["type": "tool_use", "id": call["id"] ?? .string("toolu_\(toolIndex)"), "name": call["function"]?["name"] ?? "", "input": [:]]
            )
            if let arguments = call["function"]?["arguments"]?.stringValue, !arguments.isEmpty {
                out += self.delta(["type": "input_json_delta", "partial_json": .string(arguments)])
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
        return [SSEEvent.typed("message_start", ["message": message])]
    }

    /// An id for a message whose upstream gave none (yet): unique, in Anthropic's `msg_` form.
    private static func messageID() -> String {
        "msg_skiff_" + RandomID.hex()
    }

    /// Starts `block` unless a block of its kind is open (a tool call's deltas continue its block).
    private mutating func open(_ kind: Block, _ block: @autoclosure () -> JSONValue) -> [SSEEvent] {
        guard self.openBlock?.kind != kind else { return [] }
        var out = self.closeBlock()
        out.append(SSEEvent.typed("content_block_start", ["index": .int(self.nextBlock), "content_block": block()]))
        self.openBlock = (self.nextBlock, kind)
        self.nextBlock += 1
        return out
    }

    /// A delta of the open block.
    private func delta(_ delta: JSONValue) -> [SSEEvent] {
        guard let block = self.openBlock else { return [] }
        return [SSEEvent.typed("content_block_delta", ["index": .int(block.index), "delta": delta])]
    }

    private mutating func closeBlock() -> [SSEEvent] {
        guard let block = self.openBlock else { return [] }
        self.openBlock = nil
        return [SSEEvent.typed("content_block_stop", ["index": .int(block.index)])]
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
