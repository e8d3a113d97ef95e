import NIOCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Notices clients that closed their connection while skiff waits on an upstream, so the upstream transfer can
/// be cancelled at once instead of running (and billing tokens) to its end.
///
/// Hummingbird allows half-closed connections, so a client's FIN does not close the channel while a response is
/// pending. `ClientHangUpHandler` reports the FIN or close as it happens; as a fallback (a FIN that came before the
/// watch began) one loop polls every watched socket's TCP state (CLOSE_WAIT), so a request costs a dictionary entry
/// rather than a timer of its own.
final class DisconnectMonitor: Service, Sendable {
    private struct Watch: Sendable {
        let channel: any Channel
        /// The socket's TCP state, where the channel has one.
        let provider: (any SocketOptionProvider)?
        let onGone: @Sendable () -> Void
    }

    private let watches = Mutex<[UInt64: Watch]>([:])
    private let nextID = Atomic<UInt64>(0)
    let interval: Duration

    init(interval: Duration = .milliseconds(200)) {
        self.interval = interval
    }

    /// Polls until graceful shutdown reaches it (after the server, which it is listed before, has finished), then
    /// returns normally: a monitor that stops is not a failure of the group.
    func run() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: self.interval)
            self.poll()
        }
    }

    private func poll() {
        let snapshot = self.watches.withLock { $0 }
        // Only sockets: a channel without one (tests' in-memory channels) is never active, not gone.
        for (id, watch) in snapshot where watch.provider != nil {
            guard watch.channel.isActive else {
                self.gone(id)
                continue
            }
            #if os(Linux)
                watch.provider?.getTCPInfo().whenComplete { result in
                    // CLOSE_WAIT: the client sent FIN; CLOSE, LAST_ACK…: the connection is ending.
                    if case .success(let info) = result, Int(info.tcpi_state) == Int(TCP_ESTABLISHED) { return }
                    self.gone(id)
                }
            #endif
        }
    }

    /// The client of `channel` closed or half-closed it (seen by `ClientHangUpHandler`): its watches are gone now,
    /// not at the next poll.
    func clientLeft(_ channel: any Channel) {
        let ids = self.watches.withLock { watches in watches.filter { $0.value.channel === channel }.map(\.key) }
        for id in ids {
            self.gone(id)
        }
    }

    private func gone(_ id: UInt64) {
        let watch = self.watches.withLock { $0.removeValue(forKey: id) }
        watch?.onGone()
    }

    /// Calls `onGone` once if the client leaves before `unwatch`; nil where there is nothing to watch (no channel).
    func watch(_ channel: (any Channel)?, onGone: @escaping @Sendable () -> Void) -> UInt64? {
        guard let channel else { return nil }
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let watch = Watch(channel: channel, provider: channel as? any SocketOptionProvider, onGone: onGone)
        self.watches.withLock { $0[id] = watch }
        return id
    }

    func unwatch(_ id: UInt64?) {
        guard let id else { return }
        _ = self.watches.withLock { $0.removeValue(forKey: id) }
    }

    /// Runs `body` in this task and calls `onGone` (from the monitor) if the client leaves meanwhile.
    func watching<T>(_ channel: (any Channel)?, onGone: @escaping @Sendable () -> Void, _ body: () async throws -> T) async rethrows -> T {
        let id = self.watch(channel, onGone: onGone)
        defer { self.unwatch(id) }
        return try await body()
    }
}
