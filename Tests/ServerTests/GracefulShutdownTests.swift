import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import Server

/// In-flight requests finish on shutdown; the grace period bounds how long they may take.
/// (Uses a slow route added by the test itself to the server's real router and service group.)
@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    /// A server on a free port whose `/test-slow` route reports each request it starts, so a test can shut down
    /// while one is surely in flight rather than after a guessed sleep.
    struct Running {
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let port: Int
        let readiness: Readiness
        let slowStarted: AsyncStream<Void>
    }

    static func start(grace: Duration, slow: Duration, drain: Duration = .zero) async throws -> Running {
        var settings = Settings()
        settings.drainDelay = drain
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.shutdownGrace = grace
        settings.embeddingModel = nil
        settings.requiredModels = []
        let readiness = Readiness()
        let port = Mutex(0)
        var server = ServerApplication(settings: settings, readiness: readiness, logger: Logger(label: "test"))
        server.onListening = { bound in port.withLock { $0 = bound } }
        let router = server.makeRouter()
        let (slowStarted, started) = AsyncStream<Void>.makeStream()
        router.get("/test-slow") { _, _ in
            started.yield()
            try await Task.sleep(for: slow)
            return "finished"
        }
        let group = server.makeServiceGroup(router: router)
        let task = Task { try await group.run() }
        for _ in 0..<200 where readiness.state != .ready { try await Task.sleep(for: .milliseconds(10)) }
        try #require(readiness.state == .ready)
        return Running(group: group, task: task, port: port.withLock { $0 }, readiness: readiness, slowStarted: slowStarted)
    }

    @Test func inFlightRequestsFinishAfterShutdownStarts() async throws {
        let server = try await Self.start(grace: .seconds(10), slow: .milliseconds(800))
        let (group, task, port, readiness) = (server.group, server.task, server.port, server.readiness)
        let request = Task { try await HTTPProbe.get("http://127.0.0.1:\(port)/test-slow", timeout: 10) }
        for await _ in server.slowStarted { break }
        await group.triggerGracefulShutdown()
        let (status, body) = try await request.value
        #expect(status == 200)
        #expect(body == "finished")
        try await task.value
        #expect(readiness.state == .draining)
        // And the listener is gone afterwards.
        await #expect(throws: (any Error).self) { _ = try await HTTPProbe.get("http://127.0.0.1:\(port)/health", timeout: 2) }
    }

    @Test func drainingAnswers503OnReadyWhileStillServing() async throws {
        let server = try await Self.start(grace: .seconds(5), slow: .milliseconds(10), drain: .seconds(3))
        let (group, task, port, readiness) = (server.group, server.task, server.port, server.readiness)
        let shutdown = Task { await group.triggerGracefulShutdown() }
        for _ in 0..<500 where readiness.state != .draining { try await Task.sleep(for: .milliseconds(5)) }
        try #require(readiness.state == .draining)
        // The listener is still open during the drain delay: the ALB sees "not ready" and stops routing.
        let (ready, body) = try await HTTPProbe.get("http://127.0.0.1:\(port)/health/ready")
        #expect(ready == 503)
        #expect(body.contains("draining"))
        let (live, _) = try await HTTPProbe.get("http://127.0.0.1:\(port)/health/live")
        #expect(live == 200)
        let (slow, _) = try await HTTPProbe.get("http://127.0.0.1:\(port)/test-slow")
        #expect(slow == 200)
        await shutdown.value
        try await task.value
    }

    @Test func theGracePeriodBoundsSlowRequests() async throws {
        let server = try await Self.start(grace: .milliseconds(300), slow: .seconds(20))
        let (group, task, port) = (server.group, server.task, server.port)
        let request = Task { try? await HTTPProbe.get("http://127.0.0.1:\(port)/test-slow", timeout: 25) }
        for await _ in server.slowStarted { break }
        let started = ContinuousClock.now
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        // The request would take 20 s; the group is done long before that because the grace period cut it.
        #expect(ContinuousClock.now - started < .seconds(15))
        _ = await request.value
    }
}
