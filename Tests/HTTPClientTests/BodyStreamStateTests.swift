import Synchronization
import Testing

@testable import HTTPClient

/// What a streaming transfer's reader is woken with: everything one libcurl call read, not each piece of it.
@Suite struct BodyStreamStateTests {
    /// Counts the reader's calls to `wake`, which it makes when it starts waiting.
    final class Waits: Sendable {
        private let count = Atomic<Int>(0)
        func add() { self.count.add(1, ordering: .relaxed) }
        var value: Int { self.count.load(ordering: .relaxed) }
    }

    static func offer(_ text: String, to state: BodyStreamState) -> Bool {
        Array(text.utf8).withUnsafeBytes { state.offer($0) }
    }

    /// A reader already waiting gets nothing until the driver delivers, then all the pieces as one chunk.
    @Test func aWaitingReaderGetsTheReadsPiecesTogether() async throws {
        let waits = Waits()
        let state = BodyStreamState(highWaterMark: 1 << 20, cancellation: CancellationFlag(), wake: { waits.add() })
        let reader = Task { try await state.next() }
        let clock = ContinuousClock()
        let start = clock.now
        while waits.value == 0 && clock.now - start < .seconds(10) { await Task.yield() }
        try #require(waits.value == 1, "the reader never started waiting")

        for piece in ["data: a\n\n", "data: b\n\n", "data: c\n\n"] {
            #expect(Self.offer(piece, to: state))
        }
        state.deliver()
        let bytes = try #require(try await reader.value)
        #expect(String(decoding: bytes, as: UTF8.self) == "data: a\n\ndata: b\n\ndata: c\n\n")
    }

    /// An interrupted wait returns an empty chunk and loses nothing: bytes that came before it, or after it, are read
    /// by the next calls. With nobody waiting, or bytes already buffered, there is nothing to interrupt.
    @Test func anInterruptedWaitReturnsNoBytesAndLosesNone() async throws {
        let waits = Waits()
        let state = BodyStreamState(highWaterMark: 1 << 20, cancellation: CancellationFlag(), wake: { waits.add() })
        #expect(!state.interruptWait(), "nobody was waiting")
        let reader = Task { try await state.next() }
        let clock = ContinuousClock()
        let start = clock.now
        while waits.value == 0 && clock.now - start < .seconds(10) { await Task.yield() }
        try #require(waits.value == 1, "the reader never started waiting")
        #expect(state.interruptWait())
        #expect(try await reader.value == [])

        #expect(Self.offer("data: a\n\n", to: state))
        #expect(!state.interruptWait(), "bytes are buffered: the reader gets them, not an interruption")
        #expect(String(decoding: try #require(try await state.next()), as: UTF8.self) == "data: a\n\n")
        let second = Task { try await state.next() }
        while waits.value < 2 && clock.now - start < .seconds(10) { await Task.yield() }
        #expect(Self.offer("data: b\n\n", to: state))
        state.finish(.success(()))
        #expect(!state.interruptWait(), "the transfer ended: its reader gets the bytes and then the end")
        #expect(String(decoding: try #require(try await second.value), as: UTF8.self) == "data: b\n\n")
        #expect(try await state.next() == nil)
    }

    /// A transfer that ends with bytes still undelivered hands them over first, then the end.
    @Test func theEndComesAfterTheLastBytes() async throws {
        let state = BodyStreamState(highWaterMark: 1 << 20, cancellation: CancellationFlag(), wake: {})
        state.headersArrived(status: 200, headers: [("Content-Type", "text/event-stream")])
        #expect(Self.offer("data: last\n\n", to: state))
        state.finish(.success(()))
        let (status, headers) = try await state.head()
        #expect(status == 200 && headers.first?.name == "Content-Type")
        #expect(String(decoding: try #require(try await state.next()), as: UTF8.self) == "data: last\n\n")
        #expect(try await state.next() == nil)
    }

    /// A failed transfer fails a reader waiting for its head.
    @Test func aFailureBeforeTheHeadFailsTheHeadsReader() async throws {
        let state = BodyStreamState(highWaterMark: 1 << 20, cancellation: CancellationFlag(), wake: {})
        let reader = Task { try await state.head() }
        await Task.yield()
        state.finish(.failure(HTTPClientError(.couldNotConnect, "refused")))
        await #expect(throws: HTTPClientError.self) { try await reader.value }
    }
}
