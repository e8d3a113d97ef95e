/// Tokens a request used, as the provider reported them.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens read from the provider's cache (already counted in `promptTokens`); nil when not reported.
    public var cachedTokens: Int?
    /// Completion tokens spent thinking (already counted in `completionTokens`); nil when not reported.
    public var reasoningTokens: Int?

    public init(promptTokens: Int = 0, completionTokens: Int = 0, cachedTokens: Int? = nil, reasoningTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.reasoningTokens = reasoningTokens
    }

    public var totalTokens: Int { self.promptTokens + self.completionTokens }

    /// The counts a provider can mean. Anything else (negative, or beyond any context window) reads as not reported:
    /// an upstream's garbage must not overflow a sum or make a counter go down, either of which stops the process.
    static let plausibleCounts = 0...(1 << 40)

    /// OpenAI's `usage` object, with `prompt_tokens_details` and `completion_tokens_details` when known.
    public var openAIObject: JSONValue {
        var object: [String: JSONValue] = [
            "prompt_tokens": .int(self.promptTokens),
            "completion_tokens": .int(self.completionTokens),
            "total_tokens": .int(self.totalTokens),
        ]
        if let cached = self.cachedTokens { object["prompt_tokens_details"] = ["cached_tokens": .int(cached)] }
        if let reasoning = self.reasoningTokens { object["completion_tokens_details"] = ["reasoning_tokens": .int(reasoning)] }
        return .object(object)
    }

    /// Anthropic's `usage` object: its `input_tokens` leaves out cache reads, which go apart.
    public var anthropicObject: JSONValue {
        var object: [String: JSONValue] = [
            "input_tokens": .int(max(0, self.promptTokens - (self.cachedTokens ?? 0))),
            "output_tokens": .int(self.completionTokens),
        ]
        if let cached = self.cachedTokens { object["cache_read_input_tokens"] = .int(cached) }
        return .object(object)
    }

    /// Reads OpenAI's `usage` object (also what Azure, DeepSeek and xAI send).
    init?(openAI usage: JSONValue?) {
        guard let usage, let prompt = usage["prompt_tokens"]?.tokenCount else { return nil }
        self.init(
            promptTokens: prompt,
            completionTokens: usage["completion_tokens"]?.tokenCount ?? 0,
            cachedTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.tokenCount,
            reasoningTokens: usage["completion_tokens_details"]?["reasoning_tokens"]?.tokenCount
        )
    }

    /// The same from the object's bytes, as every answer passed through is counted: plain integer counts are read
    /// where they lie, without a parse; anything else (`null`, `9.0`) is parsed. Throws when the bytes are not JSON.
    init?(openAIBytes usage: ArraySlice<UInt8>) throws(JSONError) {
        func integer(_ text: ArraySlice<UInt8>) -> Int? {
            Int(String(decoding: text, as: UTF8.self)).flatMap { Self.plausibleCounts.contains($0) ? $0 : nil }
        }
        /// A breakdown's count: `.some(nil)` when not given, `.some(n)` for an integer, nil when it needs a parse.
        func detail(_ object: ArraySlice<UInt8>?, _ key: String) -> Int?? {
            guard let object, object.first != UInt8(ascii: "n") else { return .some(nil) }
            guard let members = JSONStructure.members([key], of: object) else { return nil }
            guard let value = members[key] else { return .some(nil) }
            return integer(value).map { .some($0) }
        }
        let keys: Set<String> = ["prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"]
        if let counts = JSONStructure.members(keys, of: usage), let prompt = counts["prompt_tokens"].flatMap(integer),
            let completion = counts["completion_tokens"] == nil ? 0 : counts["completion_tokens"].flatMap(integer),
            let cached = detail(counts["prompt_tokens_details"], "cached_tokens"),
            let reasoning = detail(counts["completion_tokens_details"], "reasoning_tokens")
        {
            self.init(promptTokens: prompt, completionTokens: completion, cachedTokens: cached, reasoningTokens: reasoning)
            return
        }
        self.init(openAI: try JSONValue.parse(usage))
    }
}

/// Anthropic's usage as a stream reports it: `message_start` gives the prompt's counts, `message_delta` the output
/// so far and, in newer streams, the prompt's counts again; each count keeps its latest value.
struct AnthropicUsage: Sendable {
    private var input: Int?
    private var cacheCreation = 0
    private var cacheRead: Int?
    private var output = 0

    /// Takes the counts present (and not null) in one `usage` object.
    mutating func update(_ usage: JSONValue?) {
        guard let usage else { return }
        if let input = usage["input_tokens"]?.tokenCount { self.input = input }
        if let creation = usage["cache_creation_input_tokens"]?.tokenCount { self.cacheCreation = creation }
        if let read = usage["cache_read_input_tokens"]?.tokenCount { self.cacheRead = read }
        if let output = usage["output_tokens"]?.tokenCount {
            self.output = output
            if self.input == nil { self.input = 0 }
        }
    }

    /// In OpenAI's terms, where prompt tokens include cached ones; nil before any count arrived.
    var tokenUsage: TokenUsage? {
        guard let input = self.input else { return nil }
        return TokenUsage(
            promptTokens: input + self.cacheCreation + (self.cacheRead ?? 0),
            completionTokens: self.output,
            cachedTokens: self.cacheRead
        )
    }
}

extension JSONValue {
    /// A token count read from a provider's usage: a whole number within `TokenUsage.plausibleCounts`, else nil.
    var tokenCount: Int? {
        self.intValue.flatMap { TokenUsage.plausibleCounts.contains($0) ? $0 : nil }
    }
}
