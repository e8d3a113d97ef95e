import AWSConfig
import Metrics
import NIOCore
import Synchronization

/// The log lines waiting for CloudWatch: request handling appends under a lock (O(1), no I/O) and the shipper
/// takes batches from the front on its own task.
///
/// Bounded: once `capacity` lines wait, each new line pushes out the oldest, counted as dropped. A line stays
/// in the buffer until CloudWatch has accepted it, so a failed upload is retried with the same lines.
final class LogShippingBuffer: Sendable {
    /// One line, numbered in arrival order.
    struct Entry: Sendable {
        let sequence: UInt64
        /// Milliseconds since 1970 UTC, the time the line's `time` field shows.
        let timestamp: Int64
        let line: String
    }

    private struct State {
        var entries = CircularBuffer<Entry>(initialCapacity: 64)
        var nextSequence: UInt64 = 1
        /// The lines of the upload under way, by sequence number; nil when none is.
        var inFlight: ClosedRange<UInt64>?
        /// The newest in-flight line pushed out while its upload ran; whether that was a loss is known only at its end.
        var evictedInFlightThrough: UInt64 = 0
        var dropped = 0
        var wakePending = false
        var closed = false
        /// Set when this buffer (the backlog kept during boot) handed its lines to the shipper's buffer.
        var forward: LogShippingBuffer?
    }

    let capacity: Int
    /// Lines waiting that make `append` wake the shipper before its next tick.
    let wakeThreshold: Int
    private let state = Mutex(State())
    private let droppedCounter: Counter?
    private let wakeContinuation: AsyncStream<Void>.Continuation
    /// Yields when the shipper should flush: every tick, and whenever `wakeThreshold` lines are waiting.
    let wakes: AsyncStream<Void>

    init(capacity: Int, wakeThreshold: Int? = nil, droppedCounter: Counter? = nil) {
        self.capacity = max(1, capacity)
        self.wakeThreshold = max(1, min(wakeThreshold ?? self.capacity / 2, self.capacity))
        self.droppedCounter = droppedCounter
        (self.wakes, self.wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds one line (with its trailing newline, as written to stdout). Never blocks beyond the lock, never does I/O.
    func append(_ line: String, timestamp: Int64) {
        let (forward, wake, evicted) = self.state.withLock { state -> (LogShippingBuffer?, Bool, Bool) in
            if let forward = state.forward { return (forward, false, false) }
            guard !state.closed else { return (nil, false, false) }
            var evicted = false
            if state.entries.count >= self.capacity {
                let oldest = state.entries.removeFirst()
                if let inFlight = state.inFlight, inFlight.contains(oldest.sequence) {
                    state.evictedInFlightThrough = oldest.sequence
                } else {
                    state.dropped += 1
                    evicted = true
                }
            }
            state.entries.append(Entry(sequence: state.nextSequence, timestamp: timestamp, line: line))
            state.nextSequence += 1
            guard !state.wakePending, state.entries.count >= self.wakeThreshold else { return (nil, false, evicted) }
            state.wakePending = true
            return (nil, true, evicted)
        }
        if let forward {
            forward.append(line, timestamp: timestamp)
            return
        }
        if evicted { self.droppedCounter?.increment() }
        if wake { self.wakeContinuation.yield() }
    }

    /// Asks the shipper to flush now.
    func wake() {
        self.wakeContinuation.yield()
    }

    /// Ends `wakes`, so the shipper's loop moves on to its final flush.
    func finishWakes() {
        self.wakeContinuation.finish()
    }

    /// Copies lines from the front for an upload, as many as one PutLogEvents batch can hold by count and bytes,
    /// and marks them in flight; they stay in the buffer until `endUpload`.
    func beginUpload(limits: CloudWatchLogLimits) -> [Entry] {
        self.state.withLock { state in
            state.wakePending = false
            var entries: [Entry] = []
            var bytes = 0
            for entry in state.entries {
                let size = min(entry.line.utf8.count, limits.maxMessageBytes) + CloudWatchLogLimits.eventOverhead
                guard entries.count < limits.maxBatchEvents, entries.isEmpty || bytes + size <= limits.maxBatchBytes else { break }
                entries.append(entry)
                bytes += size
            }
            guard let first = entries.first, let last = entries.last else { return [] }
            state.inFlight = first.sequence...last.sequence
            state.evictedInFlightThrough = 0
            return entries
        }
    }

    /// Ends the upload `beginUpload` started: lines up to `sentThrough` are removed (CloudWatch has them, or
    /// refused them for good); the others stay for the next attempt.
    /// - Returns: how many lines of the upload that were not sent were pushed out meanwhile (already counted as dropped).
    @discardableResult
    func endUpload(sentThrough: UInt64?) -> Int {
        let lost = self.state.withLock { state -> Int in
            defer {
                state.inFlight = nil
                state.evictedInFlightThrough = 0
            }
            guard let inFlight = state.inFlight else { return 0 }
            let sent = sentThrough.map { min($0, inFlight.upperBound) } ?? (inFlight.lowerBound - 1)
            while let first = state.entries.first, first.sequence <= sent {
                state.entries.removeFirst()
            }
            // Evictions run oldest first, so the lines pushed out are inFlight.lowerBound...evictedInFlightThrough.
            let lost = state.evictedInFlightThrough > sent ? Int(state.evictedInFlightThrough - max(sent, inFlight.lowerBound - 1)) : 0
            state.dropped += lost
            return lost
        }
        if lost > 0 { self.droppedCounter?.increment(by: Int64(lost)) }
        return lost
    }

    /// Stops taking lines and hands back whatever is still waiting (shutdown).
    func close() -> [Entry] {
        self.state.withLock { state in
            state.closed = true
            let entries = Array(state.entries)
            state.entries.removeAll()
            return entries
        }
    }

    /// Moves every waiting line to `buffer` and sends later appends there: the boot backlog joining the shipper.
    func forward(to buffer: LogShippingBuffer) {
        let dropped = self.state.withLock { state in
            for entry in state.entries { buffer.append(entry.line, timestamp: entry.timestamp) }
            state.entries.removeAll()
            state.forward = buffer
            return state.dropped
        }
        buffer.countDropped(dropped)
    }

    private func countDropped(_ count: Int) {
        guard count > 0 else { return }
        self.state.withLock { $0.dropped += count }
        self.droppedCounter?.increment(by: Int64(count))
    }

    /// Lines waiting now.
    var count: Int { self.state.withLock { $0.entries.count } }

    /// Lines pushed out by newer ones so far.
    var dropped: Int { self.state.withLock { $0.dropped } }
}
