/// A client stream made from OpenAI chunks (any provider's, already translated by `upstream`), each converted into
/// the client API's events; `[DONE]` belongs to the chat API and goes no further.
protocol ChunkConverting: StreamTranslator {
    var upstream: any StreamTranslator { get set }
    /// The client's events for one OpenAI chunk.
    mutating func convert(_ chunk: SSEEvent) -> [SSEEvent]
}

extension ChunkConverting {
    var usage: TokenUsage? { self.upstream.usage }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        self.converted(try self.upstream.translate(event))
    }

    /// The client's events for the upstream translator's chunks.
    mutating func converted(_ chunks: [SSEEvent]) -> [SSEEvent] {
        var out: [SSEEvent] = []
        for chunk in chunks where chunk.data != "[DONE]" {
            out += self.convert(chunk)
        }
        return out
    }
}
