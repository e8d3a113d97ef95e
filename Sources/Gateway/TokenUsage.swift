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

    /// The same from the object's bytes: plain integer counts (every answer seen) are read where they lie, without
    /// a parse; anything else (`null`, `9.0`) is parsed. Throws when the bytes are not JSON.
    init?(openAIBytes usage: ArraySlice<UInt8>) throws(JSONError) {
        func integer(_ text: ArraySlice<UInt8>) -> Int? { Int(String(decoding: text, as: UTF8.self)) }
        if let counts = JSONStructure.members(["prompt_tokens", "completion_tokens"], of: usage),
            let prompt = counts["prompt_tokens"].flatMap(integer)
        {
            let completionText = counts["completion_tokens"]
            if let completion = completionText == nil ? 0 : completionText.flatMap(integer) {
                self.init(promptTokens: prompt, completionTokens: completion)
                return
            }
        }
        self.init(openAI: try JSONValue.parse(usage))
    }
}
