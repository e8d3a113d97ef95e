import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the connection, so long upstream calls can notice a client that hung up, and
/// the request's annotations, which inner layers fill for the access log.
struct SkiffRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's connection; nil where there is none (router tests).
    let channel: (any Channel)?
    let annotations = RequestAnnotations()

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// The peer's IP address, when there is a connection.
    var peerAddress: String? { self.channel?.remoteAddress?.ipAddress }
}
