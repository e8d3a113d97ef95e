import Logging
import Synchronization

/// The process's only outbound HTTP client: libcurl underneath, async/await on top.
///
/// All transfers share one multi handle, so connections (and TLS sessions) to AWS and to providers are reused.
public final class HTTPClient: Sendable {
    private let driver = CurlMultiDriver()

    public init() {}

    deinit {
        self.driver.shutdown()
    }

    /// Sends the request and returns the complete response; throws `HTTPClientError` when no response arrives.
    /// Cancelling the calling task removes the transfer at once.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                do {
                    let transfer = try CurlTransfer(id: self.driver.makeID(), request: request, continuation: continuation, cancellation: flag)
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

/// Set from the cancelling task, read by the driver thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func cancel() { self.value.store(true, ordering: .releasing) }
    var isCancelled: Bool { self.value.load(ordering: .acquiring) }
}
