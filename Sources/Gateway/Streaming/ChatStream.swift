import HTTPClient

/// An open upstream stream, translated for the client. `next()` hands out the client's bytes as they come; a
/// failure after the first token can no longer be retried, so it becomes the front's own error event and the
/// stream ends. Dropping the stream (or cancelling its reader) ends the upstream transfer at once.
///
/// `@unchecked Sendable`: one task reads it at a time (the route writing the response); the state is not shared.
public final class ChatStream: @unchecked Sendable {
    public let deployment: Deployment
    public internal(set) var attempts = 1
    private let body: HTTPBodyStream
    /// The provider's id for the exchange, from the response head.
    public let upstreamRequestID: String?
    private var iterator: HTTPBodyStream.AsyncIterator
    private var parser = SSEParser()
    private var translator: any StreamTranslator
    private let front: Gateway.Front
    private var pending: [SSEEvent] = []
    private var ended = false
    private var failure: GatewayError?
    private let started: ContinuousClock.Instant
    /// When the first event carrying generated output (text or a tool call) was ready for the client: the time to
    /// first token. The role-only opening chunk and Anthropic's `message_start` come before any token, so not those.
    private var firstToken: ContinuousClock.Instant?
    private let metrics: GatewayMetrics
    /// Set once the stream is handed to the client: frees its slot and records it when it closes. A stream that
    /// failed before that is counted by the attempt loop instead.
    private var release: (@Sendable () -> Void)?
    private var closed = false
    /// Wakes this stream's reader while the upstream is silent; nil when keep-alives are off.
    private let keepAlive: StreamKeepAlive?
    /// When the client last got bytes; the request's arrival until then.
    private var lastOutput: ContinuousClock.Instant
    /// The client is owed a keep-alive with its next bytes.
    private var keepAliveOwed = false

    init(
        body: HTTPBodyStream,
        upstreamRequestID: String?,
        translator: any StreamTranslator,
        deployment: Deployment,
        front: Gateway.Front,
        started: ContinuousClock.Instant,
        metrics: GatewayMetrics,
        keepAlive: StreamKeepAlive?
    ) {
        self.body = body
        self.upstreamRequestID = upstreamRequestID
        self.iterator = body.makeAsyncIterator()
        self.translator = translator
        self.deployment = deployment
        self.front = front
        self.started = started
        self.metrics = metrics
        self.keepAlive = keepAlive
        self.lastOutput = started
        keepAlive?.register(body)
    }

    func arm(release: @escaping @Sendable () -> Void) {
        self.release = release
    }

    deinit {
        self.close()
    }

    /// What the request came to so far (usage is complete once `next()` has returned nil).
    public var outcome: Gateway.Outcome {
        Gateway.Outcome(
            deployment: self.deployment,
            attempts: self.attempts,
            usage: self.translator.usage,
            timeToFirstToken: self.firstToken.map { $0 - self.started },
            upstreamRequestID: self.upstreamRequestID
        )
    }

    /// The error the stream ended with, if it did.
    public var error: GatewayError? { self.failure }

    /// Whether the upstream stream reached its end (not cut short by an error or the client leaving).
    public var isComplete: Bool { self.ended && self.failure == nil && self.pending.isEmpty }

    /// Reads until the first generated output (or the end) is ready for the client; throws what went wrong before it,
    /// to be retried. The opening events (a role-only chunk, `message_start`, pings) wait with it: a stream that
    /// fails before its first token (Anthropic's `overloaded_error` after a 200) can still be retried or fall back.
    /// A silence longer than the keep-alive interval ends the wait early: the client gets the opening events and a
    /// keep-alive, and from then on failures reach it as error events.
    func prime() async throws(GatewayError) {
        while self.firstToken == nil && !self.ended {
            try await self.fill()
            if self.firstToken == nil && !self.ended && self.keepAliveDue {
                self.keepAliveOwed = true
                return
            }
        }
    }

    /// Whether the client has gone without bytes for the keep-alive interval.
    private var keepAliveDue: Bool {
        guard let interval = self.keepAlive?.interval else { return false }
        return ContinuousClock.now - self.lastOutput >= interval
    }

    /// The next bytes for the client, or nil at the end. Errors are already in the bytes, in the front's format.
    /// Everything that has already arrived goes out together, so a fast upstream costs one write, not one per event.
    public func next() async -> [UInt8]? {
        while self.pending.isEmpty && !self.ended && !self.keepAliveOwed {
            do {
                try await self.fill()
            } catch {
                self.fail(error)
            }
            if self.pending.isEmpty && !self.ended && self.keepAliveDue { self.keepAliveOwed = true }
        }
        self.drainAvailable()
        guard !self.pending.isEmpty || self.keepAliveOwed else {
            self.close()
            return nil
        }
        // A keep-alive before the upstream's first event still follows the front's opening (`message_start`).
        if self.keepAliveOwed { self.pending.insert(contentsOf: self.translator.opening(), at: 0) }
        var bytes: [UInt8] = []
        for event in self.pending { bytes += event.encoded() }
        self.pending.removeAll(keepingCapacity: true)
        if self.keepAliveOwed {
            bytes += self.keepAliveBytes
            self.keepAliveOwed = false
        }
        if self.keepAlive != nil { self.lastOutput = ContinuousClock.now }
        return bytes
    }

    /// What keeps a silent connection open without being an event to the client: an SSE comment, which OpenAI's
    /// SDKs skip, or the `ping` event Anthropic's own streams send and its SDKs skip.
    private var keepAliveBytes: [UInt8] {
        switch self.front {
        case .chatCompletions, .responses: return Array(": keep-alive\n\n".utf8)
        case .messages: return Array("event: ping\ndata: {\"type\": \"ping\"}\n\n".utf8)
        }
    }

    /// The whole answer, when the upstream has already sent all of it (a fast or short answer): the route can then
    /// send it as one body. Nil while more is to come.
    public func completeBody() -> [UInt8]? {
        self.drainAvailable()
        guard self.ended else { return nil }
        var bytes: [UInt8] = []
        for event in self.pending { bytes += event.encoded() }
        self.pending.removeAll()
        self.close()
        return bytes
    }

    /// Translates every chunk already received, and the end of the body if it came, without waiting.
    func drainAvailable() {
        while !self.ended {
            do {
                switch try self.body.available() {
                case .bytes(let bytes): try self.consume(bytes)
                case .end: try self.consumeEnd()
                case .none: return
                }
            } catch let error as GatewayError {
                self.fail(error)
            } catch {
                self.fail(self.transportFailure(error))
            }
        }
    }

    private func fail(_ error: GatewayError) {
        self.ended = true
        self.failure = error
        if error.kind != .cancelled { self.pending += self.translator.failure(error) ?? [self.errorEvent(error)] }
    }

    /// Reads one upstream chunk and translates the events it completes.
    private func fill() async throws(GatewayError) {
        let chunk: [UInt8]?
        do {
            chunk = try await self.iterator.next()
        } catch {
            throw self.transportFailure(error)
        }
        if let chunk {
            try self.consume(chunk)
        } else {
            try self.consumeEnd()
        }
    }

    private func consume(_ chunk: [UInt8]) throws(GatewayError) {
        let events: [SSEEvent]
        do {
            events = try self.parser.feed(chunk)
        } catch {
            throw UpstreamErrors.badResponse("a stream line exceeded \(error.maxLineBytes) bytes", deployment: self.deployment).interrupted()
        }
        for event in events {
            do {
                self.append(try self.translator.translate(event))
            } catch  where self.firstToken != nil {
                // Output for the client already exists: the stream has begun, however the bytes were batched, so
                // the failure follows it as an error event rather than being retried.
                self.fail(error)
                return
            }
        }
    }

    private func consumeEnd() throws(GatewayError) {
        if let last = self.parser.finish() { self.append(try self.translator.translate(last)) }
        self.append(try self.translator.finish())
        self.ended = true
    }

    /// Queues translated events for the client, noting when the first one with generated output arrived.
    private func append(_ events: [SSEEvent]) {
        if self.firstToken == nil && events.contains(where: { Self.carriesOutput($0, front: self.front) }) {
            self.firstToken = ContinuousClock.now
        }
        self.pending += events
    }

    /// Whether a client event carries generated output: an Anthropic `content_block_delta`, or an OpenAI chunk whose
    /// delta has text, reasoning, a refusal or a tool call. Asked only until the first one is seen, and answered from
    /// the chunk's structure: a full parse of the first few chunks cost more than the rest of the stream's handling.
    static func carriesOutput(_ event: SSEEvent, front: Gateway.Front) -> Bool {
        switch front {
        case .messages:
            return event.event == "content_block_delta"
        case .responses:
            // Text, reasoning, a refusal or a call's arguments; a redacted reasoning item has none, but is output.
            return event.event?.hasSuffix(".delta") == true || (event.event == "response.output_item.added" && event.data.contains("\"reasoning\""))
        case .chatCompletions:
            let bytes = Array(event.data.utf8)[...]
            guard let choices = JSONStructure.members(["choices"], of: bytes)?["choices"],
                let elements = JSONStructure.elements(of: choices)
            else { return false }
            return elements.contains { choice in
                guard let delta = JSONStructure.members(["delta"], of: choice)?["delta"],
                    let fields = JSONStructure.members(Self.outputFields, of: delta)
                else { return false }
                return fields.contains { name, value in
                    Self.arrayFields.contains(name) ? JSONStructure.isNonEmptyArray(value) : JSONStructure.isNonEmptyString(value)
                }
            }
        }
    }

    private static let outputFields: Set<String> = ["content", "reasoning_content", "refusal", "tool_calls", "thinking_blocks"]
    /// Output fields that hold an array (the rest hold text); a redacted thinking block is output without text.
    private static let arrayFields: Set<String> = ["tool_calls", "thinking_blocks"]

    private func transportFailure(_ error: any Error) -> GatewayError {
        var failure = Gateway.transportError(error, deployment: self.deployment)
        if failure.kind == .connection {
            let detail = (error as? HTTPClientError)?.message ?? "\(error)"
            failure.message = "the connection to \(self.deployment.provider.name) broke mid-stream for model \(self.deployment.model): \(detail)"
        }
        return failure.interrupted(ifNot: .cancelled)
    }

    private func errorEvent(_ error: GatewayError) -> SSEEvent {
        switch self.front {
        case .chatCompletions, .responses: return SSEEvent(data: error.openAIBody().serializedString)
        case .messages: return SSEEvent(event: "error", data: error.anthropicBody().serializedString)
        }
    }

    /// Stops the upstream transfer from another task (the client went away); the reader's `next()` then ends.
    /// The one member that is safe to call concurrently with the reader.
    public func cancelUpstream() {
        self.body.cancel()
    }

    /// Ends the upstream transfer (if still running), frees the stream slot and records the request.
    public func close() {
        guard !self.closed else { return }
        self.closed = true
        self.keepAlive?.unregister(self.body)
        self.body.cancel()
        guard let release = self.release else { return }
        release()
        let outcome: String
        if let failure = self.failure {
            outcome = failure.kind.rawValue
        } else {
            outcome = self.ended ? "ok" : GatewayError.Kind.cancelled.rawValue
        }
        self.metrics.request(
            provider: self.deployment.provider.name,
            model: self.deployment.model,
            served: true,
            outcome: outcome,
            duration: ContinuousClock.now - self.started,
            timeToFirstToken: self.firstToken.map { $0 - self.started },
            usage: self.translator.usage
        )
    }
}

extension GatewayError {
    /// A transport failure in the middle of a stream, unless it is the client going away.
    func interrupted(ifNot kind: Kind) -> GatewayError {
        self.kind == kind ? self : self.interrupted()
    }
}
