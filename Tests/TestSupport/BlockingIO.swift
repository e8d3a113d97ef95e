import Foundation

/// Runs blocking work (pipe and socket reads, waitpid) on a thread of its own, never on the Swift concurrency pool
/// (one thread per core) nor on Dispatch's global queue, which on Linux grows past one thread per core only about
/// once a second: parallel tests blocking there wait on each other for seconds.
public func blockingIO<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
