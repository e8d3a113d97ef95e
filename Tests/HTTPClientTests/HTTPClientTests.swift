import Foundation
import HTTPClient
import TestSupport
import Testing

/// The libcurl client against a real HTTP server on loopback.
@Suite("HTTPClient")
struct HTTPClientTests {
    static let peer = Task { try await PeerProcess.start([PackagePaths.python, PackagePaths.peer("http_peer.py")], timeout: 20) }

    func endpoint() async throws -> String { try await Self.peer.value.string("endpoint") }

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func getReturnsStatusHeadersAndBody() async throws {
        let client = HTTPClient()
        let response = try await client.execute(HTTPRequest(url: try await self.endpoint() + "/echo?x=1", headers: [("X-Custom", "  spaced value ")]))
        #expect(response.status == 200)
        #expect(response.header("x-echo") == "yes")
        #expect(response.headers.filter { $0.name == "X-Multi" }.map(\.value) == ["a", "b"])
        let echo = try self.json(response)
        #expect(echo["method"] as? String == "GET")
        #expect(echo["path"] as? String == "/echo?x=1")
        let headers = (echo["headers"] as? [[String]]) ?? []
        #expect(headers.contains(["X-Custom", "spaced value"]))
        #expect(!headers.contains { $0[0].lowercased() == "expect" })
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func bodiesAreSentWithEveryMethod(method: String) async throws {
        let client = HTTPClient()
        let body = "{\"a\": \"ünïcode ✓\"}"
        let response = try await client.execute(
            HTTPRequest(
                method: method,
                url: try await self.endpoint() + "/echo",
                headers: [("Content-Type", "application/json")],
                body: body
            )
        )
        let echo = try self.json(response)
        #expect(echo["method"] as? String == method)
        #expect(echo["body"] as? String == body)
        let headers = (echo["headers"] as? [[String]]) ?? []
        #expect(headers.contains(["Content-Type", "application/json"]))
    }

    @Test func putWithoutBodySendsZeroLengthAndNoFormContentType() async throws {
        let client = HTTPClient()
        let response = try await client.execute(HTTPRequest(method: "PUT", url: try await self.endpoint() + "/echo"))
        let echo = try self.json(response)
        let headers = (echo["headers"] as? [[String]]) ?? []
        #expect(echo["method"] as? String == "PUT")
        #expect(headers.contains(["Content-Length", "0"]))
        #expect(!headers.contains { $0[0].lowercased() == "content-type" })
    }

    @Test(arguments: [200, 204, 301, 404, 429, 500, 503])
    func anyStatusIsAResponseNotAnError(status: Int) async throws {
        let response = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/status/\(status)"))
        #expect(response.status == status)
    }

    @Test func headRequestHasNoBody() async throws {
        let response = try await HTTPClient().execute(HTTPRequest(method: "HEAD", url: try await self.endpoint() + "/anything"))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test func largeBodiesArriveWhole() async throws {
        let response = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/bytes?n=3000000"))
        #expect(response.body.count == 3_000_000)
        #expect(response.body.allSatisfy { $0 == UInt8(ascii: "x") })
    }

    @Test func bodiesOverTheLimitFail() async throws {
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/bytes?n=100000", maxResponseBytes: 1000))
        } throws: { ($0 as? HTTPClientError)?.code == .responseTooLarge }
    }

    @Test func totalTimeoutFires() async throws {
        // The server answers after 3 s; a timed-out error (not a late success) proves the 300 ms limit acted.
        let url = try await self.endpoint() + "/slow?ms=3000"
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: url, timeouts: HTTPTimeouts(connect: .seconds(2), total: .milliseconds(300))))
        } throws: {
            let error = $0 as? HTTPClientError
            return error?.code == .timedOut && error?.message == "no complete response within the total timeout (300 ms)"
        }
    }

    @Test func refusedConnectionIsReported() async throws {
        let port = try SkiffProcess.freePort()
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        } throws: { error in
            guard let error = error as? HTTPClientError else { return false }
            return error.code == .couldNotConnect && error.isTransient && error.message == "connection refused or unreachable"
        }
    }

    @Test func malformedURLIsInvalidRequest() async throws {
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: "not a url at all"))
        } throws: { ($0 as? HTTPClientError) != nil }
    }

    @Test func headerInjectionIsRefused() async throws {
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/echo", headers: [("X-A", "1\r\nX-Injected: yes")]))
        } throws: { ($0 as? HTTPClientError)?.code == .invalidRequest }
    }

    @Test func cancellationRemovesTheTransferAndClosesTheConnection() async throws {
        let client = HTTPClient()
        let url = try await self.endpoint() + "/hang"
        let before = try await self.stats()
        let task = Task { try await client.execute(HTTPRequest(url: url, timeouts: HTTPTimeouts(total: .seconds(60)))) }
        // Cancel only once the server holds the request, so the close it sees can only come from the cancellation.
        for _ in 0..<1000 where try await self.stats()["hanging"] == before["hanging"] {
            try await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        let result = await task.result
        #expect(throws: HTTPClientError.self) { try result.get() }
        if case .failure(let error as HTTPClientError) = result { #expect(error.code == .cancelled) }
        var aborted = before["aborted"]
        for _ in 0..<1000 where aborted == before["aborted"] {
            try await Task.sleep(for: .milliseconds(10))
            aborted = try await self.stats()["aborted"]
        }
        #expect((aborted ?? 0) > (before["aborted"] ?? 0), "the server never saw the connection close")
    }

    func stats() async throws -> [String: Int] {
        let response = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/_stats"))
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]) ?? [:]
    }

    @Test func alreadyCancelledTaskFailsWithoutSending() async throws {
        let client = HTTPClient()
        let url = try await self.endpoint() + "/echo"
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(HTTPRequest(url: url))
        }
        await #expect { _ = try await task.value } throws: { ($0 as? HTTPClientError)?.code == .cancelled }
    }

    @Test func manyConcurrentRequestsShareOneDriver() async throws {
        let client = HTTPClient()
        let base = try await self.endpoint()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                group.addTask { try await client.execute(HTTPRequest(url: base + "/echo?i=\(index)")).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 64)
        #expect(statuses.allSatisfy { $0 == 200 })
    }

    @Test func shutdownFailsLaterRequests() async throws {
        let client = HTTPClient()
        _ = try await client.execute(HTTPRequest(url: try await self.endpoint() + "/echo"))
        client.shutdown()
        await #expect {
            _ = try await client.execute(HTTPRequest(url: try await self.endpoint() + "/echo"))
        } throws: { ($0 as? HTTPClientError)?.code == .shutdown }
    }
}

/// Streaming bodies: chunks as they arrive, backpressure, cancellation, broken streams, first-byte timeouts.
@Suite("HTTPClient streaming")
struct HTTPClientStreamingTests {
    func endpoint() async throws -> String { try await HTTPClientTests.peer.value.string("endpoint") }

    func stats() async throws -> [String: Int] {
        let response = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/_stats"))
        return (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]) ?? [:]
    }

    @Test func chunksArriveInOrderBeforeTheBodyEnds() async throws {
        let client = HTTPClient()
        // A gated stream: the server sends its first chunk and then waits for us, so reading that chunk
        // proves the body is delivered as it arrives rather than when it ends.
        let response = try await client.stream(HTTPRequest(url: try await self.endpoint() + "/stream?id=order&gate=1&chunks=5&size=10"))
        #expect(response.status == 200)
        #expect(response.header("transfer-encoding") == "chunked")
        var iterator = response.body.makeAsyncIterator()
        var bytes = try #require(try await iterator.next())
        #expect(bytes == [UInt8](repeating: 65, count: 10))
        _ = try await client.execute(HTTPRequest(url: try await self.endpoint() + "/_release?id=order"))
        while let chunk = try await iterator.next() { bytes += chunk }
        var expected: [UInt8] = []
        for index in 0..<5 { expected += [UInt8](repeating: UInt8(65 + index), count: 10) }
        #expect(bytes == expected)
    }

    @Test func aSlowConsumerPausesTheTransfer() async throws {
        let client = HTTPClient()
        // 32 MiB offered; the consumer reads one chunk, then stops for a while.
        let response = try await client.stream(
            HTTPRequest(url: try await self.endpoint() + "/stream?id=slow&chunks=512&size=65536", maxResponseBytes: 64 << 20),
            highWaterMark: 128 * 1024
        )
        var iterator = response.body.makeAsyncIterator()
        var total = try await iterator.next()?.count ?? 0
        try await Task.sleep(for: .milliseconds(700))
        // Paused: the server got no further than what socket buffers and the high-water mark hold.
        let sentWhilePaused = try await self.stats()["stream_sent:slow"] ?? 0
        #expect(sentWhilePaused < 16 << 20, "server sent \(sentWhilePaused) bytes to a consumer that stopped reading")
        while let chunk = try await iterator.next() { total += chunk.count }
        #expect(total == 512 * 65536)
        #expect(try await self.stats()["stream_sent:slow"] == 512 * 65536)
    }

    @Test func droppingTheBodyEndsTheTransfer() async throws {
        let client = HTTPClient()
        let before = try await self.stats()["stream_aborted:drop"] ?? 0
        do {
            // Gated: the server holds the rest of the body until released, so however starved this test is, the
            // transfer can only end by the cancellation (an ungated stream could finish before `cancel()` runs).
            let response = try await client.stream(HTTPRequest(url: try await self.endpoint() + "/stream?id=drop&gate=1&chunks=100&size=1000"))
            var iterator = response.body.makeAsyncIterator()
            _ = try await iterator.next()
            response.body.cancel()
            await #expect(throws: HTTPClientError.self) { while try await iterator.next() != nil {} }
            // Now let the server write again: it finds the connection gone.
            _ = try await HTTPClient().execute(HTTPRequest(url: try await self.endpoint() + "/_release?id=drop"))
        }
        var aborted = before
        for _ in 0..<1000 where aborted == before {
            try await Task.sleep(for: .milliseconds(10))
            aborted = try await self.stats()["stream_aborted:drop"] ?? 0
        }
        #expect(aborted > before, "the server never saw the client go away")
    }

    @Test func aStreamThatBreaksMidwayThrows() async throws {
        let response = try await HTTPClient().stream(HTTPRequest(url: try await self.endpoint() + "/stream?id=break&chunks=6&size=100&break=1"))
        var received = 0
        await #expect {
            for try await chunk in response.body { received += chunk.count }
        } throws: {
            let error = $0 as? HTTPClientError
            return error?.code == .network && error?.message == "the connection closed before the response ended"
        }
        #expect(received >= 300)
    }

    @Test func theFirstByteTimeoutBoundsTheWaitForTheHead() async throws {
        let url = try await self.endpoint() + "/slowhead?ms=3000"
        await #expect {
            _ = try await HTTPClient().stream(HTTPRequest(url: url, timeouts: HTTPTimeouts(firstByte: .milliseconds(300))))
        } throws: { ($0 as? HTTPClientError)?.code == .timedOut }
        await #expect {
            _ = try await HTTPClient().execute(HTTPRequest(url: url, timeouts: HTTPTimeouts(firstByte: .milliseconds(300))))
        } throws: { ($0 as? HTTPClientError)?.code == .timedOut }
        let late = try await HTTPClient().stream(
            HTTPRequest(url: try await self.endpoint() + "/slowhead?ms=200", timeouts: HTTPTimeouts(firstByte: .seconds(5)))
        )
        #expect(try await String(decoding: late.body.collect(), as: UTF8.self) == #"{"late":true}"#)
    }

    @Test func errorStatusesStreamTheirBodyToo() async throws {
        let response = try await HTTPClient().stream(HTTPRequest(url: try await self.endpoint() + "/status/429"))
        #expect(response.status == 429)
        #expect(try await response.body.collect() == Array(#"{"status":"as asked"}"#.utf8))
    }

    @Test func refusedConnectionFailsBeforeTheHead() async throws {
        let port = try SkiffProcess.freePort()
        await #expect {
            _ = try await HTTPClient().stream(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        } throws: { ($0 as? HTTPClientError)?.code == .couldNotConnect }
    }
}
