import Foundation
import Synchronization
import Testing

@testable import Inference

/// The batcher with a recording runner in place of a model: coalescing, order, limits, back-pressure.
@Suite("Dynamic batcher")
struct DynamicBatcherTests {
    struct Item: TokenCounted, Equatable {
        let id: Int
        let tokenCount: Int
    }

    /// Records every run and returns each item's id, after an optional pause that lets a queue build up.
    final class Recorder: Sendable {
        let runs = Mutex<[[Item]]>([])
        let pause: Duration

        init(pause: Duration = .zero) { self.pause = pause }

        func run(_ items: [Item]) throws -> [Int] {
            self.runs.withLock { $0.append(items) }
            if self.pause > .zero { Thread.sleep(forTimeInterval: Double(self.pause.components.attoseconds) / 1e18) }
            return items.map(\.id)
        }
    }

    @Test func concurrentRequestsShareRunsAndGetTheirOwnResultsInOrder() async throws {
        let recorder = Recorder(pause: .milliseconds(20))
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 10_000, maxBatchSize: 1000, window: .milliseconds(2)),
            runner: { try recorder.run($0) }
        )
        defer { batcher.shutdown() }
        let results = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for request in 0..<64 {
                group.addTask {
                    // Three items each, with lengths in reverse so sorting must reorder them.
                    let items = (0..<3).map { Item(id: request * 10 + $0, tokenCount: 30 - $0 * 10 + request % 5) }
                    return (request, try await batcher.submit(items))
                }
            }
            return try await group.reduce(into: [Int: [Int]]()) { $0[$1.0] = $1.1 }
        }
        for request in 0..<64 {
            #expect(results[request] == [request * 10, request * 10 + 1, request * 10 + 2])
        }
        let runs = recorder.runs.withLock { $0 }
        #expect(runs.count < 64 / 2, "64 concurrent requests ran in \(runs.count) runs")
        for run in runs { #expect(run.map(\.tokenCount) == run.map(\.tokenCount).sorted()) }
        #expect(batcher.stats.requests == 64)
        #expect(batcher.stats.items == 192)
    }

    /// A caller on its own does not wait for company: sequential requests never wait the window, while a queue of
    /// several does (the batcher counts the waits, so nothing here depends on the clock).
    @Test(.timeLimit(.minutes(5))) func aLoneCallerDoesNotWaitTheWindow() async throws {
        let gate = NSCondition()
        let open = Mutex(true)
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 10_000, maxBatchSize: 1000, window: .milliseconds(1)),
            runner: { items in
                gate.lock()
                while !open.withLock({ $0 }) { gate.wait() }
                gate.unlock()
                return items.map(\.id)
            }
        )
        defer { batcher.shutdown() }
        for id in 0..<5 {
            #expect(try await batcher.submit([Item(id: id, tokenCount: 3)]) == [id])
        }
        #expect(batcher.stats.runs == 5 && batcher.stats.windowWaits == 0)
        // Hold one run while three more requests queue behind it: the next run waits for company.
        open.withLock { $0 = false }
        let held = Task { try await batcher.submit([Item(id: 10, tokenCount: 3)]) }
        while batcher.depth < 1 { await Task.yield() }
        let queued = (11..<14).map { id in Task { try await batcher.submit([Item(id: id, tokenCount: 3)]) } }
        while batcher.depth < 4 { await Task.yield() }
        Self.release(gate, open)
        #expect(try await held.value == [10])
        for (offset, task) in queued.enumerated() { #expect(try await task.value == [11 + offset]) }
        #expect(batcher.stats.windowWaits >= 1)
    }

    /// A cancelled caller is answered at once, whether its items are queued or already running; the others are not
    /// disturbed. The runner is held on a gate, so "at once" means "while the run is still blocked".
    @Test(.timeLimit(.minutes(5))) func aCancelledCallerIsAnsweredAtOnce() async throws {
        let gate = NSCondition()
        let open = Mutex(false)
        let ran = Mutex<[Int]>([])
        let entered = Mutex(0)
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 3, maxBatchSize: 1, window: .zero),
            runner: { items in
                entered.withLock { $0 += 1 }
                gate.lock()
                while !open.withLock({ $0 }) { gate.wait() }
                gate.unlock()
                ran.withLock { $0 += items.map(\.id) }
                return items.map(\.id)
            }
        )
        defer { batcher.shutdown() }
        let running = Task { try await batcher.submit([Item(id: 1, tokenCount: 3)]) }
        while entered.withLock({ $0 }) < 1 { await Task.yield() }
        let queued = Task { try await batcher.submit([Item(id: 2, tokenCount: 3)]) }
        let survivor = Task { try await batcher.submit([Item(id: 3, tokenCount: 3)]) }
        while batcher.depth < 3 { await Task.yield() }
        running.cancel()
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(batcher.stats.cancelled == 2)
        Self.release(gate, open)
        #expect(try await survivor.value == [3])
        #expect(ran.withLock { $0 } == [1, 3])  // the cancelled running request's run finished unseen; the queued one never ran
    }

    static func release(_ gate: NSCondition, _ open: borrowing Mutex<Bool>) {
        gate.lock()
        open.withLock { $0 = true }
        gate.broadcast()
        gate.unlock()
    }

    @Test func runsStayWithinTheTokenAndRowLimits() async throws {
        let recorder = Recorder(pause: .milliseconds(5))
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 100, maxBatchSize: 4, window: .milliseconds(5)),
            runner: { try recorder.run($0) }
        )
        defer { batcher.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for request in 0..<40 {
                group.addTask { _ = try await batcher.submit([Item(id: request, tokenCount: 5 + request % 30)]) }
            }
            try await group.waitForAll()
        }
        for run in recorder.runs.withLock({ $0 }) {
            #expect(run.count <= 4)
            // Padded size: rows × the longest row.
            #expect(run.count * (run.map(\.tokenCount).max() ?? 0) <= 100)
        }
    }

    @Test func anOversizedSingleItemStillRunsAlone() async throws {
        let recorder = Recorder()
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 10, maxBatchSize: 4, window: .zero),
            runner: { try recorder.run($0) }
        )
        defer { batcher.shutdown() }
        #expect(try await batcher.submit([Item(id: 7, tokenCount: 50)]) == [7])
    }

    @Test func aFullQueueIsRefusedWithOverloaded() async throws {
        let gate = Mutex(false)
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 10, maxBatchSize: 1, window: .zero, maxPendingRequests: 2),
            runner: { items in
                while !gate.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
                return items.map(\.id)
            }
        )
        defer { batcher.shutdown() }
        let first = Task { try await batcher.submit([Item(id: 1, tokenCount: 1)]) }
        let second = Task { try await batcher.submit([Item(id: 2, tokenCount: 1)]) }
        for _ in 0..<1000 where batcher.depth < 2 { try await Task.sleep(for: .milliseconds(5)) }
        try #require(batcher.depth == 2)
        await #expect {
            _ = try await batcher.submit([Item(id: 3, tokenCount: 1)])
        } throws: { ($0 as? InferenceError)?.code == .overloaded }
        gate.withLock { $0 = true }
        #expect(try await first.value == [1])
        #expect(try await second.value == [2])
        #expect(batcher.stats.rejected == 1)
    }

    @Test(.timeLimit(.minutes(1))) func shutdownFinishesQueuedWorkThenRefusesNewWork() async throws {
        let recorder = Recorder(pause: .milliseconds(30))
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 1, maxBatchSize: 1, window: .zero),
            runner: { try recorder.run($0) }
        )
        let pending = (0..<3).map { id in Task { try await batcher.submit([Item(id: id, tokenCount: 1)]) } }
        // All three accepted (queued, running or done) before shutting down.
        for _ in 0..<2000 where batcher.depth + batcher.stats.requests < 3 { try await Task.sleep(for: .milliseconds(2)) }
        batcher.shutdown()
        for (id, task) in pending.enumerated() { #expect(try await task.value == [id]) }
        await batcher.waitUntilStopped()
        await #expect {
            _ = try await batcher.submit([Item(id: 9, tokenCount: 1)])
        } throws: { ($0 as? InferenceError)?.code == .shuttingDown }
    }

    @Test func aFailingRunFailsOnlyItsRequests() async throws {
        let batcher = DynamicBatcher<Item, Int>(
            name: "test",
            configuration: BatchingConfiguration(maxBatchTokens: 1000, maxBatchSize: 1, window: .zero),
            runner: { items in
                if items.contains(where: { $0.id == 13 }) { throw InferenceError(.runtime, "unlucky") }
                return items.map(\.id)
            }
        )
        defer { batcher.shutdown() }
        await #expect { _ = try await batcher.submit([Item(id: 13, tokenCount: 1)]) } throws: { "\($0)" == "unlucky" }
        #expect(try await batcher.submit([Item(id: 12, tokenCount: 1)]) == [12])
    }
}
