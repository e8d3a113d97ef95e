import NIOCore
import NIOHTTPTypes

/// Cuts off a client that sends its request too slowly (slow-loris): the head must arrive within
/// `HEADER_READ_TIMEOUT_SECONDS` of its first byte, and the body within `BODY_READ_TIMEOUT_SECONDS` of the head.
/// An idle keep-alive connection is not timed here (`IDLE_TIMEOUT_SECONDS` is), so the ALB's reuse still works.
///
/// Hummingbird places this handler after HTTP decoding; it puts a small watcher at the front of the pipeline to
/// see the first raw byte of each request. Both run on the channel's event loop.
final class RequestReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private enum State {
        /// Between requests: the next byte starts the head timer.
        case idle
        case readingHead
        case readingBody
        /// The whole request is in; the application is answering.
        case handling
    }

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private var state = State.idle
    private var timer: Scheduled<Void>?

    init(headTimeout: TimeAmount, bodyTimeout: TimeAmount) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let watcher = FirstByteWatcher(owner: self, ownerContext: context)
        try? context.pipeline.syncOperations.addHandler(watcher, position: .first)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.state = .readingBody
            self.arm(context, after: self.bodyTimeout)
        case .body:
            break
        case .end:
            self.state = .handling
            self.timer?.cancel()
        }
        context.fireChannelRead(data)
    }

    /// The first raw byte since the last request ended.
    func bytesArrived(_ context: ChannelHandlerContext) {
        if self.state == .handling || self.state == .idle {
            // A new request begins (pipelined after the previous one, or after an idle spell).
            self.state = .readingHead
            self.arm(context, after: self.headTimeout)
        }
    }

    private func arm(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        self.timer?.cancel()
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.close(promise: nil)
        }
    }

    /// Sees raw bytes before the HTTP decoder does and tells its owner when a request starts arriving.
    private final class FirstByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer

        let owner: RequestReadTimeoutHandler
        let ownerContext: ChannelHandlerContext

        init(owner: RequestReadTimeoutHandler, ownerContext: ChannelHandlerContext) {
            self.owner = owner
            self.ownerContext = ownerContext
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.owner.bytesArrived(self.ownerContext)
            context.fireChannelRead(data)
        }
    }
}
