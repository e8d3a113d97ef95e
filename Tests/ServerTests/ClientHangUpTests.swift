import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Server

/// A client's FIN or close reaches the disconnect monitor through the connection's pipeline, without waiting for the
/// monitor's poll: the monitor here never polls (its `run` is not started), so only the pipeline can tell it.
@Suite("Client hang-ups")
struct ClientHangUpTests {
    final class Count: Sendable {
        let value = Atomic<Int>(0)
        func add() { self.value.add(1, ordering: .relaxed) }
        var current: Int { self.value.load(ordering: .relaxed) }
    }

    @Test func aHalfCloseEndsTheWatchOfItsConnectionAtOnce() throws {
        let monitor = DisconnectMonitor(interval: .seconds(3600))
        let channel = EmbeddedChannel(handler: ClientHangUpHandler(monitor: monitor))
        let other = EmbeddedChannel(handler: ClientHangUpHandler(monitor: monitor))
        let gone = Count()
        let otherGone = Count()
        _ = monitor.watch(channel) { gone.add() }
        _ = monitor.watch(other) { otherGone.add() }
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(gone.current == 1)
        #expect(otherGone.current == 0, "another connection's request must not be cancelled")
        // Once only: the close that follows finds the watch gone.
        channel.pipeline.fireChannelInactive()
        #expect(gone.current == 1)
        // Other events pass through untouched, and an unwatched request is not cancelled later.
        other.pipeline.fireUserInboundEventTriggered(ChannelEvent.outputClosed)
        #expect(otherGone.current == 0)
        _ = try channel.finish()
    }

    @Test func aClosedConnectionEndsItsWatchesAndAnUnwatchedOneStaysUntouched() throws {
        let monitor = DisconnectMonitor(interval: .seconds(3600))
        let channel = EmbeddedChannel(handler: ClientHangUpHandler(monitor: monitor))
        let gone = Count()
        let finished = Count()
        let id = monitor.watch(channel) { finished.add() }
        monitor.unwatch(id)
        _ = monitor.watch(channel) { gone.add() }
        _ = monitor.watch(channel) { gone.add() }
        channel.pipeline.fireChannelInactive()
        #expect(gone.current == 2)
        #expect(finished.current == 0)
    }
}
