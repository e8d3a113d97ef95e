import Foundation
import HTTPClient
import TestSupport
import Testing

/// Connection reuse, HTTP/2 and proxies: how transfers travel, checked by what the servers saw.
@Suite("HTTPClient transport")
struct HTTPClientTransportTests {
    static let plain = Task { try await PeerProcess.start([PackagePaths.python, PackagePaths.peer("http_peer.py")], timeout: 20) }
    static let h2 = Task { try await PeerProcess.start([PackagePaths.python, PackagePaths.peer("h2_peer.py")], timeout: 30) }
    static let connectProxy = Task { try await PeerProcess.start([PackagePaths.python, PackagePaths.peer("connect_proxy.py")], timeout: 20) }

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let endpoint = try await Self.plain.value.string("endpoint")
        let client = HTTPClient(proxy: ProxySettings())
        var ports: Set<Int> = []
        for _ in 0..<5 {
            let response = try await client.execute(HTTPRequest(url: endpoint + "/echo"))
            ports.insert(try self.json(response)["client_port"] as? Int ?? -1)
        }
        #expect(ports.count == 1, "each request opened its own connection: \(ports)")
    }

    @Test func negotiatesHTTP2AndMultiplexesConcurrentRequests() async throws {
        let peer = try await Self.h2.value
        let client = HTTPClient(proxy: ProxySettings(), caBundlePath: peer.string("ca"))
        let first = try self.json(try await client.execute(HTTPRequest(url: peer.string("endpoint") + "/version")))
        #expect(first["http_version"] as? String == "2")
        let connections = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let response = try await client.execute(HTTPRequest(url: peer.string("endpoint") + "/version"))
                    return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])["connection"] as? Int ?? -1
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(connections == [first["connection"] as? Int ?? 0], "HTTP/2 requests should share the first connection")
    }

    /// Requests from a fresh client are all in flight at once, none parked until another ends: the peer answers
    /// only when all of them have arrived, so a parked transfer would leave every one waiting until the peer gives up.
    @Test(arguments: ["plain", "h2"])
    func aColdBurstOfRequestsIsAllInFlightAtOnce(_ peerName: String) async throws {
        let peer = try await (peerName == "h2" ? Self.h2 : Self.plain).value
        let client = HTTPClient(proxy: ProxySettings(), caBundlePath: peerName == "h2" ? peer.string("ca") : nil)
        for round in 0..<2 {
            // The second round finds the first round's connections idle in the cache.
            let url = peer.string("endpoint") + "/barrier?n=8&key=\(UUID().uuidString)"
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.execute(HTTPRequest(url: url)).status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 8), "round \(round): \(statuses)")
        }
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let peer = try await Self.h2.value
        let client = HTTPClient(proxy: ProxySettings(), caBundlePath: nil)
        let error = await #expect(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPRequest(url: peer.string("endpoint") + "/version"))
        }
        #expect(error?.code == .tls)
    }

    @Test func plainHTTPGoesThroughTheConfiguredProxy() async throws {
        let endpoint = try await Self.plain.value.string("endpoint")
        // The peer plays the proxy: it receives the absolute-form request line a forward proxy gets.
        let client = HTTPClient(proxy: ProxySettings(httpProxy: endpoint))
        let response = try await client.execute(HTTPRequest(url: "http://provider.skiff.invalid/echo"))
        let echo = try self.json(response)
        #expect(echo["path"] as? String == "http://provider.skiff.invalid/echo")
    }

    /// `HTTPS_PROXY`: the proxy sees only a CONNECT to the upstream's host and port; TLS, certificate checks and
    /// ALPN run end to end inside the tunnel (the upstream still negotiates HTTP/2).
    @Test func httpsGoesThroughAConnectTunnel() async throws {
        let upstream = try await Self.h2.value
        let proxy = try await Self.connectProxy.value.string("endpoint")
        let client = HTTPClient(proxy: ProxySettings(httpsProxy: proxy), caBundlePath: upstream.string("ca"))
        let endpoint = try upstream.string("endpoint")
        let version = try self.json(try await client.execute(HTTPRequest(url: endpoint + "/version")))
        #expect(version["http_version"] as? String == "2")
        // Streamed too, the head is the answer's, not the proxy's `CONNECT` reply (200, no headers).
        let streamed = try await client.stream(HTTPRequest(url: endpoint + "/barrier?n=2&key=proxied&ms=50"))
        #expect(streamed.status == 504)
        #expect(streamed.headers.contains { $0.name.lowercased() == "content-type" && $0.value == "application/json" })
        #expect(
            try self.json(HTTPResponse(status: streamed.status, headers: streamed.headers, body: try await streamed.body.collect()))["http_version"]
                as? String == "2"
        )
        let target = try #require(URL(string: endpoint)).port.map { "127.0.0.1:\($0)" }
        let tunnels = try await HTTPClient(proxy: ProxySettings()).execute(HTTPRequest(url: proxy + "/tunnels"))
        let tunnelled = try #require(try JSONSerialization.jsonObject(with: Data(tunnels.body)) as? [String])
        #expect(tunnelled.contains(target ?? "?"), "the proxy tunnelled \(tunnelled), not \(target ?? "?")")

        // Without the CA the tunnel opens but the upstream's certificate is still refused: the proxy is no way around it.
        let untrusting = HTTPClient(proxy: ProxySettings(httpsProxy: proxy), caBundlePath: nil)
        let untrusted = await #expect(throws: HTTPClientError.self) {
            _ = try await untrusting.execute(HTTPRequest(url: endpoint + "/version"))
        }
        #expect(untrusted?.code == .tls)
    }

    /// A proxy that refuses the tunnel fails the request with an error, and plain http never uses the https proxy.
    @Test func aRefusedTunnelFailsAndPlainHTTPIgnoresTheHTTPSProxy() async throws {
        let proxy = try await Self.connectProxy.value.string("endpoint")
        let client = HTTPClient(proxy: ProxySettings(httpsProxy: proxy))
        let refused = await #expect(throws: HTTPClientError.self) {
            _ = try await client.execute(HTTPRequest(url: "https://provider.skiff.invalid/v1/models"))
        }
        #expect(refused?.code == .couldNotConnect)
        #expect(refused?.message == "the proxy refused the tunnel: CONNECT answered 403")
        let tunnels = try await HTTPClient(proxy: ProxySettings()).execute(HTTPRequest(url: proxy + "/tunnels"))
        #expect(!String(decoding: tunnels.body, as: UTF8.self).contains("skiff.invalid"))

        let plain = try await Self.plain.value.string("endpoint")
        #expect(try await client.execute(HTTPRequest(url: plain + "/echo")).status == 200)
    }

    @Test func noProxyHostsAndBypassingRequestsGoDirect() async throws {
        let endpoint = try await Self.plain.value.string("endpoint")
        let deadProxy = "http://127.0.0.1:9"  // nothing listens on discard
        let listed = HTTPClient(proxy: ProxySettings(httpProxy: deadProxy, noProxy: "localhost,127.0.0.1"))
        #expect(try await listed.execute(HTTPRequest(url: endpoint + "/echo")).status == 200)
        // Forms other clients accept, which libcurl alone would not match: host:port, `*` among other entries.
        let port = try #require(URL(string: endpoint)?.port)
        for noProxy in ["127.0.0.1:\(port)", "example.invalid, *"] {
            let client = HTTPClient(proxy: ProxySettings(httpProxy: deadProxy, noProxy: noProxy))
            #expect(try await client.execute(HTTPRequest(url: endpoint + "/echo")).status == 200, "NO_PROXY=\(noProxy)")
        }
        let unlisted = HTTPClient(proxy: ProxySettings(httpProxy: deadProxy))
        await #expect(throws: HTTPClientError.self) { _ = try await unlisted.execute(HTTPRequest(url: endpoint + "/echo")) }
        var bypassing = HTTPRequest(url: endpoint + "/echo")
        bypassing.bypassProxy = true
        #expect(try await unlisted.execute(bypassing).status == 200)
    }

    @Test func proxySettingsComeFromTheUsualVariables() {
        let upper = ProxySettings.from(environment: ["HTTPS_PROXY": "http://p:3128", "http_proxy": "http://q:3128", "NO_PROXY": "a,b"])
        #expect(upper == ProxySettings(httpsProxy: "http://p:3128", httpProxy: "http://q:3128", noProxy: "a,b"))
        let both = ProxySettings.from(environment: ["HTTPS_PROXY": "http://upper", "https_proxy": "http://lower", "no_proxy": " "])
        #expect(both.httpsProxy == "http://upper")
        #expect(both.noProxy == nil)
        #expect(ProxySettings(noProxy: "*.corp.example, host:8443,[::1]:80, 10.0.0.0/8,.svc").noProxy == ".corp.example,host,::1,10.0.0.0/8,.svc")
        #expect(ProxySettings(noProxy: "a, *").noProxy == "*")
    }
}
