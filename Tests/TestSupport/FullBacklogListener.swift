import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port whose connections never complete: the listener never accepts and its queue is already full, so
/// the kernel drops every further SYN. Stands in for a host that does not answer, without leaving loopback.
public final class FullBacklogListener: Sendable {
    public let port: Int
    private let fd: Int32
    /// Holds the one place a backlog of 0 leaves in the accept queue.
    private let filler: RawConnection

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 0) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard listening else {
            Glibc.close(fd)
            throw PeerError("cannot listen on a loopback port")
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        do {
            self.filler = try RawConnection(port: port)
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.port = port
    }

    deinit {
        Glibc.close(self.fd)
    }
}
