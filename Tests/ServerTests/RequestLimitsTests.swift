import Foundation
import TestSupport
import Testing

/// Hostile clients against a live server: slow heads and bodies are cut off while other clients are served, an
/// idle keep-alive connection is not, and oversized, malformed, deeply nested or numerically absurd bodies get
/// clean 4xx answers.
@Suite("Request limits end to end")
struct RequestLimitsTests {
    static func server(_ extra: [String: String] = [:]) async throws -> SkiffServer {
        var environment = SkiffProcess.baseEnvironment()
        environment["HEADER_READ_TIMEOUT_SECONDS"] = "1"
        environment["BODY_READ_TIMEOUT_SECONDS"] = "1"
        environment["MAX_REQUEST_BYTES"] = "4096"
        environment.merge(extra) { $1 }
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        return server
    }

    @Test(.timeLimit(.minutes(5))) func slowClientsAreCutOffWhileOthersAreServed() async throws {
        let server = try await Self.server()
        defer { _ = try? server.process.terminate() }
        let slowHead = try RawConnection(port: server.port)
        slowHead.send("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
        let slowBody = try RawConnection(port: server.port)
        slowBody.send("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"inputs\": ")
        // Other clients are answered while both hang.
        for _ in 0..<5 {
            let (status, _) = try await HTTPProbe.get(server.baseURL + "/health")
            #expect(status == 200)
        }
        let head = try await blockingIO { slowHead.readUntilClosed(timeout: 20) }
        let body = try await blockingIO { slowBody.readUntilClosed(timeout: 20) }
        #expect(head.closed, "a request head trickling in must be cut off")
        #expect(body.closed, "a body trickling in must be cut off")
        #expect(try await server.stop() == 0)
    }

    /// The head timer starts with a request's first byte, not when the previous answer ends: keep-alive idling
    /// for longer than the head timeout is fine (the ALB relies on it).
    @Test(.timeLimit(.minutes(5))) func anIdleKeepAliveConnectionIsNotCutOff() async throws {
        let server = try await Self.server()
        defer { _ = try? server.process.terminate() }
        let connection = try RawConnection(port: server.port)
        connection.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let first = try await blockingIO { connection.readResponse(timeout: 10) }
        #expect(first?.hasPrefix("HTTP/1.1 200") == true)
        try await Task.sleep(for: .milliseconds(2500))
        connection.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        let second = try await blockingIO { connection.readResponse(timeout: 10) }
        #expect(second?.hasPrefix("HTTP/1.1 200") == true, "keep-alive connection closed after \(2.5) s idle")
        #expect(try await server.stop() == 0)
    }

    @Test(arguments: [
        ("/classify", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), 400, "invalid_json"),
        ("/v1/chat/completions", String(repeating: "{\"a\":", count: 20_000) + "1" + String(repeating: "}", count: 20_000), 400, ""),
        ("/rerank", #"{"query": "q", "texts": ["a"], "top_n": 1e400}"#, 422, ""),
        ("/rerank", #"{"query": "q", "texts": ["a"], "top_n": 123456789012345678901234567890}"#, 422, ""),
        ("/risk", #"{"text": "x", "severity": 7}"#, 422, "validation_error"),
        ("/embed", #"{"inputs": "x", "normalize": 1e999999}"#, 422, ""),
    ])
    func hostileBodiesGetClean4xx(path: String, body: String, status: Int, type: String) async throws {
        let server = try await Self.server(["MAX_REQUEST_BYTES": "1048576"])
        defer { _ = try? server.process.terminate() }
        let (code, text) = try await HTTPProbe.post(server.baseURL + path, json: body)
        #expect((400..<500).contains(code), "\(path): \(code) \(text.prefix(300))")
        #expect(code == status || [400, 422].contains(code) && [400, 422].contains(status), "\(path): \(code) \(text.prefix(300))")
        #expect(text.contains("\"error\""))
        if !type.isEmpty { #expect(text.contains(type), "\(text.prefix(300))") }
        let (health, _) = try await HTTPProbe.get(server.baseURL + "/health")
        #expect(health == 200)
        #expect(try await server.stop() == 0)
    }

    /// A declared length past MAX_REQUEST_BYTES is refused before any of the body is read.
    @Test(.timeLimit(.minutes(5))) func anOversizedBodyIsRefusedBeforeItIsRead() async throws {
        let server = try await Self.server()
        defer { _ = try? server.process.terminate() }
        let connection = try RawConnection(port: server.port)
        connection.send("POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n")
        let reply = try await blockingIO { connection.readResponse(timeout: 10) }
        #expect(reply?.hasPrefix("HTTP/1.1 413") == true && reply?.contains("MAX_REQUEST_BYTES") == true, "\(reply ?? "no answer")")
        #expect(try await server.stop() == 0)
    }

    @Test func invalidUTF8IsABadRequest() async throws {
        let server = try await Self.server()
        defer { _ = try? server.process.terminate() }
        let (code, text) = try await HTTPProbe.send(
            "POST",
            server.baseURL + "/classify",
            headers: ["Content-Type": "application/json"],
            body: Array(#"{"text": ""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}"#.utf8),
            timeout: 10
        )
        #expect(code == 400 && text.contains("invalid_json"), "\(code) \(text)")
    }
}
