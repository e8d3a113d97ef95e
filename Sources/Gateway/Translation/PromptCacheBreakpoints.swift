/// OpenAI's `prompt_cache_breakpoint`s as Anthropic `cache_control` marks. OpenAI writes at most the latest four
/// and keeps each at least 30 minutes; Anthropic takes four marks per request, and 1 hour is its lifetime that long.
struct PromptCacheBreakpoints: Sendable {
    static let limit = 4
    static let mark: JSONValue = ["type": "ephemeral", "ttl": "1h"]

    /// The earliest breakpoints beyond the latest four, still to pass over in message order.
    private var unwritten: Int

    /// Counts the breakpoints set on the request's content parts; the marks are handed out as the parts are read.
    init(messages: [(role: String, message: JSONValue)]) {
        var count = 0
        for (_, message) in messages {
            for part in message["content"]?.arrayValue ?? [] where (part["prompt_cache_breakpoint"] ?? .null) != .null {
                count += 1
            }
        }
        self.unwritten = max(0, count - Self.limit)
    }

    /// The mark for the next breakpoint in message order; nil for one of the earliest that OpenAI would not write.
    mutating func next() -> JSONValue? {
        guard self.unwritten == 0 else {
            self.unwritten -= 1
            return nil
        }
        return Self.mark
    }
}
