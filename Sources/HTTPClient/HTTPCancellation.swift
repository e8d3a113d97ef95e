import Synchronization

/// Cancels the transfers of one logical call from outside the task that runs them — a server whose client hung
/// up cancels its upstream call without wrapping it in a task of its own. Task cancellation works as well.
public final class HTTPCancellation: Sendable {
    private struct State {
        var cancelled = false
        var next: UInt64 = 0
        var hooks: [UInt64: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public var isCancelled: Bool { self.state.withLock { $0.cancelled } }

    /// Cancels every transfer registered now or later.
    public func cancel() {
        let hooks = self.state.withLock { state -> [@Sendable () -> Void] in
            guard !state.cancelled else { return [] }
            state.cancelled = true
            defer { state.hooks.removeAll() }
            return Array(state.hooks.values)
        }
        for hook in hooks { hook() }
    }

    /// Runs `hook` on cancellation (at once when already cancelled); the id removes it when the transfer ends.
    func register(_ hook: @escaping @Sendable () -> Void) -> UInt64? {
        let registered: UInt64? = self.state.withLock { state in
            guard !state.cancelled else { return nil }
            state.next += 1
            state.hooks[state.next] = hook
            return state.next
        }
        if registered == nil { hook() }
        return registered
    }

    func unregister(_ id: UInt64?) {
        guard let id else { return }
        _ = self.state.withLock { $0.hooks.removeValue(forKey: id) }
    }
}
