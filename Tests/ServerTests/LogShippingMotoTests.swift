import AWSConfig
import Foundation
import HTTPClient
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

@testable import Server

/// The CloudWatch shipper against moto_server with SigV4 signature checking on (Tests/Peers/moto_peer.py): lines
/// read back with GetLogEvents, a wrong secret, an outage, a full buffer, and `skiff serve` shipping its own lines.
@Suite("CloudWatch log shipping against moto")
struct LogShippingMotoTests {
    static let quiet = Logger(label: "cloudwatch-test") { _ in SwiftLogNoOpLogHandler() }

    /// The reader's keys (allowed logs:*), moto as the CloudWatch Logs endpoint, no instance metadata.
    static func environment(_ peer: PeerProcess, endpoint: String? = nil) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": peer.string("reader", "access_key_id"),
            "AWS_SECRET_ACCESS_KEY": peer.string("reader", "secret_access_key"),
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": endpoint ?? peer.string("endpoint"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        ]
    }

    /// No timer ticks unless asked for: uploads start when `wakeThreshold` lines wait, or at shutdown.
    static func configuration(
        _ names: Names,
        buffer: Int = 10_000,
        wakeThreshold: Int? = nil,
        flush: Duration = .seconds(3600)
    ) -> CloudWatchLogShipper.Configuration {
        var configuration = CloudWatchLogShipper.Configuration(
            logGroup: names.group,
            logStream: names.stream,
            flushInterval: flush,
            bufferEvents: buffer
        )
        configuration.wakeThreshold = wakeThreshold
        configuration.retryBaseDelay = .milliseconds(50)
        configuration.retryMaxDelay = .milliseconds(400)
        configuration.finalFlushTimeout = .seconds(60)
        configuration.requestTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(60))
        return configuration
    }

    /// A fresh group and stream per test, so tests sharing the moto peer never see each other's lines.
    struct Names {
        let group: String
        let stream: String
        init(_ name: String) {
            let tag = UUID().uuidString.prefix(8).lowercased()
            self.group = "/skiff-test/cloudwatch/\(name)-\(tag)"
            self.stream = "\(name)-\(tag)"
        }
    }

    /// Lines like JSONLogHandler writes them (newline included), about 250 bytes each with non-ASCII text.
    static func lines(_ count: Int, _ tag: String) -> [String] {
        let padding = String(repeating: "ü", count: 60) + " 東京 🚀"
        return (0..<count).map { index in
            "{\"time\":\"2026-01-01T00:00:00.000Z\",\"level\":\"info\",\"message\":\"line \(index) of \(tag)\",\"padding\":\"\(padding)\"}\n"
        }
    }

    static func append(_ lines: ArraySlice<String>, to shipper: CloudWatchLogShipper) {
        for line in lines { shipper.buffer.append(line, timestamp: LogShipping.milliseconds(Date())) }
    }

    /// Runs the shipper in a ServiceGroup around `body`, then shuts the group down gracefully (the final upload).
    static func running(_ shipper: CloudWatchLogShipper, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: shipper)], logger: quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Polls `condition`. The bound is generous because `make test` runs every suite at once on two cores; it is a
    /// safety net, not a timing assertion.
    static func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(120),
        every interval: Duration = .milliseconds(20),
        _ condition: () async -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else { throw PeerError("gave up waiting for \(what)") }
            try await Task.sleep(for: interval)
        }
    }

    static func client(_ peer: PeerProcess, secret: String? = nil) -> CloudWatchLogsClient {
        CloudWatchLogsClient(
            endpoint: EndpointURL(peer.string("endpoint"))!,
            region: "us-east-1",
            http: HTTPClient(),
            credentials: StaticCredentialProvider(
                AWSCredentials(
                    accessKeyId: peer.string("reader", "access_key_id"),
                    secretAccessKey: secret ?? peer.string("reader", "secret_access_key"),
                    source: "test"
                )
            )
        )
    }

    /// Every event of the stream, oldest first: GetLogEvents from the head, following `nextForwardToken` until it
    /// comes back unchanged.
    static func readBack(_ peer: PeerProcess, _ names: Names, pageSize: Int = 1000) async throws -> (events: [CloudWatchLogEvent], pages: Int) {
        let client = Self.client(peer)
        var events: [CloudWatchLogEvent] = []
        var token: String? = nil
        var pages = 0
        while pages < 1000 {
            let page = try await client.getLogEvents(group: names.group, stream: names.stream, token: token, limit: pageSize)
            events += page.events
            pages += 1
            guard let next = page.nextForwardToken, next != token else { break }
            token = next
        }
        return (events, pages)
    }

    /// Runs `shipper`, pointed at `port` where nothing listens, with `lines` waiting: once `failures` uploads have
    /// failed (and nothing shipped), moto comes back on `port` through Tests/Peers/tcp_forward.py, and the run ends
    /// gracefully once `shipped` lines are shipped.
    static func runThroughOutage(
        _ shipper: CloudWatchLogShipper,
        port: Int,
        peer: PeerProcess,
        lines: [String],
        failures: Int,
        shipped: Int
    ) async throws {
        let endpoint = EndpointURL(peer.string("endpoint"))!
        let forwarder = Mutex<PeerProcess?>(nil)
        defer { forwarder.withLock { $0?.stop() } }
        try await Self.running(shipper) {
            Self.append(lines[...], to: shipper)
            try await Self.waitUntil("\(failures) failed uploads") { shipper.stats.failedUploads >= failures }
            #expect(shipper.stats.shipped == 0)
            let peerProcess = try await PeerProcess.start(
                [PackagePaths.python, PackagePaths.peer("tcp_forward.py"), String(port), "\(endpoint.bareHost):\(endpoint.port ?? 80)"],
                timeout: 20
            )
            forwarder.withLock { $0 = peerProcess }
            try await Self.waitUntil("\(shipped) lines shipped") { shipper.stats.shipped == shipped }
        }
    }

    // MARK: Tests

    @Test func everyLineArrivesInOrderThroughSeveralUploadsAndTheFinalOne() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("e2e")
        var environment = Self.environment(peer)
        // The service's own variable wins over the general one, which points nowhere.
        environment["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(try SkiffProcess.freePort())"
        let registry = PrometheusCollectorRegistry()
        let shipper = CloudWatchLogShipper(
            configuration: Self.configuration(names, wakeThreshold: 1000),
            environment: environment,
            http: HTTPClient(),
            logger: Self.quiet,
            metrics: PrometheusMetricsFactory(registry: registry),
            attachesToLogHandler: false
        )
        let lines = Self.lines(2500, names.stream)
        try await Self.running(shipper) {
            // Two rounds, each woken by a full threshold...
            Self.append(lines[0..<1000], to: shipper)
            try await Self.waitUntil("the first 1,000 lines") { shipper.stats.shipped == 1000 && shipper.stats.drains == 1 }
            Self.append(lines[1000..<2000], to: shipper)
            try await Self.waitUntil("the next 1,000 lines") { shipper.stats.shipped == 2000 && shipper.stats.drains == 2 }
            // ...and 500 lines below the threshold, before the first tick: only the final upload sends them.
            Self.append(lines[2000..<2500], to: shipper)
        }
        let stats = shipper.stats
        #expect(stats.shipped == 2500)
        #expect(stats.shippedAtShutdown == 500)
        #expect(stats.uploads >= 3)
        #expect(stats.failedUploads == 0)
        #expect(stats.unsentAtShutdown == 0)
        #expect(stats.logStream == names.stream)
        #expect(shipper.buffer.dropped == 0)

        let (events, pages) = try await Self.readBack(peer, names)
        #expect(pages >= 3)
        #expect(events.count == 2500)
        #expect(events.map(\.message) == lines.map { String($0.dropLast()) }, "every line, in order, without the newline")
        #expect(events.map(\.timestamp) == events.map(\.timestamp).sorted())
        // Group and stream were created, the stream under the configured name.
        #expect(try await Self.client(peer).logStreamNames(group: names.group) == [names.stream])
        let metrics = registry.emitToString()
        #expect(metrics.contains("cloudwatch_log_events_shipped_total 2500"))
    }

    @Test func aWrongSecretIsRejectedByTheSignatureCheckAndNeverShown() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("secret")
        let realSecret = peer.string("reader", "secret_access_key")
        let wrongSecret = "wrong-\(UUID().uuidString)"

        // moto checks the signature of CloudWatch Logs calls...
        await #expect {
            try await Self.client(peer, secret: wrongSecret).createLogGroup(names.group)
        } throws: { error in
            guard let error = error as? AWSError else { return false }
            return ["SignatureDoesNotMatch", "InvalidSignatureException"].contains(error.awsCode ?? "") && error.status == 403
                && !"\(error)".contains(wrongSecret) && !"\(error)".contains(realSecret)
        }
        // ...while the right secret passes it.
        #expect(try await Self.client(peer).createLogGroup(names.group))

        // The shipper keeps its lines, reports the failure without the secret, and gives up at shutdown.
        let capture = LogCapture()
        var environment = Self.environment(peer)
        environment["AWS_SECRET_ACCESS_KEY"] = wrongSecret
        var configuration = Self.configuration(names)
        configuration.finalFlushTimeout = .milliseconds(300)
        let shipper = CloudWatchLogShipper(
            configuration: configuration,
            environment: environment,
            http: HTTPClient(),
            logger: capture.logger,
            attachesToLogHandler: false
        )
        try await Self.running(shipper) {
            Self.append(Self.lines(20, names.stream)[...], to: shipper)
            shipper.buffer.wake()
            try await Self.waitUntil("two failed uploads") { shipper.stats.failedUploads >= 2 }
            #expect(shipper.buffer.count == 20)
        }
        let stats = shipper.stats
        #expect(stats.shipped == 0)
        #expect(stats.unsentAtShutdown == 20)
        let lastError = try #require(stats.lastError)
        #expect(lastError.contains("SignatureDoesNotMatch") || lastError.contains("InvalidSignature"))
        let logged = capture.text
        #expect(logged.contains("CloudWatch log upload failed"))
        #expect(logged.contains("with lines unsent"))
        for secret in [wrongSecret, realSecret] {
            #expect(!logged.contains(secret))
            #expect(!lastError.contains(secret))
        }
    }

    @Test func linesLoggedDuringAnOutageArriveWhenTheEndpointComesBack() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("outage")
        let port = try SkiffProcess.freePort()  // nothing listens: connections are refused
        let shipper = CloudWatchLogShipper(
            configuration: Self.configuration(names, flush: .milliseconds(200)),
            environment: Self.environment(peer, endpoint: "http://127.0.0.1:\(port)"),
            http: HTTPClient(),
            logger: Self.quiet,
            attachesToLogHandler: false
        )
        let lines = Self.lines(300, names.stream)
        try await Self.runThroughOutage(shipper, port: port, peer: peer, lines: lines, failures: 3, shipped: 300)
        #expect(shipper.buffer.dropped == 0)
        #expect(shipper.stats.lastError?.contains("127.0.0.1:\(port)") == true)
        let (events, _) = try await Self.readBack(peer, names)
        #expect(events.map(\.message) == lines.map { String($0.dropLast()) })
    }

    @Test func aFullBufferDropsTheOldestLinesAndCountsThem() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("drops")
        let port = try SkiffProcess.freePort()
        let registry = PrometheusCollectorRegistry()
        let shipper = CloudWatchLogShipper(
            configuration: Self.configuration(names, buffer: 100, flush: .milliseconds(200)),
            environment: Self.environment(peer, endpoint: "http://127.0.0.1:\(port)"),
            http: HTTPClient(),
            logger: Self.quiet,
            metrics: PrometheusMetricsFactory(registry: registry),
            attachesToLogHandler: false
        )
        let lines = Self.lines(250, names.stream)
        try await Self.runThroughOutage(shipper, port: port, peer: peer, lines: lines, failures: 1, shipped: 100)
        #expect(shipper.buffer.dropped == 150)
        let (events, _) = try await Self.readBack(peer, names)
        #expect(events.map(\.message) == lines[150...].map { String($0.dropLast()) }, "the newest lines survive, the oldest went")
        let metrics = registry.emitToString()
        #expect(metrics.contains("cloudwatch_log_events_dropped_total{reason=\"buffer_full\"} 150"), "\(metrics)")
        #expect(metrics.contains("cloudwatch_log_events_shipped_total 100"))
    }

    @Test func linesOlderThanCloudWatchTakesAreCountedAsRejected() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("rejected")
        let registry = PrometheusCollectorRegistry()
        let shipper = CloudWatchLogShipper(
            configuration: Self.configuration(names),
            environment: Self.environment(peer),
            http: HTTPClient(),
            logger: Self.quiet,
            metrics: PrometheusMetricsFactory(registry: registry),
            attachesToLogHandler: false
        )
        let now = LogShipping.milliseconds(Date())
        let fifteenDays: Int64 = 15 * 24 * 60 * 60 * 1000
        try await Self.running(shipper) {
            // Fifteen days apart: two batches, and CloudWatch refuses the old one (more than 14 days back).
            for index in 0..<5 { shipper.buffer.append("old \(index)\n", timestamp: now - fifteenDays + Int64(index)) }
            for index in 0..<5 { shipper.buffer.append("new \(index)\n", timestamp: now + Int64(index)) }
        }
        #expect(shipper.stats.rejected == 5)
        #expect(shipper.stats.shipped == 5)
        #expect(shipper.stats.uploads == 2)
        let (events, _) = try await Self.readBack(peer, names)
        #expect(events.map(\.message) == (0..<5).map { "new \($0)" })
        #expect(registry.emitToString().contains("cloudwatch_log_events_dropped_total{reason=\"rejected\"} 5"))
    }

    @Test func skiffServeShipsItsOwnLinesFromBootToShutdown() async throws {
        let peer = try await MotoPeer.shared()
        let names = Names("serve")
        var environment = SkiffProcess.baseEnvironment()
        for (key, value) in Self.environment(peer) { environment[key] = value }
        environment["CLOUDWATCH_LOG_GROUP"] = names.group
        environment["CLOUDWATCH_LOG_STREAM"] = names.stream
        environment["CLOUDWATCH_FLUSH_SECONDS"] = "0.2"
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady(timeout: 120)
        let (status, _) = try await HTTPProbe.get(server.baseURL + "/health", headers: ["X-Request-Id": "cloudwatch-e2e-1"])
        #expect(status == 200)
        try await Self.waitUntil("the listening line in CloudWatch", every: .milliseconds(250)) {
            let events = (try? await Self.readBack(peer, names).events) ?? []
            return events.contains { $0.message.contains("\"message\":\"listening\"") }
        }
        #expect(try await server.stop(timeout: 120) == 0)

        let shipped = try await Self.readBack(peer, names).events.map(\.message)
        let stdout = server.log.split(separator: "\n").map(String.init)
        func has(_ message: String) -> Bool { shipped.contains { $0.contains("\"message\":\"\(message)\"") } }
        #expect(has("starting"), "boot lines, logged before the shipper started, are shipped too")
        #expect(has("listening"))
        #expect(has("shipping logs to CloudWatch"))
        #expect(has("created CloudWatch log stream"))
        // Exactly the stdout lines, none changed; only what is logged after the final upload stays local.
        #expect(Set(shipped).isSubset(of: Set(stdout)))
        let unshipped = stdout.filter { !Set(shipped).contains($0) }
        #expect(
            unshipped.allSatisfy { $0.contains("\"message\":\"CloudWatch log shipping stopped\"") || $0.contains("\"message\":\"stopped\"") },
            "\(unshipped)"
        )
        #expect(!server.log.contains(peer.string("reader", "secret_access_key")))
    }
}

/// Collects what a logger writes (level, message, metadata), to check what the shipper reports.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var text: String { self.lines.withLock { $0.joined(separator: "\n") } }

    var logger: Logger {
        Logger(label: "cloudwatch-test") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
            let line = "\(event.level) \(event.message) \(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            self.capture.lines.withLock { $0.append(line) }
        }
    }
}
