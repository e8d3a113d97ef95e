import Foundation
import Metrics
import Synchronization

/// Something with a cost in tokens, so the batcher can bound a batch by padded size.
public protocol TokenCounted: Sendable {
    var tokenCount: Int { get }
}

/// Limits for coalescing concurrent requests into one model run.
public struct BatchingConfiguration: Sendable, Equatable {
    /// Padded tokens (rows × longest row) per model run (`MAX_BATCH_TOKENS`).
    public var maxBatchTokens: Int
    /// Rows per model run.
    public var maxBatchSize: Int
    /// How long the first queued request may wait for company before its batch runs (`BATCH_WINDOW_MS`).
    public var window: Duration
    /// Requests queued or running before new ones are refused with `.overloaded` (`MAX_CONCURRENT_REQUESTS`).
    public var maxPendingRequests: Int

    public init(maxBatchTokens: Int = 512, maxBatchSize: Int = 128, window: Duration = .microseconds(500), maxPendingRequests: Int = 512) {
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchSize = maxBatchSize
        self.window = window
        self.maxPendingRequests = maxPendingRequests
    }
}

/// Coalesces concurrent requests for one model into as few model runs as possible: items from all waiting
/// requests are sorted by length (so little padding is wasted) and cut into runs of at most `maxBatchTokens`.
///
/// Model runs are CPU-bound calls that block; they happen on the batcher's own thread, never on the Swift
/// concurrency pool, and callers simply await their results.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
public final class DynamicBatcher<Item: TokenCounted, Output: Sendable>: @unchecked Sendable {
    /// Runs one batch: items sorted by length, one output per item, in the same order.
    public typealias Runner = @Sendable ([Item]) throws -> [Output]

    private struct Job {
        let id: UInt64
        let items: [Item]
        let tokens: Int
    }

    /// Counters for metrics and tests.
    public struct Statistics: Sendable, Equatable {
        public var runs = 0
        public var items = 0
        public var requests = 0
        public var largestRun = 0
        public var rejected = 0
        /// Times the worker waited the window for company before a run.
        public var windowWaits = 0
        /// Requests whose caller gave up (its task was cancelled, e.g. by `PREDICTION_TIMEOUT`) before the answer.
        public var cancelled = 0
    }

    public let configuration: BatchingConfiguration
    private let runner: Runner
    private let condition = NSCondition()
    private var queue: [Job] = []
    /// The callers still waiting, by job id; a cancelled caller is removed and answered at once.
    private var waiting: [UInt64: CheckedContinuation<[Output], any Error>] = [:]
    private var nextID: UInt64 = 0
    private var queuedTokens = 0
    private var running = 0
    private var stopping = false
    private var stopped = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    private var statistics = Statistics()
    /// Requests the previous run served: more than one means callers are concurrent, so waiting for company pays.
    private var lastRunRequests = 0
    private let name: String
    private let metrics: BatcherMetrics

    public init(name: String, configuration: BatchingConfiguration, runner: @escaping Runner) {
        self.name = name
        self.metrics = BatcherMetrics(model: name)
        self.configuration = configuration
        self.runner = runner
        let thread = Thread { [self] in self.workLoop() }
        thread.name = "skiff-batch-\(name)"
        thread.start()
    }

    /// Queues `items` and returns their outputs once the batch holding them has run. A cancelled caller gets
    /// `CancellationError` at once: its items leave the queue, or, if already running, their outputs are dropped.
    public func submit(_ items: [Item]) async throws -> [Output] {
        guard !items.isEmpty else { return [] }
        let started = ContinuousClock.now
        do {
            let outputs = try await self.enqueue(items)
            self.metrics.prediction("ok", since: started)
            return outputs
        } catch {
            self.metrics.prediction(BatcherMetrics.status(of: error), since: started)
            throw error
        }
    }

    private func enqueue(_ items: [Item]) async throws -> [Output] {
        let tokens = items.reduce(0) { $0 + $1.tokenCount }
        let id = self.allocateID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                self.condition.lock()
                defer { self.condition.unlock() }
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                if self.stopping {
                    continuation.resume(throwing: InferenceError(.shuttingDown, "model \(self.name) is shutting down"))
                    return
                }
                if self.queue.count + self.running >= self.configuration.maxPendingRequests {
                    self.statistics.rejected += 1
                    continuation.resume(
                        throwing: InferenceError(
                            .overloaded,
                            "model \(self.name) has \(self.configuration.maxPendingRequests) requests waiting (MAX_CONCURRENT_REQUESTS); retry shortly"
                        )
                    )
                    return
                }
                self.waiting[id] = continuation
                self.queue.append(Job(id: id, items: items, tokens: tokens))
                self.queuedTokens += tokens
                self.condition.signal()
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    private func allocateID() -> UInt64 {
        self.condition.lock()
        defer { self.condition.unlock() }
        self.nextID += 1
        return self.nextID
    }

    private func cancel(_ id: UInt64) {
        self.condition.lock()
        guard let continuation = self.waiting.removeValue(forKey: id) else {
            self.condition.unlock()
            return
        }
        if let index = self.queue.firstIndex(where: { $0.id == id }) {
            self.queuedTokens -= self.queue[index].tokens
            self.queue.remove(at: index)
        }
        self.statistics.cancelled += 1
        self.condition.unlock()
        continuation.resume(throwing: CancellationError())
    }

    /// Requests waiting plus requests in the run under way.
    public var depth: Int {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.queue.count + self.running
    }

    public var stats: Statistics {
        self.condition.lock()
        defer { self.condition.unlock() }
        return self.statistics
    }

    /// Finishes everything queued, then stops the thread; later submissions fail with `.shuttingDown`.
    public func shutdown() {
        self.condition.lock()
        self.stopping = true
        self.condition.broadcast()
        self.condition.unlock()
    }

    /// Returns once the work loop has exited (after `shutdown()`), suspending rather than blocking: the runs it
    /// finishes answer callers on the same concurrency pool.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            self.condition.lock()
            guard !self.stopped else {
                self.condition.unlock()
                continuation.resume()
                return
            }
            self.stopWaiters.append(continuation)
            self.condition.unlock()
        }
    }

    private func workLoop() {
        self.condition.lock()
        while true {
            while self.queue.isEmpty && !self.stopping { self.condition.wait() }
            if self.queue.isEmpty && self.stopping { break }
            // Give concurrent requests a short window to join, unless there is already a full batch or the last run
            // served a single request (a lone caller would only wait; under load, runs have company).
            if self.configuration.window > .zero && !self.stopping && (self.queue.count > 1 || self.lastRunRequests > 1) {
                self.statistics.windowWaits += 1
                let (seconds, attoseconds) = self.configuration.window.components
                let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
                while self.queuedTokens < self.configuration.maxBatchTokens && !self.stopping {
                    if !self.condition.wait(until: deadline) { break }
                }
            }
            var taken: [Job] = []
            var tokens = 0
            var rows = 0
            while let next = self.queue.first,
                taken.isEmpty
                    || (tokens + next.tokens <= self.configuration.maxBatchTokens && rows + next.items.count <= self.configuration.maxBatchSize)
            {
                taken.append(self.queue.removeFirst())
                tokens += next.tokens
                rows += next.items.count
            }
            self.queuedTokens -= tokens
            self.running = taken.count
            self.metrics.queueDepth(self.queue.count + taken.count)
            self.condition.unlock()

            self.process(taken)
            self.condition.lock()
        }
        self.stopped = true
        let stopWaiters = self.stopWaiters
        self.stopWaiters = []
        self.condition.unlock()
        for waiter in stopWaiters { waiter.resume() }
    }

    /// Sorts every item of the taken jobs by length, runs them in token-bounded chunks, and hands each job
    /// its outputs in its own order.
    private func process(_ jobs: [Job]) {
        var entries: [(job: Int, index: Int, item: Item)] = []
        for (jobIndex, job) in jobs.enumerated() {
            for (itemIndex, item) in job.items.enumerated() { entries.append((jobIndex, itemIndex, item)) }
        }
        entries.sort { $0.item.tokenCount < $1.item.tokenCount }
        var outputs: [[Output?]] = jobs.map { [Output?](repeating: nil, count: $0.items.count) }
        var failures: [Int: any Error] = [:]
        var runSizes: [Int] = []
        var start = 0
        while start < entries.count {
            // Rows are sorted ascending, so the last row of a chunk sets its padded width.
            var end = start + 1
            while end < entries.count, end - start < self.configuration.maxBatchSize,
                (end - start + 1) * entries[end].item.tokenCount <= self.configuration.maxBatchTokens
            {
                end += 1
            }
            let chunk = entries[start..<end]
            do {
                let results = try self.runner(chunk.map(\.item))
                guard results.count == chunk.count else {
                    throw InferenceError(.runtime, "model returned \(results.count) outputs for \(chunk.count) inputs")
                }
                for (entry, result) in zip(chunk, results) { outputs[entry.job][entry.index] = result }
            } catch {
                for entry in chunk { failures[entry.job] = error }
            }
            runSizes.append(chunk.count)
            self.metrics.batch(size: chunk.count)
            start = end
        }
        self.condition.lock()
        let continuations = jobs.map { self.waiting.removeValue(forKey: $0.id) }
        // Counted before anyone is answered, so a caller that then reads `stats` sees its own run.
        self.running = 0
        self.lastRunRequests = jobs.count
        self.statistics.runs += runSizes.count
        self.statistics.items += entries.count
        self.statistics.requests += jobs.count
        self.statistics.largestRun = max(self.statistics.largestRun, runSizes.max() ?? 0)
        self.condition.unlock()
        for (index, continuation) in continuations.enumerated() {
            guard let continuation else { continue }  // its caller was cancelled and has been answered
            if let failure = failures[index] {
                continuation.resume(throwing: failure)
            } else {
                continuation.resume(returning: outputs[index].map { $0! })
            }
        }
    }
}
