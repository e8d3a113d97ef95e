import Foundation
import TestSupport
import Testing

/// A stream whose upstream goes quiet (a reasoning model thinking before its first token) keeps its client's
/// connection alive: the client gets the head and keep-alives it can ignore, so that proxies and load balancers with
/// idle timeouts do not cut it, and the answer still arrives whole, through the SDKs too.
@Suite("Stream keep-alives")
struct StreamKeepAliveTests {
    static let prompt = "think about it first, then answer"

    static func request(_ path: String, model: String) -> String {
        let maxTokens = path == "/v1/messages" ? #""max_tokens": 256, "# : ""
        return #"{"model": "\#(model)", \#(maxTokens)"stream": true, "messages": [{"role": "user", "content": "\#(Self.prompt)"}]}"#
    }

    /// The body's SSE events in order (comments included), from an HTTP/1.1 body as read off the socket: chunked, or
    /// (`Connection: close`) as it is.
    static func events(of body: String) -> [String] {
        var bytes = Array(body.utf8)[...]
        var decoded: [UInt8] = []
        let chunked = bytes.firstIndex(of: UInt8(ascii: "\r")).map { Int(String(decoding: bytes[..<$0], as: UTF8.self), radix: 16) != nil } ?? false
        while chunked, let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\r")) {
            guard let size = Int(String(decoding: bytes[..<lineEnd], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.endIndex else { break }
            decoded += bytes[start..<start + size]
            bytes = bytes[min(start + size + 2, bytes.endIndex)...]
        }
        return String(decoding: chunked ? decoded : Array(body.utf8), as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
    }

    /// The JSON of an event's `data:` line.
    static func data(_ event: String) -> [String: Any]? {
        guard let line = event.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
    }

    /// The generated text an event carries for the client, in either API's shape.
    static func text(_ event: String) -> String? {
        guard let data = Self.data(event) else { return nil }
        if data["type"] as? String == "content_block_delta" { return (data["delta"] as? [String: Any])?["text"] as? String }
        let delta = ((data["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])
        return (delta?["content"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    static func isKeepAlive(_ event: String, path: String) -> Bool {
        path == "/v1/messages" ? event.hasPrefix("event: ping\n") : event.hasPrefix(":")
    }

    /// How many keep-alives came before the first token, and the whole text, with keep-alives every `interval`.
    static func exchange(_ path: String, _ model: String, interval: String) async throws -> (keepAlives: Int, text: String) {
        let (peer, server) = try await GatewayFailureTests.start(["GATEWAY_STREAM_KEEPALIVE_SECONDS": interval])
        defer { withExtendedLifetime(peer) {} }
        let (status, body) = try await HTTPProbe.post(server.baseURL + path, json: Self.request(path, model: model))
        #expect(status == 200, "\(body)")
        let events = Self.events(of: body)
        // Anthropic's streams open with `message_start`, whatever comes before the upstream's first event.
        if path == "/v1/messages" { #expect(events.first?.hasPrefix("event: message_start\n") == true, "\(events.prefix(3))") }
        let first = try #require(events.firstIndex { Self.text($0) != nil }, "no token in \(events)")
        #expect(try await server.stop() == 0)
        return (events[..<first].filter { Self.isKeepAlive($0, path: path) }.count, events.compactMap(Self.text).joined())
    }

    /// The mock thinks 1.2 s after its opening events. With keep-alives every 0.2 s the client gets several before
    /// the first token (more than the upstream's own pings, which Anthropic's stream passes on); with them off, none
    /// of skiff's.
    @Test(arguments: [
        ("/v1/chat/completions", "gpt-think-1200"), ("/v1/chat/completions", "claude-think-1200"),
        ("/v1/messages", "claude-think-1200"), ("/v1/messages", "gemini-think-1200"),
    ])
    func aThinkingModelsClientGetsKeepAlivesBeforeItsFirstToken(_ path: String, _ model: String) async throws {
        let off = try await Self.exchange(path, model, interval: "0")
        let on = try await Self.exchange(path, model, interval: "0.2")
        #expect(on.keepAlives >= off.keepAlives + 2, "keep-alives before the first token: \(on.keepAlives) on, \(off.keepAlives) off")
        #expect(on.text == "echo: " + Self.prompt)
        #expect(off.text == on.text)
    }

    /// The first keep-alive commits the response: a failure after it reaches the client as an error event in the
    /// stream, not as a retry (the client has bytes). Without keep-alives the same stall is retried, then a 504.
    @Test func aKeepAliveCommitsTheResponse() async throws {
        let environment = ["GATEWAY_IDLE_TIMEOUT_SECONDS": "1", "GATEWAY_MAX_ATTEMPTS": "2", "GATEWAY_RETRY_BASE_MS": "10"]
        let body = Self.request("/v1/chat/completions", model: "gpt-think-4000")
        for interval in ["0.2", "0"] {
            let (peer, server) = try await GatewayFailureTests.start(environment.merging(["GATEWAY_STREAM_KEEPALIVE_SECONDS": interval]) { $1 })
            let (status, answer) = try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: body)
            let upstreamCalls = try await MockProviders.requests(peer).count
            if interval == "0" {
                #expect(status == 504, "\(answer)")
                #expect(upstreamCalls == 2)
            } else {
                #expect(status == 200, "\(answer)")
                let events = Self.events(of: answer)
                #expect(events.contains { $0.hasPrefix(": keep-alive") }, "\(events)")
                let error = try #require(events.last.flatMap(Self.data)?["error"] as? [String: Any], "\(events)")
                #expect((error["message"] as? String)?.contains("idle timeout") == true, "\(error)")
                #expect(upstreamCalls == 1)
            }
            #expect(try await server.stop() == 0)
        }
    }

    /// The official SDKs skip what keeps the connection alive: the answer, its chunk count and usage are as without.
    @Test(arguments: [
        ("openai_chat_client.py", "gpt-think-800"), ("openai_chat_client.py", "claude-think-800"),
        ("anthropic_client.py", "claude-think-800"), ("anthropic_client.py", "gemini-think-800"),
    ])
    func theSDKsSkipKeepAlives(_ script: String, _ model: String) async throws {
        let (peer, server) = try await GatewayFailureTests.start(["GATEWAY_STREAM_KEEPALIVE_SECONDS": "0.1"])
        defer { withExtendedLifetime(peer) {} }
        let base = script == "openai_chat_client.py" ? server.baseURL + "/v1" : server.baseURL
        let result = try await SDKClient.run(script, [base, model, "--stream"])
        #expect(result["error"] == nil, "\(result)")
        #expect(result["text"] as? String == GatewayEndToEndTests.prompt)
        #expect(result["chunks"] as? Int == 20)
        #expect(try await server.stop() == 0)
    }
}
