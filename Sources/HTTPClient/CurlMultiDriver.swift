import CCurl
import Foundation
import Synchronization

/// Runs every transfer of one client on a single libcurl multi handle, driven by one thread.
///
/// Async callers never block: they hand a transfer over and suspend; the driver thread sleeps in `epoll_wait`
/// over libcurl's sockets (`CurlSocketLoop`) and is woken through an eventfd when work or a cancellation arrives.
final class CurlMultiDriver: Sendable {
    private struct State {
        var pending: [CurlTransfer] = []
        var threadStarted = false
        var stopping = false
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(1)
    private let wakeDescriptor: Int32
    /// Set by the first waker until the driver takes the wake-up, so a burst of callers writes the eventfd once.
    private let wakePending = Atomic<Bool>(false)

    init() {
        _ = Self.globalInit
        self.wakeDescriptor = skiff_eventfd_create()
        precondition(self.wakeDescriptor >= 0, "eventfd failed: \(String(cString: strerror(errno)))")
    }

    deinit {
        close(self.wakeDescriptor)
    }

    func makeID() -> UInt64 {
        self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Queues a configured transfer; its continuation is resumed by the driver thread.
    func submit(_ transfer: CurlTransfer) {
        let accepted = self.state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.pending.append(transfer)
            if !state.threadStarted {
                state.threadStarted = true
                let thread = Thread { [self] in
                    // Named from inside: on Linux, Foundation does not apply a name set before `start()`.
                    skiff_name_current_thread("skiff-curl")
                    self.runLoop()
                }
                thread.start()
            }
            return true
        }
        if accepted {
            self.wakeup()
        } else {
            transfer.finish(.failure(HTTPClientError(.shutdown, "the HTTP client has been shut down")))
            transfer.release()
        }
    }

    /// Wakes the driver so that it notices new transfers, cancellations and consumers that caught up at once.
    func wakeup() {
        guard !self.wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        skiff_eventfd_signal(self.wakeDescriptor)
    }

    /// Fails every transfer still running and stops the thread.
    func shutdown() {
        let started = self.state.withLock { state -> Bool in
            state.stopping = true
            return state.threadStarted
        }
        if started {
            self.wakeup()
        }
    }

    private func runLoop() {
        let loop = CurlSocketLoop(wakeDescriptor: self.wakeDescriptor)
        var woken = true
        while true {
            if woken {
                // Cleared before looking, so that anything queued after this point signals again.
                self.wakePending.store(false, ordering: .sequentiallyConsistent)
                let (added, stopping) = self.state.withLock { state in
                    defer { state.pending.removeAll() }
                    return (state.pending, state.stopping)
                }
                for transfer in added {
                    loop.add(transfer)
                }
                if stopping {
                    loop.close(failing: HTTPClientError(.shutdown, "the HTTP client was shut down mid-request"))
                    return
                }
                loop.applyCancellationsAndResumes()
            }
            loop.failLateHeads()
            loop.failStalledBodies()
            loop.runDueTimer()
            loop.finishCompleted()
            loop.deliver()
            woken = loop.wait(timeout: loop.millisecondsUntilNextDeadline(limit: 1000))
        }
    }
}
