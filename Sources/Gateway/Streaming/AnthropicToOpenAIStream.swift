import Foundation

/// Anthropic's stream (`message_start`, `content_block_*`, `message_delta`, `message_stop`, `ping`, `error`) as
/// OpenAI chunks, event by event: text deltas become content deltas, `tool_use` blocks become tool call deltas,
/// thinking deltas `reasoning_content`, and each finished thinking block one `thinking_blocks` entry to send back.
struct AnthropicToOpenAIStream: StreamTranslator {
    let deployment: Deployment
    let includeUsage: Bool
    private var builder: ChunkBuilder
    private var counts = AnthropicUsage()
    /// Anthropic content block index → OpenAI tool call index.
    private var toolIndex: [Int: Int] = [:]
    /// Tool calls whose arguments have begun; one that ends without any gets `{}`, as OpenAI sends.
    private var callsWithArguments: Set<Int> = []
    /// Open thinking blocks by content block index: their text so far and their signature.
    private var thinking: [Int: (text: String, signature: String)] = [:]
    /// Some reasoning has gone out: another block's text starts after a separator, as in a whole answer.
    private var reasoned = false
    private var stopped = false
    private var finishReason: String?

    init(deployment: Deployment, includeUsage: Bool) {
        self.deployment = deployment
        self.includeUsage = includeUsage
        self.builder = ChunkBuilder(id: "chatcmpl-skiff", model: deployment.model)
    }

    var usage: TokenUsage? { self.counts.tokenUsage }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        let data: JSONValue
        do {
            data = try JSONValue.parse(event.data)
        } catch {
            throw UpstreamErrors.badResponse(error.message, deployment: self.deployment).interrupted()
        }
        switch data["type"]?.stringValue ?? event.event {
        case "message_start":
            let message = data["message"]
            if let id = message?["id"]?.stringValue { self.builder.id = id }
            if let model = message?["model"]?.stringValue { self.builder.model = model }
            self.counts.update(message?["usage"])
            return [self.builder.chunk(delta: ["role": "assistant", "content": ""])]
        case "content_block_start":
            let block = data["content_block"]
            guard let index = data["index"]?.intValue else { return [] }
            switch block?["type"]?.stringValue {
            case "thinking":
                self.thinking[index] = ("", block?["signature"]?.stringValue ?? "")
                return self.reasoning(block?["thinking"]?.stringValue ?? "", index: index)
            case "redacted_thinking":
                return [self.builder.chunk(delta: ["thinking_blocks": [block ?? .null]])]
            case "tool_use": break
            default: return []
            }
            let callIndex = self.toolIndex.count
            self.toolIndex[index] = callIndex
            let call: JSONValue = [
                "index": .int(callIndex), "id": block?["id"] ?? "", "type": "function",
                "function": ["name": block?["name"] ?? "", "arguments": ""],
            ]
            return [self.builder.chunk(delta: ["tool_calls": [call]])]
        case "content_block_delta":
            let delta = data["delta"]
            switch delta?["type"]?.stringValue {
            case "text_delta":
                return [self.builder.chunk(delta: ["content": delta?["text"] ?? ""])]
            case "input_json_delta":
                let partial = delta?["partial_json"]?.stringValue ?? ""
                guard !partial.isEmpty, let index = data["index"]?.intValue, let callIndex = self.toolIndex[index] else { return [] }
                self.callsWithArguments.insert(callIndex)
                return [self.builder.chunk(delta: ["tool_calls": [["index": .int(callIndex), "function": ["arguments": .string(partial)]]]])]
            case "thinking_delta":
                guard let index = data["index"]?.intValue else { return [] }
                return self.reasoning(delta?["thinking"]?.stringValue ?? "", index: index)
            case "signature_delta":
                if let index = data["index"]?.intValue { self.thinking[index]?.signature += delta?["signature"]?.stringValue ?? "" }
                return []
            default:
                return []
            }
        case "content_block_stop":
            guard let index = data["index"]?.intValue else { return [] }
            if let block = self.thinking.removeValue(forKey: index) {
                let finished: JSONValue = ["type": "thinking", "thinking": .string(block.text), "signature": .string(block.signature)]
                return [self.builder.chunk(delta: ["thinking_blocks": [finished]])]
            }
            guard let callIndex = self.toolIndex[index], !self.callsWithArguments.contains(callIndex) else { return [] }
            self.callsWithArguments.insert(callIndex)
            return [self.builder.chunk(delta: ["tool_calls": [["index": .int(callIndex), "function": ["arguments": "{}"]]]])]
        case "message_delta":
            self.counts.update(data["usage"])
            guard let reason = data["delta"]?["stop_reason"]?.stringValue else { return [] }
            let finish = AnthropicAdapter.finishReason(reason)
            self.finishReason = finish
            return [self.builder.chunk(delta: [:], finishReason: finish)]
        case "message_stop":
            self.stopped = true
            return []
        case "error":
            throw UpstreamErrors.anthropicStreamError(data, deployment: self.deployment)
        default:
            return []  // ping
        }
    }

    /// A thinking block's text as `reasoning_content`, kept for the block's `thinking_blocks` entry.
    private mutating func reasoning(_ text: String, index: Int) -> [SSEEvent] {
        guard !text.isEmpty, let block = self.thinking[index] else { return [] }
        let separated = block.text.isEmpty && self.reasoned ? AnthropicAdapter.thinkingSeparator + text : text
        self.thinking[index]?.text += text
        self.reasoned = true
        return [self.builder.chunk(delta: ["reasoning_content": .string(separated)])]
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        guard self.stopped else {
            throw UpstreamErrors.endedEarly("before message_stop", deployment: self.deployment)
        }
        var events: [SSEEvent] = []
        if self.finishReason == nil { events.append(self.builder.chunk(delta: [:], finishReason: "stop")) }
        if self.includeUsage, let usage = self.usage { events.append(self.builder.usageChunk(usage)) }
        events.append(SSEEvent(data: "[DONE]"))
        return events
    }
}
