import Foundation

/// Writes OpenAI `chat.completion.chunk` events for a stream translated from another provider: one id, model and
/// creation time for the whole stream, as OpenAI's own streams have.
struct ChunkBuilder: Sendable {
    var id: String
    var model: String
    let created = Int(Date().timeIntervalSince1970)

    func chunk(delta: JSONValue, finishReason: String? = nil) -> SSEEvent {
        let body: JSONValue = [
            "id": .string(self.id),
            "object": "chat.completion.chunk",
            "created": .int(self.created),
            "model": .string(self.model),
            "choices": [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map(JSONValue.string) ?? .null]],
        ]
        return SSEEvent(data: body.serializedString)
    }

    /// The last chunk of a stream with `stream_options.include_usage`: no choices, the usage.
    func usageChunk(_ usage: TokenUsage) -> SSEEvent {
        let body: JSONValue = [
            "id": .string(self.id),
            "object": "chat.completion.chunk",
            "created": .int(self.created),
            "model": .string(self.model),
            "choices": [],
            "usage": usage.openAIObject,
        ]
        return SSEEvent(data: body.serializedString)
    }
}
