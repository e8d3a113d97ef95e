import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP socket, for what a whole request and answer (`HTTPProbe`) cannot show: half a request, a hang-up
/// mid-response, or exactly what the server wrote and when.
public final class RawConnection: Sendable {
    private let fd: Int32
    /// Set by the first `close`, so the descriptor is closed once and never a number the process has reused since.
    private let closed = Mutex(false)

    /// Connects to `host` (an IPv4 address, or `localhost`) on `port`.
    public init(host: String = "127.0.0.1", port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw PeerError("connect to \(host):\(port) failed")
        }
        self.fd = fd
    }

    deinit { self.close() }

    /// Sends all of `bytes`; false when the peer stopped taking them (a hang-up is no SIGPIPE).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool {
        self.send(Array(text.utf8))
    }

    /// What arrives within `timeout` seconds (at least the first read), as text.
    public func receive(timeout: Int) -> String {
        self.setReceiveTimeout(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(self.fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    /// Reads until the peer closes (true) or `timeout` passes with nothing more (false); returns what came.
    public func readUntilClosed(timeout: Int) -> (closed: Bool, text: String) {
        self.setReceiveTimeout(timeout)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count == 0 { return (true, String(decoding: received, as: UTF8.self)) }
            if count < 0 { return (false, String(decoding: received, as: UTF8.self)) }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    /// Reads one response with a Content-Length body; nil when the connection ends or `timeout` passes first.
    public func readResponse(timeout: Int) -> String? {
        self.setReceiveTimeout(timeout)
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let text = String(decoding: received, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text[end.upperBound...].utf8.count >= length { return text }
            }
            let count = recv(self.fd, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            received.append(contentsOf: buffer[0..<count])
        }
    }

    public func close() {
        let wasClosed = self.closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        if !wasClosed { Glibc.close(self.fd) }
    }

    private func setReceiveTimeout(_ seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }
}
