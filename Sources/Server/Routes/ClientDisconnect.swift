import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Notices a client that closed its connection while skiff waits on an upstream, so the upstream transfer can
/// be cancelled at once instead of running (and billing tokens) to its end.
///
/// Hummingbird allows half-closed connections, so a client's FIN does not close the channel while a response is
/// pending; the kernel's TCP state does show it (CLOSE_WAIT), and that is what is polled here.
enum ClientDisconnect {
    static let pollInterval: Duration = .milliseconds(200)

    /// Runs `operation` in a child task, cancelled as soon as the client goes away.
    static func cancelling<T: Sendable>(on channel: (any Channel)?, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let channel, channel is any SocketOptionProvider else { return try await operation() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                await self.waitUntilGone(channel)
                return nil
            }
            while let result = try await group.next() {
                group.cancelAll()
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    /// Runs `body` in this task while a child task watches the connection and calls `onGone` if the client leaves.
    static func watching<T>(_ channel: (any Channel)?, onGone: @escaping @Sendable () -> Void, _ body: () async throws -> T) async throws -> T {
        guard let channel, channel is any SocketOptionProvider else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.waitUntilGone(channel)
                if !Task.isCancelled { onGone() }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Returns when the peer has closed (or the connection is gone), or when the task is cancelled.
    static func waitUntilGone(_ channel: any Channel) async {
        guard let provider = channel as? any SocketOptionProvider else { return }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: self.pollInterval)
            } catch {
                return
            }
            guard channel.isActive else { return }
            #if os(Linux)
                guard let info = try? await provider.getTCPInfo().get() else { return }
                // CLOSE_WAIT: the client sent FIN; CLOSE, LAST_ACK…: the connection is ending.
                if Int(info.tcpi_state) != Int(TCP_ESTABLISHED) { return }
            #endif
        }
    }
}
