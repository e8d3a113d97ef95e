/// A failure the client sees in OpenAI's error shape: the HTTP status, OpenAI's error `type`, a `code`, and a
/// message that names the provider. Never carries a key: messages from upstream are scrubbed first.
public struct GatewayError: Error, Sendable, Equatable {
    /// What went wrong, for metrics and for the retry decision.
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid_request"
        case modelNotFound = "model_not_found"
        case upstreamStatus = "upstream_status"
        case rateLimited = "rate_limited"
        case connection
        case timeout
        case badResponse = "bad_response"
        case contentFiltered = "content_filtered"
        case streamInterrupted = "stream_interrupted"
        case overloaded
        case cancelled
    }

    public var kind: Kind
    public var status: Int
    public var type: String
    public var code: String?
    public var message: String
    /// The provider instance that failed, when one did.
    public var provider: String?
    /// From the upstream's `Retry-After` (or Gemini's RetryInfo), when it gave one.
    public var retryAfter: Duration?
    /// skiff already retried (or fell back), or declined to wait out a `Retry-After` longer than its limit: the
    /// client should not retry at once (the official SDKs would otherwise multiply the attempts, or sleep for as
    /// long as the upstream asked).
    public var retriesSpent = false
    /// Where the request ended, for the access log and the client's headers, as a success reports it: the
    /// deployment that last tried (`provider/model`), its model, the attempts made and the provider's id for the
    /// failed exchange.
    public var deploymentLabel: String?
    public var upstreamModel: String?
    public var attempts: Int?
    public var upstreamRequestID: String?

    public init(
        _ kind: Kind,
        status: Int,
        type: String? = nil,
        code: String? = nil,
        message: String,
        provider: String? = nil,
        retryAfter: Duration? = nil
    ) {
        self.kind = kind
        self.status = status
        self.type = type ?? Self.defaultType(status: status)
        self.code = code
        self.message = message
        self.provider = provider
        self.retryAfter = retryAfter
    }

    /// Worth another attempt at the same deployment: connection failures, timeouts, 408, 429, 5xx and bodies that
    /// could not be read.
    public var isRetryable: Bool {
        switch self.kind {
        case .connection, .timeout, .rateLimited, .badResponse, .streamInterrupted, .overloaded: return true
        case .upstreamStatus: return self.status == 408 || self.status == 429 || self.status >= 500
        default: return false
        }
    }

    /// Worth trying the next fallback: anything retryable, plus what another deployment may not share
    /// (its key refused, its model missing). A request that is itself invalid fails the same way everywhere.
    public var allowsFallback: Bool {
        if self.isRetryable { return true }
        return self.kind == .upstreamStatus && [401, 403, 404].contains(self.status)
    }

    /// OpenAI's `type` for a status, as its SDKs and docs use them.
    public static func defaultType(status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 429: return "rate_limit_error"
        case 400..<500: return "invalid_request_error"
        default: return "api_error"
        }
    }

    /// `{"error": {"message", "type", "param", "code", "provider"}}`, OpenAI's error body.
    public func openAIBody() -> JSONValue {
        var error: [String: JSONValue] = [
            "message": .string(self.message),
            "type": .string(self.type),
            "param": .null,
            "code": self.code.map(JSONValue.string) ?? .null,
        ]
        if let provider { error["provider"] = .string(provider) }
        return ["error": .object(error)]
    }

    /// Anthropic's error body, for `/v1/messages`.
    public func anthropicBody() -> JSONValue {
        Self.anthropicBody(status: self.status, message: self.message)
    }

    /// Anthropic's error envelope for any failure with a status, skiff's own front-door refusals included.
    public static func anthropicBody(status: Int, message: String) -> JSONValue {
        ["type": "error", "error": ["type": .string(Self.anthropicType(status: status)), "message": .string(message)]]
    }

    /// Anthropic's error `type` for a status, as its SDK exposes it.
    public static func anthropicType(status: Int) -> String {
        switch status {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 529, 503: return "overloaded_error"
        case 504: return "timeout_error"
        case 400..<500: return "invalid_request_error"
        default: return "api_error"
        }
    }

    static func invalid(_ message: String, code: String? = nil) -> GatewayError {
        GatewayError(.invalidRequest, status: 400, code: code, message: message)
    }
}
