/// One outbound HTTP request, fully buffered: AWS calls are small, and streaming bodies come with the gateway.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header fields in the order they are sent; names keep the caller's case.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeouts: HTTPTimeouts
    /// Largest response body accepted; a bigger one fails with `.responseTooLarge` instead of exhausting memory.
    public var maxResponseBytes: Int
    /// Send straight to the host even when `HTTPS_PROXY`/`HTTP_PROXY` are set (instance metadata, loopback peers).
    public var bypassProxy: Bool
    /// Follow up to five redirects (model hubs answer downloads with a redirect to their CDN). Credentials in
    /// headers are not sent on to another host.
    public var followRedirects: Bool = false

    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        maxResponseBytes: Int = 32 * 1024 * 1024,
        bypassProxy: Bool = false
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.maxResponseBytes = maxResponseBytes
        self.bypassProxy = bypassProxy
    }

    /// Convenience for a string body (JSON, form encoding).
    public init(
        method: String,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: String,
        timeouts: HTTPTimeouts = HTTPTimeouts()
    ) {
        self.init(method: method, url: url, headers: headers, body: Array(body.utf8), timeouts: timeouts)
    }

    /// The value of the first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// Separate limits, because a dead host, a slow first byte and a stalled stream need different answers.
public struct HTTPTimeouts: Sendable, Equatable {
    /// Time to establish the TCP (and TLS) connection.
    public var connect: Duration
    /// Time for the whole exchange, or nil for none.
    public var total: Duration?
    /// Longest stretch without body bytes once the response head has arrived (a stalled stream), or nil for none.
    /// The wait for the head is `firstByte`'s; a stream paused because its consumer fell behind is not idle.
    public var idle: Duration?
    /// Time from sending until the response head arrives (an LLM's time to first token), or nil for none.
    public var firstByte: Duration?

    public init(connect: Duration = .seconds(10), total: Duration? = .seconds(60), idle: Duration? = nil, firstByte: Duration? = nil) {
        self.connect = connect
        self.total = total
        self.idle = idle
        self.firstByte = firstByte
    }
}

extension Duration {
    /// Whole milliseconds, rounded up so that a sub-millisecond limit never becomes "no limit" (0) in libcurl, nor a
    /// wait for a deadline ends just before it.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = self.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, millis))
    }
}

extension HTTPRequest {
    /// The URL's scheme as sent over the wire: `https`, `http`, or neither (schemes compare without regard to case).
    enum Scheme { case https, http, other }

    var scheme: Scheme {
        let start = self.url.prefix(8).lowercased()
        if start.hasPrefix("https://") { return .https }
        if start.hasPrefix("http://") { return .http }
        return .other
    }
}
