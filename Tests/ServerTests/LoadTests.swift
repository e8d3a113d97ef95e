import Foundation
import Synchronization
import TestSupport
import Testing

/// The server under sustained mixed load, and shut down in the middle of it. Bounded by request count and time;
/// nothing here asserts a latency.
@Suite("Load and shutdown under load", .serialized)
struct LoadTests {
    /// The default model, as a user's first `make run` serves it.
    static func environment() -> [String: String] { ModelsEndToEndTests.environment() }

    /// Resident memory of a process, from /proc.
    static func residentMB(_ pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }

    static let script = """
        local bodies = {
          {"/embed", '{"inputs": ["There is a fire in the building", "The invoice is overdue"]}'},
          {"/classify", '{"text": "Someone broke into my car last night"}'},
          {"/analyze", '{"text": "Gas smell in the basement, people are dizzy", "severity": "high"}'},
          {"/similarity", '{"text_a": "fire on floor 3", "text_b": "smoke on the third floor"}'},
          {"/health/ready", nil},
        }
        local i = 0
        request = function()
          i = i + 1
          local entry = bodies[(i % #bodies) + 1]
          if entry[2] == nil then return wrk.format("GET", entry[1]) end
          return wrk.format("POST", entry[1], {["Content-Type"] = "application/json"}, entry[2])
        end
        """

    /// 30 s of wrk over five endpoints: every answer 2xx, no socket errors, and resident memory after warm-up
    /// does not keep growing (a leak of even 1 KB per request would show as tens of MB here).
    @Test(.timeLimit(.minutes(5))) func mixedLoadHasNoErrorsAndFlatMemory() async throws {
        let server = try SkiffServer(environment: Self.environment())
        defer { _ = try? server.process.terminate() }
        try await server.waitUntilReady(timeout: 60)
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-load-\(UUID().uuidString).lua")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let pid = server.process.processIdentifier

        async let load = SkiffProcess.runExecutable(
            "/usr/bin/wrk",
            ["-t", "2", "-c", "16", "-d", "30s", "--timeout", "20s", "-s", script.path, server.baseURL],
            environment: ["PATH": "/usr/bin:/bin"],
            timeout: 120
        )
        try await Task.sleep(for: .seconds(10))
        let warm = Self.residentMB(pid)
        let run = try await load
        let end = Self.residentMB(pid)

        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("Non-2xx"), "\(run.stdout)")
        #expect(!run.stdout.contains("Socket errors"), "\(run.stdout)")
        let requests = run.stdout.split(separator: "\n").first { $0.contains("requests in") }
        let count = requests.flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") } ?? 0
        #expect(count > 500, "\(run.stdout)")
        print("mixed load: \(count) requests in 30 s, resident \(Int(warm)) MB after warm-up, \(Int(end)) MB at the end")
        #expect(warm > 0 && end - warm < 40, "resident memory grew from \(warm) MB after warm-up to \(end) MB at the end")
        #expect(try await server.stop() == 0)
    }

    /// SIGTERM while clients keep sending, as the ALB would: they keep going for a moment after `/health/ready`
    /// turns 503 (its health check interval), then stop. Every request sent is answered in full — those in flight
    /// at SIGTERM and those sent during the drain delay — and new connections are refused only after readiness
    /// went 503.
    @Test(.timeLimit(.minutes(5))) func sigtermUnderLoadLosesNoAcceptedRequest() async throws {
        var environment = Self.environment()
        environment["DRAIN_DELAY_SECONDS"] = "1.5"
        let server = try SkiffServer(environment: environment)
        defer { _ = try? server.process.terminate() }
        try await server.waitUntilReady(timeout: 60)
        let url = server.baseURL

        struct Tally: Sendable {
            var answered = 0
            var failedAfterConnecting: [String] = []
            var firstRefusal: ContinuousClock.Instant?
            var firstNotReady: ContinuousClock.Instant?
        }
        final class Shared: Sendable {
            let tally = Mutex(Tally())
            let stop = Atomic<Bool>(false)
        }
        let shared = Shared()
        let body = Array(#"{"inputs": ["There is a fire in the building and people are trapped"]}"#.utf8)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await blockingIO {
                        while !shared.stop.load(ordering: .relaxed) {
                            do {
                                let (status, _) = try HTTPProbe.sendBlocking(
                                    "POST",
                                    url + "/embed",
                                    headers: ["Content-Type": "application/json"],
                                    body: body,
                                    timeout: 30
                                )
                                shared.tally.withLock {
                                    if status == 200 { $0.answered += 1 } else { $0.failedAfterConnecting.append("status \(status)") }
                                }
                            } catch {
                                shared.tally.withLock { $0.failedAfterConnecting.append("\(error)") }
                            }
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                kill(server.process.processIdentifier, SIGTERM)
                // Watch readiness as the ALB does; clients stop half a second after it turns 503.
                while true {
                    do {
                        let (status, _) = try await HTTPProbe.get(url + "/health/ready", timeout: 5)
                        if status == 503 {
                            let since = shared.tally.withLock { tally in
                                tally.firstNotReady = tally.firstNotReady ?? .now
                                return tally.firstNotReady!
                            }
                            if ContinuousClock.now - since > .milliseconds(500) { shared.stop.store(true, ordering: .relaxed) }
                        }
                    } catch {
                        shared.tally.withLock { $0.firstRefusal = .now }
                        break
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                shared.stop.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        let result = shared.tally.withLock { $0 }
        print("shutdown under load: \(result.answered) requests answered, \(result.failedAfterConnecting.count) lost")
        #expect(result.answered > 10)
        #expect(result.failedAfterConnecting.isEmpty, "requests not answered in full: \(result.failedAfterConnecting.prefix(5))")
        let notReady = try #require(result.firstNotReady, "readiness never answered 503 while draining")
        let refused = try #require(result.firstRefusal, "the listener never closed")
        #expect(notReady < refused, "connections were refused before /health/ready went 503")
        let status = try await blockingIO {
            server.process.waitUntilExit()
            return server.process.terminationStatus
        }
        #expect(status == 0)
    }
}
