import Foundation

/// A bare HTTP/1.1 GET over a socket, independent of the code under test (skiff's own client is libcurl).
public enum HTTPProbe {
    public static func get(_ url: String, headers: [String: String] = [:], timeout: TimeInterval = 5) async throws -> (Int, String) {
        try await self.send("GET", url, headers: headers, body: nil, timeout: timeout)
    }

    public static func post(_ url: String, json: String, headers: [String: String] = [:], timeout: TimeInterval = 30) async throws -> (Int, String) {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return try await self.send("POST", url, headers: headers, body: Array(json.utf8), timeout: timeout)
    }

    public static func send(
        _ method: String,
        _ url: String,
        headers: [String: String],
        body: [UInt8]?,
        timeout: TimeInterval
    ) async throws -> (Int, String) {
        try await blockingIO { try self.sendBlocking(method, url, headers: headers, body: body, timeout: timeout) }
    }

    /// The same exchange on the calling thread, for tests that already run on a blocking thread.
    public static func sendBlocking(
        _ method: String,
        _ url: String,
        headers: [String: String],
        body: [UInt8]?,
        timeout: TimeInterval
    ) throws -> (Int, String) {
        let answer = try self.exchangeBlocking(method, url, headers: headers, body: body, timeout: timeout)
        return (answer.status, answer.body)
    }

    /// A POST whose answer's head matters too: the status, the head's header lines (`Name: value`), the body.
    public static func exchange(_ url: String, json: String, timeout: TimeInterval = 30) async throws -> (status: Int, head: String, body: String) {
        try await blockingIO {
            try self.exchangeBlocking("POST", url, headers: ["Content-Type": "application/json"], body: Array(json.utf8), timeout: timeout)
        }
    }

    static func exchangeBlocking(
        _ method: String,
        _ url: String,
        headers: [String: String],
        body: [UInt8]?,
        timeout: TimeInterval
    ) throws -> (status: Int, head: String, body: String) {
        do {
            guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else { throw PeerError("bad url \(url)") }
            let connection: RawConnection
            do {
                connection = try RawConnection(host: host, port: port)
            } catch {
                throw PeerError("connect to \(url) failed")
            }
            defer { connection.close() }
            var path = parsed.path.isEmpty ? "/" : parsed.path
            if let query = parsed.query { path += "?" + query }
            var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            if let body { request += "Content-Length: \(body.count)\r\n" }
            request += "\r\n"
            var bytes = Array(request.utf8)
            if let body { bytes += body }
            guard connection.send(bytes) else { throw PeerError("send to \(url) failed") }
            let sent = ContinuousClock.now
            let (closed, text) = connection.readUntilClosed(timeout: Int(timeout))
            guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
                let status = Int(statusLine.split(separator: " ")[1])
            else {
                let how = closed ? "closed by the server" : "nothing more within \(Int(timeout)) s"
                throw PeerError("no HTTP response from \(url): \(text.utf8.count) bytes, then \(how), after \(ContinuousClock.now - sent)")
            }
            let split = text.range(of: "\r\n\r\n")
            let head = split.map { String(text[..<$0.lowerBound]) } ?? text
            let body = split.map { String(text[$0.upperBound...]) } ?? ""
            return (status, head, body)
        }
    }
}
