import CCurl
import Foundation
import Synchronization

/// Runs every transfer of one client on a single libcurl multi handle, driven by one thread.
///
/// Async callers never block: they hand a transfer over and suspend; the driver thread sleeps in
/// `curl_multi_poll` and is woken by `curl_multi_wakeup` when work or a cancellation arrives.
final class CurlMultiDriver: Sendable {
    private struct State {
        var pending: [CurlTransfer] = []
        var threadStarted = false
        var stopping = false
    }

    private static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// `nonisolated(unsafe)`: the multi handle is used by the driver thread, plus `curl_multi_wakeup`,
    /// which libcurl documents as safe to call from any thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer
    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(1)

    init() {
        _ = Self.globalInit
        self.multi = curl_multi_init()
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
                let thread = Thread { [self] in self.runLoop() }
                thread.name = "skiff-curl"
                thread.start()
            }
            return true
        }
        if accepted {
            curl_multi_wakeup(self.multi)
        } else {
            transfer.finish(.failure(HTTPClientError(.shutdown, "the HTTP client has been shut down")))
            transfer.release()
        }
    }

    /// Wakes the driver so that it notices a cancelled transfer at once.
    func wakeup() {
        curl_multi_wakeup(self.multi)
    }

    /// Fails every transfer still running and stops the thread.
    func shutdown() {
        let started = self.state.withLock { state -> Bool in
            state.stopping = true
            return state.threadStarted
        }
        if started {
            curl_multi_wakeup(self.multi)
        } else {
            curl_multi_cleanup(self.multi)
        }
    }

    private func runLoop() {
        var active: [UInt64: CurlTransfer] = [:]
        func remove(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, any Error>) {
            curl_multi_remove_handle(self.multi, transfer.handle)
            active[transfer.id] = nil
            transfer.finish(result)
            transfer.release()
        }
        let cancelled = HTTPClientError(.cancelled, "the request was cancelled")

        while true {
            let (added, stopping) = self.state.withLock { state in
                defer { state.pending.removeAll() }
                return (state.pending, state.stopping)
            }
            for transfer in added {
                if transfer.isCancelled {
                    transfer.finish(.failure(cancelled))
                    transfer.release()
                    continue
                }
                curl_multi_add_handle(self.multi, transfer.handle)
                active[transfer.id] = transfer
            }
            for transfer in active.values where transfer.isCancelled {
                remove(transfer, .failure(cancelled))
            }
            // Consumers that caught up get their paused transfers back; heads that are late fail.
            var pollMilliseconds: Int32 = 1000
            let now = ContinuousClock.now
            for transfer in active.values {
                if let stream = transfer.stream, stream.takeResumeRequest() {
                    curl_easy_pause(transfer.handle, CURLPAUSE_CONT)
                }
                if let deadline = transfer.headDeadline, !transfer.headComplete {
                    if deadline <= now {
                        remove(transfer, .failure(HTTPClientError(.timedOut, "no response head within the first-byte timeout")))
                    } else {
                        let remaining = deadline - now
                        let milliseconds = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1
                        pollMilliseconds = min(pollMilliseconds, Int32(clamping: milliseconds))
                    }
                }
            }
            if stopping {
                for transfer in active.values {
                    remove(transfer, .failure(HTTPClientError(.shutdown, "the HTTP client was shut down mid-request")))
                }
                curl_multi_cleanup(self.multi)
                return
            }

            var running: Int32 = 0
            curl_multi_perform(self.multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(self.multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                var context: UnsafeMutableRawPointer? = nil
                _ = skiff_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context)
                guard let context else { continue }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                remove(transfer, transfer.result(for: message.pointee.data.result))
            }
            curl_multi_poll(self.multi, nil, 0, pollMilliseconds, nil)
        }
    }
}
