import Dispatch

/// Runs blocking work (pipe reads, waitpid) on a Dispatch thread so it never occupies the Swift
/// concurrency pool, which has only as many threads as cores.
public func blockingIO<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}
