import HTTPClient

/// How the gateway treats upstreams: retries, timeouts and limits. Built once from the environment by the server.
public struct GatewayConfiguration: Sendable, Equatable {
    /// Attempts per deployment before moving to the next fallback.
    public var maxAttempts: Int = 3
    /// Ceiling of the first retry's backoff; doubles per retry (full jitter), capped by `maxBackoff`.
    public var retryBase: Duration = .milliseconds(250)
    public var maxBackoff: Duration = .seconds(8)
    /// Total time a request may spend waiting between attempts; past it, the next fallback or the error.
    public var retryBudget: Duration = .seconds(30)
    /// A `Retry-After` longer than this moves on to the next fallback instead of waiting.
    public var maxRetryAfter: Duration = .seconds(20)
    /// Connect, first-byte (time to first token), idle (stalled stream) and total timeouts per upstream attempt.
    public var timeouts = HTTPTimeouts(connect: .seconds(10), total: .seconds(600), idle: .seconds(120), firstByte: .seconds(120))
    /// A stream whose client has had no bytes for this long gets a keep-alive (an SSE comment, or Anthropic's `ping`
    /// event), the first one committing the response; nil sends none.
    public var streamKeepAlive: Duration? = .seconds(15)
    /// Upstream streams open at once; more get 429.
    public var maxConcurrentStreams: Int = 512
    /// `max_tokens` sent to Anthropic when an OpenAI client gives none (Anthropic requires it).
    public var anthropicDefaultMaxTokens: Int = 4096
    /// Largest upstream response read into memory.
    public var maxResponseBytes: Int = 32 * 1024 * 1024

    public init() {}
}
