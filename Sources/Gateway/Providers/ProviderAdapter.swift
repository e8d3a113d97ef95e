import Foundation
import HTTPClient

/// What the gateway needs from one upstream API: how to ask it for a chat completion in OpenAI's terms, and how
/// to read its answers, stream events and errors back into them.
protocol ProviderAdapter: Sendable {
    func chatRequest(_ body: JSONValue, deployment: Deployment, stream: Bool, call: UpstreamCall) throws(GatewayError) -> HTTPRequest
    /// A `/v1/messages` request translated to OpenAI's terms, for a provider that is not Anthropic.
    func messagesRequest(
        _ translation: MessagesTranslation,
        deployment: Deployment,
        stream: Bool,
        call: UpstreamCall
    ) throws(GatewayError) -> HTTPRequest
    /// The upstream's 2xx body as an OpenAI `chat.completion`, with the usage it reported.
    func completion(from body: [UInt8], deployment: Deployment) throws(GatewayError) -> ChatCompletion
    /// Turns the upstream's stream events into OpenAI `chat.completion.chunk` events.
    func streamTranslator(deployment: Deployment, includeUsage: Bool) -> any StreamTranslator
}

extension ProviderAdapter {
    /// OpenAI's format: the translation as OpenAI's API takes it, then as any chat request.
    func messagesRequest(
        _ translation: MessagesTranslation,
        deployment: Deployment,
        stream: Bool,
        call: UpstreamCall
    ) throws(GatewayError) -> HTTPRequest {
        let body = MessagesTranslator.fitted(try translation.openAIRequest(), to: deployment.provider.kind)
        return try self.chatRequest(body, deployment: deployment, stream: stream, call: call)
    }
}

/// Per-request details every upstream call carries.
public struct UpstreamCall: Sendable {
    public var timeouts: HTTPTimeouts
    /// Sent upstream so provider-side logs can be matched with skiff's.
    public var requestID: String?
    /// The ALB's `X-Amzn-Trace-Id`, passed on so one trace spans the load balancer, skiff and the provider.
    public var traceID: String?
    /// Largest upstream body read into memory.
    public var maxResponseBytes: Int
    /// Cancels the call's upstream transfers from outside (the client hung up); task cancellation works too.
    public var cancellation: HTTPCancellation?

    public init(
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        requestID: String? = nil,
        traceID: String? = nil,
        maxResponseBytes: Int = 32 * 1024 * 1024,
        cancellation: HTTPCancellation? = nil
    ) {
        self.timeouts = timeouts
        self.requestID = requestID
        self.traceID = traceID
        self.maxResponseBytes = maxResponseBytes
        self.cancellation = cancellation
    }

    func request(url: String, headers: [(name: String, value: String)], body: JSONValue, method: String = "POST") -> HTTPRequest {
        var all = headers
        all.append((name: "Content-Type", value: "application/json"))
        if let requestID { all.append((name: "X-Request-Id", value: requestID)) }
        if let traceID { all.append((name: "X-Amzn-Trace-Id", value: traceID)) }
        var request = HTTPRequest(method: method, url: url, headers: all, body: body.serialized(), timeouts: self.timeouts)
        request.maxResponseBytes = self.maxResponseBytes
        return request
    }
}

/// A non-streamed answer in OpenAI's format and the usage it reported.
public struct ChatCompletion: Sendable {
    public var body: JSONValue
    public var usage: TokenUsage?
}

/// Translates one upstream stream, event by event, into the events the client reads.
public protocol StreamTranslator: Sendable {
    /// Events for the client from one upstream event; throws for an in-stream error or an unreadable event.
    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent]
    /// The upstream body ended cleanly: the closing events, or a throw when the stream stopped before its end.
    mutating func finish() throws(GatewayError) -> [SSEEvent]
    /// Usage reported so far.
    var usage: TokenUsage? { get }
    /// The events a client must see before any other (Anthropic's `message_start`) when none has been made yet: they
    /// go ahead of a keep-alive sent before the upstream's first event.
    mutating func opening() -> [SSEEvent]
    /// The events that tell the client of a failure after the stream began, when the front's API has its own way
    /// (numbered events); nil for the front's plain error event.
    mutating func failure(_ error: GatewayError) -> [SSEEvent]?
}

extension StreamTranslator {
    mutating func opening() -> [SSEEvent] { [] }
    mutating func failure(_ error: GatewayError) -> [SSEEvent]? { nil }
}

/// Reads a provider's non-2xx answer into a `GatewayError` that names the provider and never its key.
enum UpstreamErrors {
    static func error(status: Int, headers: [(name: String, value: String)], body: [UInt8], deployment: Deployment) -> GatewayError {
        let parsed = try? JSONValue.parse(body)
        let errorObject = parsed?["error"]
        var message =
            errorObject?["message"]?.stringValue ?? errorObject?.stringValue ?? parsed?["message"]?.stringValue
            ?? String(String(decoding: body.prefix(300), as: UTF8.self))
        if message.isEmpty { message = "no error message" }
        let name = deployment.provider.name
        let retryAfter = Self.retryAfter(headers: headers) ?? Self.geminiRetryDelay(errorObject)
        var code = errorObject?["code"]?.stringValue
        var kind: GatewayError.Kind = status == 429 ? .rateLimited : .upstreamStatus
        if code == "content_filter" || errorObject?["innererror"]?["code"]?.stringValue == "ResponsibleAIPolicyViolation" {
            kind = .contentFiltered
            code = "content_filter"
        }
        let upstreamType = errorObject?["type"]?.stringValue
        // OpenAI's own types pass through; other providers' (Anthropic's "overloaded_error"…) map by status.
        let type = deployment.provider.kind.speaksOpenAI && upstreamType != nil ? upstreamType : nil
        let requestID = Self.requestID(headers)
        var error = GatewayError(
            kind,
            status: status,
            type: type,
            code: code,
            message: "\(name) returned \(status) for model \(deployment.model)"
                + (requestID.map { " (request id \($0))" } ?? "")
                + ": \(Scrubber.scrub(message, keys: [deployment.provider.apiKey]))",
            provider: name,
            retryAfter: retryAfter
        )
        error.upstreamRequestID = requestID
        return error
    }

    /// The provider's id for the exchange: `x-request-id` (OpenAI, DeepSeek, xAI, Azure), `request-id` (Anthropic),
    /// `apim-request-id` (Azure's gateway); printable and short, or none.
    static func requestID(_ headers: [(name: String, value: String)]) -> String? {
        // One pass over the headers (every answer's), keeping the most preferred name seen.
        var best: (rank: Int, value: String)?
        for header in headers {
            guard let rank = Self.requestIDNames.firstIndex(of: header.name.lowercased()), rank < best?.rank ?? .max else { continue }
            let value = header.value
            if !value.isEmpty, value.utf8.count <= 128, value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e }) { best = (rank, value) }
        }
        return best?.value
    }

    private static let requestIDNames = ["x-request-id", "request-id", "apim-request-id"]

    /// `Retry-After` in seconds or as an HTTP date; `retry-after-ms` (OpenAI, Azure) when present.
    static func retryAfter(headers: [(name: String, value: String)]) -> Duration? {
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }?.value.trimmingCharacters(in: .whitespaces)
        }
        if let delay = header("retry-after-ms").flatMap(Double.init).flatMap({ delay(seconds: $0 / 1000) }) {
            return delay
        }
        guard let value = header("retry-after") else { return nil }
        if let seconds = Double(value) { return delay(seconds: seconds) }
        if let date = HTTPDate.parse(value) {
            return delay(seconds: max(0, date.timeIntervalSinceNow))
        }
        return nil
    }

    /// A delay an upstream asked for, if it is a real one: negative, infinite and NaN values count as none, and
    /// anything over a day as a day (far past any retry budget, so the gateway falls back instead of waiting).
    static func delay(seconds: Double) -> Duration? {
        guard seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }

    /// Gemini puts the delay in the error's details: `{"@type": "...RetryInfo", "retryDelay": "1s"}`.
    static func geminiRetryDelay(_ error: JSONValue?) -> Duration? {
        for detail in error?["details"]?.arrayValue ?? [] {
            if let text = detail["retryDelay"]?.stringValue, text.hasSuffix("s"),
                let delay = Double(text.dropLast()).flatMap({ delay(seconds: $0) })
            {
                return delay
            }
        }
        return nil
    }

    /// A stream that ended cleanly but before the event that closes it (`what`: "before [DONE]", …).
    static func endedEarly(_ what: String, deployment: Deployment) -> GatewayError {
        GatewayError(
            .streamInterrupted,
            status: 502,
            message: "\(deployment.provider.name) ended the stream for model \(deployment.model) \(what)",
            provider: deployment.provider.name
        )
    }

    /// An error event in the middle of a provider's stream.
    static func midStream(
        _ message: String?,
        kind: GatewayError.Kind = .streamInterrupted,
        status: Int = 502,
        type: String? = nil,
        code: String? = nil,
        deployment: Deployment
    )
        -> GatewayError
    {
        GatewayError(
            kind,
            status: status,
            type: type,
            code: code,
            message: "\(deployment.provider.name) reported an error mid-stream for model \(deployment.model): "
                + Scrubber.scrub(message ?? "unknown error", keys: [deployment.provider.apiKey]),
            provider: deployment.provider.name
        )
    }

    /// Anthropic's in-stream `error` event (`{"type": "error", "error": {"type", "message"}}`): an overload is
    /// retried as one, anything else as a broken stream.
    static func anthropicStreamError(_ data: JSONValue?, deployment: Deployment) -> GatewayError {
        let error = data?["error"]
        let type = error?["type"]?.stringValue ?? "api_error"
        let overloaded = type == "overloaded_error"
        return Self.midStream(
            error?["message"]?.stringValue ?? type,
            kind: overloaded ? .overloaded : .streamInterrupted,
            status: overloaded ? 529 : 502,
            type: "api_error",
            code: type,
            deployment: deployment
        )
    }

    /// A 2xx body that is not what the API promises.
    static func badResponse(_ detail: String, deployment: Deployment) -> GatewayError {
        GatewayError(
            .badResponse,
            status: 502,
            type: "api_error",
            code: "bad_upstream_response",
            message: "\(deployment.provider.name) sent an unreadable response for model \(deployment.model): \(detail)",
            provider: deployment.provider.name
        )
    }
}
