import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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
        do {
            guard let parsed = URL(string: url), let host = parsed.host, let port = parsed.port else { throw PeerError("bad url \(url)") }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw PeerError("connect to \(url) failed") }
            var path = parsed.path.isEmpty ? "/" : parsed.path
            if let query = parsed.query { path += "?" + query }
            var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            if let body { request += "Content-Length: \(body.count)\r\n" }
            request += "\r\n"
            var bytes = Array(request.utf8)
            if let body { bytes += body }
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
                if sent <= 0 { throw PeerError("send to \(url) failed") }
                offset += sent
            }
            var response = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 { break }
                response.append(contentsOf: buffer[0..<count])
            }
            let text = String(decoding: response, as: UTF8.self)
            guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
                let status = Int(statusLine.split(separator: " ")[1])
            else { throw PeerError("no HTTP response from \(url)") }
            let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
            return (status, body)
        }
    }
}
