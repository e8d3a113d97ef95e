/// Tokens a request used, as the provider reported them.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens read from the provider's cache (already counted in `promptTokens`); nil when not reported.
    public var cachedTokens: Int?
    /// Prompt tokens written to the provider's cache (already counted in `promptTokens`); nil when not reported.
    public var cacheWriteTokens: Int?
    /// Completion tokens spent thinking (already counted in `completionTokens`); nil when not reported.
    public var reasoningTokens: Int?

    public init(
        promptTokens: Int = 0,
        completionTokens: Int = 0,
        cachedTokens: Int? = nil,
        cacheWriteTokens: Int? = nil,
        reasoningTokens: Int? = nil
    ) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
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
        var promptDetails: [String: JSONValue] = [:]
        promptDetails["cached_tokens"] = self.cachedTokens.map(JSONValue.int)
        promptDetails["cache_write_tokens"] = self.cacheWriteTokens.map(JSONValue.int)
        if !promptDetails.isEmpty { object["prompt_tokens_details"] = .object(promptDetails) }
        if let reasoning = self.reasoningTokens { object["completion_tokens_details"] = ["reasoning_tokens": .int(reasoning)] }
        return .object(object)
    }

    /// Anthropic's `usage` object: its `input_tokens` leaves out cache reads and writes, which go apart.
    public var anthropicObject: JSONValue {
        let uncached = self.promptTokens - (self.cachedTokens ?? 0) - (self.cacheWriteTokens ?? 0)
        var object: [String: JSONValue] = ["input_tokens": .int(max(0, uncached)), "output_tokens": .int(self.completionTokens)]
        object["cache_creation_input_tokens"] = self.cacheWriteTokens.map(JSONValue.int)
        object["cache_read_input_tokens"] = self.cachedTokens.map(JSONValue.int)
        return .object(object)
    }

    /// The Responses API's `usage` object: input and output tokens, with their cached and reasoning parts.
    public var responsesObject: JSONValue {
        [
            "input_tokens": .int(self.promptTokens), "input_tokens_details": ["cached_tokens": .int(self.cachedTokens ?? 0)],
            "output_tokens": .int(self.completionTokens), "output_tokens_details": ["reasoning_tokens": .int(self.reasoningTokens ?? 0)],
            "total_tokens": .int(self.totalTokens),
        ]
    }

    /// Reads the Responses API's `usage` object, as OpenAI's own responses carry it.
    init?(responses usage: JSONValue?) {
        guard let usage, let input = usage["input_tokens"]?.tokenCount else { return nil }
        self.init(
            promptTokens: input,
            completionTokens: usage["output_tokens"]?.tokenCount ?? 0,
            cachedTokens: usage["input_tokens_details"]?["cached_tokens"]?.tokenCount,
            reasoningTokens: usage["output_tokens_details"]?["reasoning_tokens"]?.tokenCount
        )
    }

    /// Reads OpenAI's `usage` object (also what Azure, DeepSeek and xAI send).
    init?(openAI usage: JSONValue?) {
        guard let usage, let prompt = usage["prompt_tokens"]?.tokenCount else { return nil }
        self.init(
            promptTokens: prompt,
            completionTokens: usage["completion_tokens"]?.tokenCount ?? 0,
            cachedTokens: usage["prompt_tokens_details"]?["cached_tokens"]?.tokenCount,
            cacheWriteTokens: usage["prompt_tokens_details"]?["cache_write_tokens"]?.tokenCount,
            reasoningTokens: usage["completion_tokens_details"]?["reasoning_tokens"]?.tokenCount
        )
    }

    /// The same from the object's bytes, as every answer passed through is counted: plain integer counts are read
    /// where they lie, without a parse; anything else (`null`, `9.0`) is parsed. Throws when the bytes are not JSON.
    init?(openAIBytes usage: ArraySlice<UInt8>) throws(JSONError) {
        func integer(_ text: ArraySlice<UInt8>) -> Int? {
            Int(String(decoding: text, as: UTF8.self)).flatMap { Self.plausibleCounts.contains($0) ? $0 : nil }
        }
        /// A breakdown's counts among `keys`, without those not given; nil when one needs a parse.
        func details(_ object: ArraySlice<UInt8>?, _ keys: Set<String>) -> [String: Int]? {
            guard let object, object.first != UInt8(ascii: "n") else { return [:] }
            guard let members = JSONStructure.members(keys, of: object) else { return nil }
            var counts: [String: Int] = [:]
            for (key, value) in members {
                guard let count = integer(value) else { return nil }
                counts[key] = count
            }
            return counts
        }
        let keys: Set<String> = ["prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details"]
        if let counts = JSONStructure.members(keys, of: usage), let prompt = counts["prompt_tokens"].flatMap(integer),
            let completion = counts["completion_tokens"] == nil ? 0 : counts["completion_tokens"].flatMap(integer),
            let prompts = details(counts["prompt_tokens_details"], ["cached_tokens", "cache_write_tokens"]),
            let completions = details(counts["completion_tokens_details"], ["reasoning_tokens"])
        {
            self.init(
                promptTokens: prompt,
                completionTokens: completion,
                cachedTokens: prompts["cached_tokens"],
                cacheWriteTokens: prompts["cache_write_tokens"],
                reasoningTokens: completions["reasoning_tokens"]
            )
            return
        }
        self.init(openAI: try JSONValue.parse(usage))
    }
}

/// Anthropic's usage as a stream reports it: `message_start` gives the prompt's counts, `message_delta` the output
/// so far and, in newer streams, the prompt's counts again; each count keeps its latest value.
struct AnthropicUsage: Sendable {
    private var input: Int?
    private var cacheCreation: Int?
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
            promptTokens: input + (self.cacheCreation ?? 0) + (self.cacheRead ?? 0),
            completionTokens: self.output,
            cachedTokens: self.cacheRead,
            cacheWriteTokens: self.cacheCreation
        )
    }
}

extension JSONValue {
    /// A token count read from a provider's usage: a whole number within `TokenUsage.plausibleCounts`, else nil.
    var tokenCount: Int? {
        self.intValue.flatMap { TokenUsage.plausibleCounts.contains($0) ? $0 : nil }
    }
}
