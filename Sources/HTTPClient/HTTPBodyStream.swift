import Synchronization

/// A response whose body arrives as it is received: headers first, then chunks through `body`.
public struct HTTPStreamingResponse: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: HTTPBodyStream

    /// The value of the first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }
}

/// The body of a streaming response as an `AsyncSequence` of byte chunks, with backpressure: when the consumer
/// falls `highWaterMark` bytes behind, the transfer is paused (the server is slowed by TCP) until it catches up.
/// Dropping the stream, or cancelling the task that iterates it, ends the transfer at once.
public final class HTTPBodyStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let state: BodyStreamState
    /// Keeps the client (and its driver thread) alive for as long as the body is being read.
    let client: HTTPClient

    init(state: BodyStreamState, client: HTTPClient) {
        self.state = state
        self.client = client
    }

    deinit {
        self.state.abandon()
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: HTTPBodyStream

        public mutating func next() async throws -> [UInt8]? {
            try await self.stream.state.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: self)
    }

    /// Stops the transfer; iteration then ends with `.cancelled`.
    public func cancel() {
        self.state.abandon()
    }

    /// What has already arrived, without waiting: so a consumer can hand on everything at hand in one write.
    public enum Available: Sendable {
        /// Buffered bytes (possibly several chunks joined).
        case bytes([UInt8])
        /// The body ended (no more bytes will come).
        case end
        /// Nothing buffered yet; `next()` would wait.
        case none
    }

    /// Takes every buffered chunk at once, or tells that the body ended or that nothing is buffered. A failed
    /// transfer throws its error.
    public func available() throws -> Available {
        try self.state.takeAvailable()
    }

    /// From another task: a consumer waiting in `next()` gets an empty chunk now instead of waiting on (nothing is
    /// lost; its next call waits again), so that it can act on a silence, such as sending its own client a keep-alive.
    /// Returns whether a consumer was waiting.
    @discardableResult
    public func interruptWait() -> Bool {
        self.state.interruptWait()
    }

    /// Reads the whole remaining body (bounded by the request's `maxResponseBytes`).
    public func collect() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self { bytes += chunk }
        return bytes
    }
}

/// What the driver thread and the consuming task share about one streaming transfer.
final class BodyStreamState: Sendable {
    private struct Inner {
        var head: CheckedContinuation<(Int, [(name: String, value: String)]), any Error>?
        /// The head, when it arrived before anyone asked for it.
        var arrivedHead: (Int, [(name: String, value: String)])?
        var chunks: [[UInt8]] = []
        var firstChunk = 0
        var buffered = 0
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        var finished: Result<Void, any Error>?
        var paused = false
        var resumeRequested = false

        /// Every buffered chunk joined, and whether the driver must now be woken to resume a paused transfer.
        mutating func takeAll() -> (bytes: [UInt8], wake: Bool) {
            var joined: [UInt8] = []
            joined.reserveCapacity(self.buffered)
            for index in self.firstChunk..<self.chunks.count { joined += self.chunks[index] }
            self.chunks.removeAll(keepingCapacity: true)
            self.firstChunk = 0
            self.buffered = 0
            guard self.paused && !self.resumeRequested else { return (joined, false) }
            self.resumeRequested = true
            return (joined, true)
        }
    }

    private let inner = Mutex(Inner())
    let highWaterMark: Int
    let cancellation: CancellationFlag
    /// Wakes the driver so it notices a resume or cancel request.
    let wake: @Sendable () -> Void

    init(highWaterMark: Int, cancellation: CancellationFlag, wake: @escaping @Sendable () -> Void) {
        self.highWaterMark = highWaterMark
        self.cancellation = cancellation
        self.wake = wake
    }

    /// Suspends until the response head arrives (or the transfer fails first).
    func head() async throws -> (Int, [(name: String, value: String)]) {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Early {
                    case head(Int, [(name: String, value: String)])
                    case failed(any Error)
                    case none
                }
                let early: Early = self.inner.withLock { inner in
                    if let head = inner.arrivedHead { return .head(head.0, head.1) }
                    if let finished = inner.finished {
                        if case .failure(let error) = finished { return .failed(error) }
                        return .failed(HTTPClientError(.network, "the transfer ended without a response"))
                    }
                    inner.head = continuation
                    return .none
                }
                switch early {
                case .head(let status, let headers): continuation.resume(returning: (status, headers))
                case .failed(let error): continuation.resume(throwing: error)
                case .none: break
                }
            }
        } onCancel: {
            self.abandon()
        }
    }

    /// Driver thread: the head is complete; a waiting consumer learns of it at the next `deliver()`.
    func headersArrived(status: Int, headers: [(name: String, value: String)]) {
        self.inner.withLock { $0.arrivedHead = (status, headers) }
    }

    /// Driver thread: a chunk arrived; it is buffered until the next `deliver()`. False means "pause": libcurl keeps
    /// the bytes and offers them again later. Bytes join the last buffered chunk while it is small (one event of a
    /// stream each, often), so a burst costs one allocation rather than one per piece; chunk boundaries carry no
    /// meaning.
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        self.inner.withLock { inner in
            if inner.buffered >= self.highWaterMark {
                inner.paused = true
                return false
            }
            if inner.firstChunk < inner.chunks.count && inner.chunks[inner.chunks.count - 1].count < Self.joinBelow {
                inner.chunks[inner.chunks.count - 1].append(contentsOf: bytes)
            } else {
                inner.chunks.append([UInt8](bytes))
            }
            inner.buffered += bytes.count
            return true
        }
    }

    /// Buffered chunks smaller than this take the next bytes in (libcurl hands over at most 16 KiB at a time).
    private static let joinBelow = 16 * 1024

    /// Driver thread: resumes a consumer waiting for the head or for bytes with what has arrived (all buffered
    /// bytes at once), or with the end.
    func deliver() {
        typealias Head = (Int, [(name: String, value: String)])
        var headWaiter: (CheckedContinuation<Head, any Error>, Result<Head, any Error>)?
        var bodyWaiter: (CheckedContinuation<[UInt8]?, any Error>, Result<[UInt8]?, any Error>)?
        let wake: Bool = self.inner.withLock { inner in
            if let continuation = inner.head {
                if let head = inner.arrivedHead {
                    headWaiter = (continuation, .success(head))
                } else if let finished = inner.finished {
                    let error: any Error
                    if case .failure(let failure) = finished {
                        error = failure
                    } else {
                        error = HTTPClientError(.network, "the transfer ended without a response")
                    }
                    headWaiter = (continuation, .failure(error))
                }
                if headWaiter != nil { inner.head = nil }
            }
            guard let waiter = inner.waiter else { return false }
            if inner.firstChunk < inner.chunks.count {
                let (bytes, wake) = inner.takeAll()
                inner.waiter = nil
                bodyWaiter = (waiter, .success(bytes))
                return wake
            }
            if let finished = inner.finished {
                inner.waiter = nil
                bodyWaiter = (waiter, finished.map { nil })
            }
            return false
        }
        if let (continuation, result) = headWaiter { continuation.resume(with: result) }
        if let (continuation, result) = bodyWaiter { continuation.resume(with: result) }
        if wake { self.wake() }
    }

    /// Driver thread: whether the consumer has drained enough to resume a paused transfer (clears the request).
    func takeResumeRequest() -> Bool {
        self.inner.withLock { inner in
            guard inner.resumeRequested else { return false }
            inner.resumeRequested = false
            inner.paused = false
            return true
        }
    }

    /// Driver thread: the transfer ended, successfully or not; a waiting consumer learns of it at once.
    func finish(_ result: Result<Void, any Error>) {
        self.inner.withLock { $0.finished = result }
        self.deliver()
    }

    /// Consumer: everything buffered, without waiting.
    func takeAvailable() throws -> HTTPBodyStream.Available {
        enum Outcome {
            case bytes([UInt8], wake: Bool)
            case end(Result<Void, any Error>)
            case none
        }
        let outcome: Outcome = self.inner.withLock { inner in
            if inner.firstChunk < inner.chunks.count {
                let (bytes, wake) = inner.takeAll()
                return .bytes(bytes, wake: wake)
            }
            if let finished = inner.finished { return .end(finished) }
            return .none
        }
        switch outcome {
        case .bytes(let bytes, let wake):
            if wake { self.wake() }
            return .bytes(bytes)
        case .end(.success): return .end
        case .end(.failure(let error)): throw error
        case .none: return .none
        }
    }

    /// Consumer: the next chunk, nil at the end, or the transfer's error.
    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Outcome {
                    case chunk([UInt8], wake: Bool)
                    case end(Result<Void, any Error>)
                    case wait
                }
                let outcome: Outcome = self.inner.withLock { inner in
                    if inner.firstChunk < inner.chunks.count {
                        let chunk = inner.chunks[inner.firstChunk]
                        inner.firstChunk += 1
                        inner.buffered -= chunk.count
                        if inner.firstChunk > 64 && inner.firstChunk * 2 > inner.chunks.count {
                            inner.chunks.removeFirst(inner.firstChunk)
                            inner.firstChunk = 0
                        }
                        var wake = false
                        if inner.paused && !inner.resumeRequested && inner.buffered <= self.highWaterMark / 2 {
                            inner.resumeRequested = true
                            wake = true
                        }
                        return .chunk(chunk, wake: wake)
                    }
                    if let finished = inner.finished { return .end(finished) }
                    if inner.paused && !inner.resumeRequested {
                        inner.resumeRequested = true
                    }
                    inner.waiter = continuation
                    return .wait
                }
                switch outcome {
                case .chunk(let chunk, let wake):
                    if wake { self.wake() }
                    continuation.resume(returning: chunk)
                case .end(.success):
                    continuation.resume(returning: nil)
                case .end(.failure(let error)):
                    continuation.resume(throwing: error)
                case .wait:
                    self.wake()
                }
            }
        } onCancel: {
            self.abandon()
        }
    }

    /// Any task: resumes a waiting consumer with an empty chunk, unless bytes or the end are already on their way.
    func interruptWait() -> Bool {
        let waiter: CheckedContinuation<[UInt8]?, any Error>? = self.inner.withLock { inner in
            guard let waiter = inner.waiter, inner.firstChunk == inner.chunks.count, inner.finished == nil else { return nil }
            inner.waiter = nil
            return waiter
        }
        waiter?.resume(returning: [])
        return waiter != nil
    }

    /// Consumer side gave up: cancel the transfer (the driver removes it and fails any waiter).
    func abandon() {
        guard !self.cancellation.isCancelled else { return }
        let done = self.inner.withLock { $0.finished != nil }
        guard !done else { return }
        self.cancellation.cancel()
        self.wake()
    }
}
