/// Tokens a request used, as the provider reported them.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public var totalTokens: Int { self.promptTokens + self.completionTokens }

    /// OpenAI's `usage` object.
    public var openAIObject: JSONValue {
        [
            "prompt_tokens": .int(self.promptTokens),
            "completion_tokens": .int(self.completionTokens),
            "total_tokens": .int(self.totalTokens),
        ]
    }

    /// Reads OpenAI's `usage` object (also what Azure, DeepSeek and xAI send).
    init?(openAI usage: JSONValue?) {
        guard let usage, let prompt = usage["prompt_tokens"]?.intValue else { return nil }
        self.init(promptTokens: prompt, completionTokens: usage["completion_tokens"]?.intValue ?? 0)
    }
}
