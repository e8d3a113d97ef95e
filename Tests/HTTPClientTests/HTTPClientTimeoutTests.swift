import Foundation
import HTTPClient
import TestSupport
import Testing

/// Each timeout bounds its own phase: connect the handshake, first-byte the wait for the head, idle a body that
/// stalls after the head, total the whole exchange. Against the HTTP peer on loopback.
@Suite("HTTPClient timeouts", .timeLimit(.minutes(2)))
struct HTTPClientTimeoutTests {
    /// How the caller takes the body: the idle timeout must hold for both.
    enum Delivery: String, CaseIterable, Sendable {
        case buffered, streamed

        func body(of request: HTTPRequest) async throws -> [UInt8] {
            let client = HTTPClient(proxy: ProxySettings())
            switch self {
            case .buffered: return try await client.execute(request).body
            case .streamed: return try await client.stream(request).body.collect()
            }
        }
    }

    func endpoint() async throws -> String { try await HTTPClientTests.peer.value.string("endpoint") }

    func stats() async throws -> [String: Int] {
        let response = try await HTTPClient(proxy: ProxySettings()).execute(HTTPRequest(url: try await self.endpoint() + "/_stats"))
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]) ?? [:]
    }

    /// Opens a stream of 64 KiB chunks with a 500 ms idle timeout, reads its first chunk and stops reading for 2 s,
    /// checking that the peer really was held back (socket buffers and the high-water mark, no more). Returns the
    /// body to go on with and the bytes read so far.
    func pausedStream(id: String, query: String) async throws -> (body: HTTPBodyStream.AsyncIterator, received: Int) {
        let response = try await HTTPClient(proxy: ProxySettings()).stream(
            HTTPRequest(
                url: try await self.endpoint() + "/stream?id=\(id)&size=65536&\(query)",
                timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(60), idle: .milliseconds(500), firstByte: .seconds(5)),
                maxResponseBytes: 64 << 20
            ),
            highWaterMark: 128 * 1024
        )
        var body = response.body.makeAsyncIterator()
        let received = try await body.next()?.count ?? 0
        try await Task.sleep(for: .seconds(2))
        let sentWhilePaused = try await self.stats()["stream_sent:\(id)"] ?? 0
        #expect(sentWhilePaused < 16 << 20, "peer sent \(sentWhilePaused) bytes to a consumer that stopped reading")
        return (body, received)
    }

    /// A slow first byte (an LLM thinking) is the first-byte timeout's to judge: a shorter idle timeout must not cut
    /// it off.
    @Test(arguments: Delivery.allCases)
    func theIdleTimeoutDoesNotCountTheWaitForTheHead(_ delivery: Delivery) async throws {
        let request = HTTPRequest(
            url: try await self.endpoint() + "/slowhead?ms=1500",
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(30), idle: .milliseconds(500), firstByte: .seconds(5))
        )
        #expect(try await delivery.body(of: request) == Array(#"{"late":true}"#.utf8))
    }

    /// Some bytes, then nothing: the idle timeout ends the transfer, and its error says which timeout and how long.
    @Test(arguments: Delivery.allCases)
    func aBodyThatStallsFailsWithTheIdleTimeout(_ delivery: Delivery) async throws {
        let request = HTTPRequest(
            url: try await self.endpoint() + "/stream?id=stall-\(delivery)&chunks=3&size=100&stall_ms=6000",
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(30), idle: .milliseconds(500), firstByte: .seconds(5))
        )
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPClientError.self) { _ = try await delivery.body(of: request) }
        #expect(error?.code == .timedOut)
        #expect(error?.message.contains("idle timeout") == true, "\(error?.description ?? "")")
        #expect(error?.message.contains("500 ms") == true, "\(error?.description ?? "")")
        // The peer would have finished the body after its 6 s stall; failing well before shows the timeout acted.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    /// Bytes every 250 ms keep a 1 s idle timeout quiet however long the whole body takes (here 2.5 s).
    @Test(arguments: Delivery.allCases)
    func aBodyThatKeepsTricklingOutlastsTheIdleTimeout(_ delivery: Delivery) async throws {
        let request = HTTPRequest(
            url: try await self.endpoint() + "/stream?id=trickle-\(delivery)&chunks=10&size=10&delay_ms=250",
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(30), idle: .seconds(1), firstByte: .seconds(5))
        )
        #expect(try await delivery.body(of: request).count == 100)
    }

    /// A consumer that stops reading pauses the transfer (backpressure): the upstream is not stalled, so the idle
    /// timeout must not fire however long the pause lasts, and the body completes once the consumer reads again.
    @Test func aStreamPausedByItsConsumerIsNotIdle() async throws {
        var (body, total) = try await self.pausedStream(id: "paused-idle", query: "chunks=512")
        while let chunk = try await body.next() { total += chunk.count }
        #expect(total == 512 * 65536)
    }

    /// Once the consumer reads again, so does the idle clock: a body that stalls after such a pause still fails.
    @Test func aStreamThatStallsAfterAPauseStillFailsWithTheIdleTimeout() async throws {
        // 16 MiB (more than a pause lets through), then 8 s of silence.
        var (body, received) = try await self.pausedStream(id: "pause-then-stall", query: "chunks=300&stall_after=256&stall_ms=8000")
        let resumed = ContinuousClock.now
        var failure: HTTPClientError?
        do {
            while let chunk = try await body.next() { received += chunk.count }
        } catch let error as HTTPClientError {
            failure = error
        }
        #expect(received == 256 * 65536)
        #expect(failure?.code == .timedOut)
        #expect(failure?.message.contains("idle timeout") == true, "\(failure?.description ?? "no error")")
        #expect(ContinuousClock.now - resumed < .seconds(7))
    }

    /// A listener with a full accept queue never completes the handshake, like a host that drops SYNs: the connect
    /// timeout, not the total one, ends the attempt.
    @Test func theConnectTimeoutBoundsAHandshakeThatNeverCompletes() async throws {
        let listener = try FullBacklogListener()
        let request = HTTPRequest(
            url: "http://127.0.0.1:\(listener.port)/",
            timeouts: HTTPTimeouts(connect: .milliseconds(300), total: .seconds(30))
        )
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPClientError.self) { _ = try await HTTPClient(proxy: ProxySettings()).execute(request) }
        #expect(error?.code == .timedOut, "\(error?.description ?? "")")
        #expect(error?.message == "no connection within the connect timeout (300 ms)")
        #expect(error?.isTransient == true)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
