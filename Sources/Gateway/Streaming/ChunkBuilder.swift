import Foundation

/// Writes OpenAI `chat.completion.chunk` events for a stream translated from another provider: one id, model and
/// creation time for the whole stream, as OpenAI's own streams have.
struct ChunkBuilder: Sendable {
    var id: String
    var model: String
    let created = Int(Date().timeIntervalSince1970)

    func chunk(delta: JSONValue, finishReason: String? = nil) -> SSEEvent {
        self.event { writer in
            writer.member("choices", [["index": 0, "delta": delta, "logprobs": nil, "finish_reason": finishReason.map(JSONValue.string) ?? .null]])
        }
    }

    /// The last chunk of a stream with `stream_options.include_usage`: no choices, the usage.
    func usageChunk(_ usage: TokenUsage) -> SSEEvent {
        self.event { writer in
            writer.member("choices", [])
            writer.member("usage", usage.openAIObject)
        }
    }

    /// A chunk's members in OpenAI's order, written as they come (no dictionary, no sorting: one per token).
    private func event(_ write: (inout JSONWriter) -> Void) -> SSEEvent {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.member("id", .string(self.id))
        writer.member("object", "chat.completion.chunk")
        writer.member("created", .int(self.created))
        writer.member("model", .string(self.model))
        write(&writer)
        writer.endObject()
        return SSEEvent(data: String(decoding: writer.bytes, as: UTF8.self))
    }
}
