import Foundation
import Logging
import Synchronization

/// The process's only outbound HTTP client: libcurl underneath, async/await on top.
///
/// All transfers share one multi handle, so connections (and TLS sessions) to AWS and to providers are reused.
public final class HTTPClient: Sendable {
    private let driver = CurlMultiDriver()
    /// Where transfers go through, fixed when the client is made.
    public let proxy: ProxySettings
    /// A PEM bundle of trusted CAs instead of the system's (a private CA in front of a provider, tests).
    public let caBundlePath: String?

    /// `proxy` defaults to the process environment's `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`; `caBundlePath`
    /// to `SSL_CERT_FILE`, as OpenSSL-based tools read it.
    public init(
        proxy: ProxySettings = .from(environment: ProcessInfo.processInfo.environment),
        caBundlePath: String? = ProcessInfo.processInfo.environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    ) {
        self.proxy = proxy
        self.caBundlePath = caBundlePath
    }

    deinit {
        self.driver.shutdown()
    }

    /// Sends the request and returns the complete response; throws `HTTPClientError` when no response arrives.
    /// Cancelling the calling task removes the transfer at once.
    public func execute(_ request: HTTPRequest, cancellation: HTTPCancellation? = nil) async throws -> HTTPResponse {
        try await self.perform(request, sink: nil, onFinish: nil, cancellation: cancellation)
    }

    /// Streams the response body into the file at `path` (created or truncated) instead of memory, for
    /// downloads larger than is sensible to buffer. Returns the response (with an empty body) and the
    /// number of bytes written; `maxResponseBytes` still bounds the size.
    public func download(_ request: HTTPRequest, to path: String) async throws -> (response: HTTPResponse, bytes: Int) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw HTTPClientError(.invalidRequest, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = ByteCounter()
        let response = try await self.perform(request, sink: descriptor, onFinish: { bytes.set($0) })
        return (response, bytes.value)
    }

    /// Sends the request and returns as soon as the response head has arrived; the body follows through
    /// `response.body`, paused whenever the consumer is `highWaterMark` bytes behind. Cancelling the task or
    /// dropping the body ends the transfer at once.
    public func stream(
        _ request: HTTPRequest,
        highWaterMark: Int = 256 * 1024,
        cancellation: HTTPCancellation? = nil
    ) async throws -> HTTPStreamingResponse {
        let flag = CancellationFlag()
        let driver = self.driver
        let state = BodyStreamState(highWaterMark: max(1, highWaterMark), cancellation: flag, wake: { driver.wakeup() })
        // For as long as the call lives: cancelling it ends the transfer, head or body.
        _ = cancellation?.register { state.abandon() }
        let transfer = try CurlTransfer(
            id: driver.makeID(),
            request: request,
            proxy: self.proxy,
            caBundlePath: self.caBundlePath,
            continuation: nil,
            cancellation: flag,
            stream: state
        )
        let body = HTTPBodyStream(state: state, client: self)
        driver.submit(transfer)
        let (status, headers) = try await state.head()
        return HTTPStreamingResponse(status: status, headers: headers, body: body)
    }

    /// Hands one transfer to the driver and suspends until it finishes; cancellation flags it and wakes the driver.
    private func perform(
        _ request: HTTPRequest,
        sink: Int32?,
        onFinish: (@Sendable (Int) -> Void)?,
        cancellation: HTTPCancellation? = nil
    ) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        let driver = self.driver
        let hook = cancellation?.register {
            flag.cancel()
            driver.wakeup()
        }
        defer { cancellation?.unregister(hook) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                do {
                    let transfer = try CurlTransfer(
                        id: self.driver.makeID(),
                        request: request,
                        proxy: self.proxy,
                        caBundlePath: self.caBundlePath,
                        continuation: continuation,
                        cancellation: flag,
                        sink: sink,
                        onFinish: onFinish
                    )
                    self.driver.submit(transfer)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            flag.cancel()
            self.driver.wakeup()
        }
    }

    /// Fails transfers still in flight and stops the driver thread; later requests fail with `.shutdown`.
    public func shutdown() {
        self.driver.shutdown()
    }
}

/// Carries a download's byte count from the driver thread back to the caller.
final class ByteCounter: Sendable {
    private let count = Atomic<Int>(0)
    func set(_ value: Int) { self.count.store(value, ordering: .releasing) }
    var value: Int { self.count.load(ordering: .acquiring) }
}

/// Set from the cancelling task, read by the driver thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func cancel() { self.value.store(true, ordering: .releasing) }
    var isCancelled: Bool { self.value.load(ordering: .acquiring) }
}
