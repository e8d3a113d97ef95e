@testable import Gateway

/// A chat completion streamed as OpenAI sends it, for the tests of the translators that read OpenAI chunks.
enum ChatChunks {
    /// One chunk event per delta, of `chatcmpl-1` from `model`; the last carries `finish`.
    static func events(_ deltas: [JSONValue], model: String, finish: String) -> [SSEEvent] {
        deltas.enumerated().map { position, delta in
            let reason: JSONValue = position == deltas.count - 1 ? .string(finish) : nil
            let chunk: JSONValue = ["id": "chatcmpl-1", "model": .string(model), "choices": [["index": 0, "delta": delta, "finish_reason": reason]]]
            return SSEEvent(data: chunk.serializedString)
        }
    }
}
