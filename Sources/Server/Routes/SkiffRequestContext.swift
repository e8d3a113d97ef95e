import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the connection, so long upstream calls can notice a client that hung up.
struct SkiffRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's connection; nil where there is none (router tests).
    let channel: (any Channel)?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
