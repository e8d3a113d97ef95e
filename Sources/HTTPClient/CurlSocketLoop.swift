import CCurl
import Glibc

/// The driver thread's own state: the multi handle on libcurl's socket interface, its transfers, the epoll set of
/// the sockets libcurl asked to watch, and libcurl's one timer.
///
/// libcurl is told exactly which socket became ready, so a ready socket costs work for its own transfers only;
/// `curl_multi_perform` would instead visit — and poll — every transfer on every wake-up, which grows with the
/// number of requests waiting on slow upstreams. Created, used and destroyed on the driver thread only.
final class CurlSocketLoop {
    let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    private let wakeDescriptor: Int32
    /// What each watched socket is watched for (libcurl's CURL_POLL_* value), so that epoll is told only of changes.
    private var watched: [curl_socket_t: Int32] = [:]
    /// When libcurl wants `curl_multi_socket_action(CURL_SOCKET_TIMEOUT)` called; nil when it has no timer.
    private var timerDeadline: ContinuousClock.Instant?
    private var active: [UInt64: CurlTransfer] = [:]
    /// The earliest first-byte deadline among transfers still waiting for their head, when there is one.
    private var nextHeadDeadline: ContinuousClock.Instant?
    /// The earliest idle deadline among transfers receiving their body, or an instant before it (transfers report
    /// the deadlines they start; bytes only push them later).
    private let nextIdleDeadline = EarliestDeadline()
    /// Streams with news for their consumers from the libcurl call under way.
    private let deliveries = PendingDeliveries()
    /// Ready sockets taken per `epoll_wait` (more wait for the next one: epoll is level-triggered).
    private static let readyCapacity = 128
    private var readyDescriptors = [Int32](repeating: 0, count: readyCapacity)
    private var readyBits = [Int32](repeating: 0, count: readyCapacity)

    /// `wakeDescriptor` is an eventfd other threads signal; it is watched beside libcurl's sockets.
    init(wakeDescriptor: Int32) {
        self.multi = curl_multi_init()
        self.epoll = skiff_epoll_create()
        self.wakeDescriptor = wakeDescriptor
        precondition(self.epoll >= 0, "epoll_create1 failed")
        precondition(skiff_epoll_watch(self.epoll, wakeDescriptor, CURL_POLL_IN, 0) == 0, "cannot watch the wake-up eventfd")
        let context = Unmanaged.passUnretained(self).toOpaque()
        skiff_multi_setopt_socket_callback(self.multi, curlSocketCallback)
        skiff_multi_setopt_pointer(self.multi, CURLMOPT_SOCKETDATA, context)
        skiff_multi_setopt_timer_callback(self.multi, curlTimerCallback)
        skiff_multi_setopt_pointer(self.multi, CURLMOPT_TIMERDATA, context)
    }

    /// Fails every transfer still running with `error`, then frees the multi handle and the epoll set.
    func close(failing error: HTTPClientError) {
        for transfer in self.active.values {
            self.remove(transfer, .failure(error))
        }
        curl_multi_cleanup(self.multi)
        _ = Glibc.close(self.epoll)
    }

    /// Starts a handed-over transfer, unless it was cancelled on the way.
    func add(_ transfer: CurlTransfer) {
        if transfer.isCancelled {
            transfer.finish(.failure(Self.cancelled))
            transfer.release()
            return
        }
        transfer.idleDeadlines = self.nextIdleDeadline
        transfer.deliveries = self.deliveries
        if let deadline = transfer.headDeadline {
            self.nextHeadDeadline = min(self.nextHeadDeadline ?? deadline, deadline)
        }
        curl_multi_add_handle(self.multi, transfer.handle)
        self.active[transfer.id] = transfer
    }

    /// Cancelled transfers end; consumers that caught up get their paused transfers back. Runs when woken.
    func applyCancellationsAndResumes() {
        for transfer in self.active.values {
            if transfer.isCancelled {
                self.remove(transfer, .failure(Self.cancelled))
            } else if let stream = transfer.stream, stream.takeResumeRequest() {
                transfer.resume()
            }
        }
    }

    /// Fails transfers whose head is later than their first-byte timeout. Looks at every transfer only when the
    /// earliest known deadline has passed (`add` notes each new one); the scan then finds the next one due.
    func failLateHeads() {
        let now = ContinuousClock.now
        guard let due = self.nextHeadDeadline, due <= now else { return }
        self.nextHeadDeadline = nil
        for transfer in self.active.values where !transfer.headComplete {
            guard let deadline = transfer.headDeadline else { continue }
            if deadline <= now {
                self.remove(transfer, .failure(HTTPClientError(.timedOut, "no response head within the first-byte timeout")))
            } else {
                self.nextHeadDeadline = min(self.nextHeadDeadline ?? deadline, deadline)
            }
        }
    }

    /// Fails transfers whose body got no bytes for their idle timeout. Looks at every transfer only when the earliest
    /// known idle deadline has passed; most have moved later since, and the earliest of those is the next one due.
    func failStalledBodies() {
        let now = ContinuousClock.now
        guard let due = self.nextIdleDeadline.instant, due <= now else { return }
        self.nextIdleDeadline.reset()
        for transfer in self.active.values {
            guard let deadline = transfer.idleDeadline else { continue }
            if deadline <= now {
                let limit = transfer.idleTimeout?.wholeMilliseconds ?? 0
                let error = HTTPClientError(.timedOut, "the response body stalled: no bytes within the idle timeout (\(limit) ms)")
                self.remove(transfer, .failure(error))
            } else {
                self.nextIdleDeadline.note(deadline)
            }
        }
    }

    /// Hands streams' consumers what arrived since the last delivery: after `finishCompleted`, so that a stream
    /// that ended meanwhile goes out with its end, and always before the thread sleeps.
    func deliver() {
        self.deliveries.deliver()
    }

    /// Hands every transfer libcurl reports done its outcome.
    func finishCompleted() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(self.multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            var context: UnsafeMutableRawPointer? = nil
            _ = skiff_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context)
            guard let context else { continue }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            self.remove(transfer, transfer.result(for: message.pointee.data.result))
        }
    }

    private func remove(_ transfer: CurlTransfer, _ result: Result<HTTPResponse, any Error>) {
        curl_multi_remove_handle(self.multi, transfer.handle)
        self.active[transfer.id] = nil
        transfer.finish(result)
        transfer.release()
    }

    private static let cancelled = HTTPClientError(.cancelled, "the request was cancelled")

    fileprivate func watch(_ socket: curl_socket_t, _ what: Int32) {
        let known = self.watched[socket]
        if what == CURL_POLL_REMOVE {
            guard known != nil else { return }
            self.watched[socket] = nil
        } else {
            guard known != what else { return }
            self.watched[socket] = what
        }
        // A failure here leaves the transfer to libcurl's own timeouts; there is no caller to report it to.
        _ = skiff_epoll_watch(self.epoll, socket, what, known == nil ? 0 : 1)
    }

    fileprivate func setTimer(milliseconds: Int) {
        self.timerDeadline = milliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(milliseconds)
    }

    /// Runs libcurl's timer if it is due.
    func runDueTimer() {
        guard let deadline = self.timerDeadline, deadline <= ContinuousClock.now else { return }
        self.timerDeadline = nil
        var running: Int32 = 0
        curl_multi_socket_action(self.multi, CURL_SOCKET_TIMEOUT, 0, &running)
    }

    /// Milliseconds until libcurl's timer or the earliest first-byte or idle deadline is due, at most `limit`.
    func millisecondsUntilNextDeadline(limit: Int32) -> Int32 {
        var timeout = limit
        if let deadline = self.timerDeadline { timeout = min(timeout, Self.milliseconds(until: deadline)) }
        if let deadline = self.nextHeadDeadline { timeout = min(timeout, Self.milliseconds(until: deadline)) }
        if let deadline = self.nextIdleDeadline.instant { timeout = min(timeout, Self.milliseconds(until: deadline)) }
        return timeout
    }

    /// Sleeps until a watched socket is ready, the wake-up is signalled or `timeout` milliseconds pass, and hands
    /// each ready socket to libcurl. Returns whether the wake-up was signalled (and drains it).
    ///
    /// Each socket's news goes to its consumer as soon as libcurl has read it, not after every ready socket: when a
    /// burst of answers lands together, the first callers work on theirs while this thread reads the rest.
    func wait(timeout: Int32) -> Bool {
        let count = skiff_epoll_wait(self.epoll, &self.readyDescriptors, &self.readyBits, Int32(Self.readyCapacity), timeout)
        var woken = false
        var running: Int32 = 0
        for index in 0..<max(0, Int(count)) {
            let descriptor = self.readyDescriptors[index]
            if descriptor == self.wakeDescriptor {
                skiff_eventfd_drain(descriptor)
                woken = true
            } else {
                curl_multi_socket_action(self.multi, descriptor, self.readyBits[index], &running)
                self.finishCompleted()
                self.deliver()
            }
        }
        return woken
    }

    /// Whole milliseconds until `deadline`, rounded up so that a wait never ends just before it.
    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let remaining = deadline - ContinuousClock.now
        return remaining > .zero ? Int32(clamping: remaining.wholeMilliseconds) : 0
    }
}

private let curlSocketCallback: skiff_socket_callback = { _, socket, what, userp, _ in
    guard let userp else { return 0 }
    Unmanaged<CurlSocketLoop>.fromOpaque(userp).takeUnretainedValue().watch(socket, what)
    return 0
}

private let curlTimerCallback: skiff_timer_callback = { _, milliseconds, userp in
    guard let userp else { return 0 }
    Unmanaged<CurlSocketLoop>.fromOpaque(userp).takeUnretainedValue().setTimer(milliseconds: milliseconds)
    return 0
}
