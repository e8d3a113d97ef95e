import NIOCore
import NIOHTTPTypes

/// Tells the `DisconnectMonitor` the moment a client half-closes or drops its connection, so that the upstream
/// call made for it is cancelled at once rather than at the monitor's next poll (up to 200 ms of tokens later).
///
/// Hummingbird keeps half-closed connections open, so the client's FIN arrives here as `ChannelEvent.inputClosed`
/// and the channel stays active; the monitor's poll of the TCP state remains the fallback (a FIN that came before
/// the request was being watched).
final class ClientHangUpHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let monitor: DisconnectMonitor

    init(monitor: DisconnectMonitor) {
        self.monitor = monitor
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            self.monitor.clientLeft(context.channel)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.monitor.clientLeft(context.channel)
        context.fireChannelInactive()
    }
}
