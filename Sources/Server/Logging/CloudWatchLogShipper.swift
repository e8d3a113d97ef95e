import AWSConfig
import Foundation
import HTTPClient
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Ships skiff's own JSON log lines to CloudWatch Logs on its own task: every `flushInterval`, sooner when the
/// buffer fills, and once more on graceful shutdown. Failed uploads keep their lines and are retried with
/// exponential backoff and full jitter; past `bufferEvents` lines the oldest are dropped and counted.
///
/// The stream is `CLOUDWATCH_LOG_STREAM`, else the EC2 instance id (IMDSv2), else the host name; group and stream
/// are created when missing. Shipping never fails the process: a configuration it cannot use is logged and
/// shipping stops, while stdout keeps every line.
final class CloudWatchLogShipper: Service {
    struct Configuration: Sendable {
        var logGroup: String
        /// nil: the instance id, else the host name.
        var logStream: String?
        var flushInterval: Duration
        var bufferEvents: Int
        /// Lines waiting that start an upload before the next tick (default: half the buffer).
        var wakeThreshold: Int?
        var limits = CloudWatchLogLimits()
        /// Backoff ceiling before the first retry; doubles per consecutive failure up to `retryMaxDelay`.
        var retryBaseDelay: Duration = .seconds(1)
        var retryMaxDelay: Duration = .seconds(30)
        /// How long the final upload at shutdown may keep retrying.
        var finalFlushTimeout: Duration = .seconds(10)
        var requestTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(30))

        init(logGroup: String, logStream: String? = nil, flushInterval: Duration = .seconds(5), bufferEvents: Int = 10_000) {
            self.logGroup = logGroup
            self.logStream = logStream
            self.flushInterval = flushInterval
            self.bufferEvents = bufferEvents
        }

        init(_ settings: CloudWatchSettings) {
            self.init(
                logGroup: settings.logGroup,
                logStream: settings.logStream,
                flushInterval: settings.flushInterval,
                bufferEvents: settings.bufferEvents
            )
        }
    }

    /// What the shipper has done so far, for logs and tests.
    struct Statistics: Sendable, Equatable {
        /// The stream lines go to, once resolved.
        var logStream: String?
        var shipped = 0
        /// Times the shipper emptied the buffer and went back to waiting.
        var drains = 0
        /// Lines shipped by the final upload at shutdown.
        var shippedAtShutdown = 0
        var uploads = 0
        var failedUploads = 0
        /// Lines CloudWatch refused (too old, or a batch it rejected outright).
        var rejected = 0
        /// Lines still waiting when shutdown gave up.
        var unsentAtShutdown = 0
        /// The last failure, as logged (never a secret).
        var lastError: String?
    }

    let configuration: Configuration
    let environment: [String: String]
    let http: HTTPClient
    let logger: Logger
    let buffer: LogShippingBuffer
    /// false in tests that feed `buffer` directly; true in `serve`, where every JSONLogHandler line comes here.
    let attachesToLogHandler: Bool
    private let statistics = Mutex(Statistics())
    private let shippedCounter: Counter
    private let rejectedCounter: Counter
    private let unsentCounter: Counter

    init(
        configuration: Configuration,
        environment: [String: String],
        http: HTTPClient,
        logger: Logger,
        metrics: any MetricsFactory = MetricsSystem.factory,
        attachesToLogHandler: Bool = true
    ) {
        self.configuration = configuration
        self.environment = environment
        self.http = http
        self.logger = logger
        self.attachesToLogHandler = attachesToLogHandler
        let dropped = "cloudwatch_log_events_dropped_total"
        self.buffer = LogShippingBuffer(
            capacity: configuration.bufferEvents,
            wakeThreshold: configuration.wakeThreshold,
            droppedCounter: Counter(label: dropped, dimensions: [("reason", "buffer_full")], factory: metrics)
        )
        self.shippedCounter = Counter(label: "cloudwatch_log_events_shipped_total", factory: metrics)
        self.rejectedCounter = Counter(label: dropped, dimensions: [("reason", "rejected")], factory: metrics)
        self.unsentCounter = Counter(label: dropped, dimensions: [("reason", "shutdown")], factory: metrics)
    }

    var stats: Statistics { self.statistics.withLock { $0 } }

    /// Where the lines go, resolved once at start.
    struct Destination: Sendable {
        let client: CloudWatchLogsClient
        let group: String
        let stream: String
    }

    func run() async {
        if self.attachesToLogHandler { LogShipping.attach(self.buffer) }
        defer { if self.attachesToLogHandler { LogShipping.detach(self.buffer) } }
        let destination: Destination
        do {
            destination = try await self.resolveDestination()
        } catch {
            let lost = self.buffer.close().count
            self.logger.error(
                "CloudWatch log shipping is off: \(error)",
                metadata: ["cloudwatch.log_group": "\(self.configuration.logGroup)", "cloudwatch.unsent": "\(lost)"]
            )
            return
        }
        self.statistics.withLock { $0.logStream = destination.stream }
        self.logger.info(
            "shipping logs to CloudWatch",
            metadata: [
                "cloudwatch.log_group": "\(destination.group)", "cloudwatch.log_stream": "\(destination.stream)",
                "cloudwatch.endpoint": "\(destination.client.endpoint.hostHeader)", "cloudwatch.region": "\(destination.client.region)",
            ]
        )

        var session = Session(destination: destination)
        let buffer = self.buffer
        let interval = self.configuration.flushInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    buffer.wake()
                }
            }
            await withGracefulShutdownHandler {
                for await _ in buffer.wakes {
                    await self.drain(&session, phase: .running)
                }
            } onGracefulShutdown: {
                buffer.finishWakes()
            }
            group.cancelAll()
        }

        await self.drain(&session, phase: .final(deadline: .now + self.configuration.finalFlushTimeout))
        let unsent = self.buffer.close().count
        if unsent > 0 { self.unsentCounter.increment(by: Int64(unsent)) }
        let stats = self.statistics.withLock { stats in
            stats.unsentAtShutdown += unsent
            return stats
        }
        // The buffer is closed: from here on lines go to stdout only.
        self.logger.log(
            level: unsent > 0 ? .warning : .info,
            unsent > 0 ? "CloudWatch log shipping stopped with lines unsent" : "CloudWatch log shipping stopped",
            metadata: [
                "cloudwatch.shipped": "\(stats.shipped)", "cloudwatch.unsent": "\(unsent)",
                "cloudwatch.dropped": "\(self.buffer.dropped)", "cloudwatch.rejected": "\(stats.rejected)",
            ]
        )
    }

    // MARK: Destination

    private func resolveDestination() async throws -> Destination {
        let metadata = InstanceMetadataClient.fromEnvironment(self.environment, http: self.http)
        let client = try await CloudWatchLogsClient.fromEnvironment(
            self.environment,
            http: self.http,
            metadata: metadata,
            timeouts: self.configuration.requestTimeouts,
            logger: self.logger
        )
        let stream = await Self.streamName(configured: self.configuration.logStream, metadata: metadata)
        return Destination(client: client, group: self.configuration.logGroup, stream: stream)
    }

    /// `configured`, else the EC2 instance id, else the host name; `:` and `*` (not allowed) become `_`.
    static func streamName(configured: String?, metadata: InstanceMetadataClient?) async -> String {
        if let configured, !configured.isEmpty { return configured }
        if let metadata, let id = try? await metadata.instanceID(), !id.isEmpty, id.utf8.count <= 512 {
            return Self.sanitized(id)
        }
        return Self.sanitized(Self.hostName())
    }

    static func sanitized(_ name: String) -> String {
        let cleaned = String(name.map { $0 == ":" || $0 == "*" ? "_" : $0 }.prefix(512))
        return cleaned.isEmpty ? "skiff" : cleaned
    }

    static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "skiff" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Uploading

    /// The mutable part of one run, owned by `run`'s task.
    struct Session {
        let destination: Destination
        var streamReady = false
        /// Consecutive failed uploads; decides the backoff and how loudly to log.
        var failures = 0
    }

    enum Phase {
        case running
        /// Shutdown: upload what is left, retrying until `deadline`.
        case final(deadline: ContinuousClock.Instant)
    }

    enum Outcome {
        /// CloudWatch stored the batch except `rejected` events.
        case accepted(rejected: Int)
        /// Worth another attempt with the same lines (network, throttling, 5xx, credentials, a missing stream).
        case retry(AWSError)
        /// CloudWatch refused this batch for good (PutLogEvents answered with a client error other than credentials,
        /// permissions or a missing stream); retrying would fail the same way.
        case refused(AWSError)
    }

    /// Uploads batches until the buffer is empty, backing off after failures; returns early on shutdown (running
    /// phase), at the deadline (final phase) or on cancellation.
    func drain(_ session: inout Session, phase: Phase) async {
        let limits = self.configuration.limits
        let retry = RetryPolicy(baseDelay: self.configuration.retryBaseDelay, maxDelay: self.configuration.retryMaxDelay)
        let isFinal = if case .final = phase { true } else { false }
        while !Task.isCancelled {
            switch phase {
            case .running: if Task.isShuttingDownGracefully { return }
            case .final(let deadline): if ContinuousClock.now >= deadline { return }
            }
            let entries = self.buffer.beginUpload(limits: limits)
            guard !entries.isEmpty else {
                if !isFinal { self.statistics.withLock { $0.drains += 1 } }
                return
            }
            let (batch, consumed) = CloudWatchLogBatcher.nextBatch(from: entries.lazy.map(Self.event), limits: limits)
            let through = entries[consumed - 1].sequence
            switch await self.upload(batch, session: &session) {
            case .accepted(let rejected):
                self.buffer.endUpload(sentThrough: through)
                self.recordAccepted(batch.count, rejected: rejected, session: &session, final: isFinal)
            case .refused(let error):
                self.buffer.endUpload(sentThrough: through)
                self.rejectedCounter.increment(by: Int64(batch.count))
                self.statistics.withLock { stats in
                    stats.uploads += 1
                    stats.failedUploads += 1
                    stats.rejected += batch.count
                    stats.lastError = error.message
                }
                self.logger.error(
                    "CloudWatch refused a batch of log lines; they are dropped",
                    metadata: [
                        "cloudwatch.lines": "\(batch.count)", "aws.error": "\(error.awsCode ?? error.code.description)", "error": "\(error.message)",
                    ]
                )
            case .retry(let error):
                self.buffer.endUpload(sentThrough: nil)
                session.failures += 1
                let delay = retry.delay(beforeRetry: session.failures)
                self.recordFailure(error, session: session, delay: delay)
                switch phase {
                case .running:
                    // Graceful shutdown cuts the wait short: the final upload follows at once.
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                case .final(let deadline):
                    let left = deadline - ContinuousClock.now
                    guard left > .zero else { return }
                    try? await Task.sleep(for: min(delay, left))
                }
            }
        }
    }

    /// One buffered line as CloudWatch gets it: without the newline stdout has.
    static func event(_ entry: LogShippingBuffer.Entry) -> CloudWatchLogEvent {
        let utf8 = entry.line.utf8
        let message = utf8.last == UInt8(ascii: "\n") ? String(decoding: utf8.dropLast(), as: UTF8.self) : entry.line
        return CloudWatchLogEvent(timestamp: entry.timestamp, message: message)
    }

    private func upload(_ batch: [CloudWatchLogEvent], session: inout Session) async -> Outcome {
        let destination = session.destination
        if !session.streamReady {
            do {
                try await self.ensureStream(destination)
                session.streamReady = true
            } catch {
                // Not these lines' fault: keep them whatever the reason.
                return .retry(error as? AWSError ?? AWSError(.networkError, "creating the CloudWatch log stream failed: \(error)"))
            }
        }
        do {
            let rejected = try await destination.client.putLogEvents(group: destination.group, stream: destination.stream, events: batch)
            return .accepted(rejected: rejected?.count(of: batch.count) ?? 0)
        } catch let error as AWSError {
            if error.awsCode == "ResourceNotFoundException" {
                // The group or stream was deleted while skiff ran: create them again on the next attempt.
                session.streamReady = false
                return .retry(error)
            }
            return Self.keepsLines(error) ? .retry(error) : .refused(error)
        } catch {
            return .retry(AWSError(.networkError, "CloudWatch upload failed: \(error)", isRetryable: true))
        }
    }

    /// Failures where the same lines may go through later: network, throttling, 5xx, and credentials or
    /// permissions, which an operator (or a credential refresh) can fix while skiff runs.
    static func keepsLines(_ error: AWSError) -> Bool {
        if error.isRetryable { return true }
        switch error.code {
        case .networkError, .noCredentials, .credentialsFailed, .invalidConfiguration, .invalidResponse: return true
        default: break
        }
        let recoverable: Set<String> = [
            "AccessDeniedException", "AccessDenied", "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
            "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken",
            "RequestExpired", "ServiceUnavailableException", "OperationAbortedException",
        ]
        return error.awsCode.map(recoverable.contains) ?? false
    }

    /// Creates the stream (and the group, when the stream cannot be created for want of it). Without permission
    /// to create them, assumes an operator did: PutLogEvents then says whether they exist.
    private func ensureStream(_ destination: Destination) async throws {
        do {
            try await self.createStream(destination)
        } catch let error as AWSError where error.awsCode?.hasPrefix("AccessDenied") == true {
            self.logger.warning(
                "no permission to create the CloudWatch log stream; assuming it exists",
                metadata: ["cloudwatch.log_group": "\(destination.group)", "cloudwatch.log_stream": "\(destination.stream)"]
            )
        }
    }

    private func createStream(_ destination: Destination) async throws {
        let created: Bool
        do {
            created = try await destination.client.createLogStream(group: destination.group, stream: destination.stream)
        } catch let error as AWSError where error.awsCode == "ResourceNotFoundException" {
            if try await destination.client.createLogGroup(destination.group) {
                self.logger.info("created CloudWatch log group", metadata: ["cloudwatch.log_group": "\(destination.group)"])
            }
            created = try await destination.client.createLogStream(group: destination.group, stream: destination.stream)
        }
        if created {
            self.logger.info(
                "created CloudWatch log stream",
                metadata: ["cloudwatch.log_group": "\(destination.group)", "cloudwatch.log_stream": "\(destination.stream)"]
            )
        }
    }

    private func recordAccepted(_ count: Int, rejected: Int, session: inout Session, final: Bool) {
        let shipped = count - rejected
        self.shippedCounter.increment(by: Int64(shipped))
        if rejected > 0 { self.rejectedCounter.increment(by: Int64(rejected)) }
        let failures = session.failures
        session.failures = 0
        self.statistics.withLock { stats in
            stats.uploads += 1
            stats.shipped += shipped
            stats.rejected += rejected
            if final { stats.shippedAtShutdown += shipped }
        }
        if rejected > 0 {
            self.logger.warning(
                "CloudWatch refused log lines older than 14 days, past the group's retention or more than 2 hours ahead",
                metadata: ["cloudwatch.rejected": "\(rejected)", "cloudwatch.lines": "\(count)"]
            )
        }
        if failures > 0 {
            self.logger.info(
                "CloudWatch log shipping recovered",
                metadata: ["cloudwatch.failed_attempts": "\(failures)", "cloudwatch.dropped": "\(self.buffer.dropped)"]
            )
        }
    }

    /// Logs the first failure of a run of them and every tenth after, so an outage is visible but not a flood.
    private func recordFailure(_ error: AWSError, session: Session, delay: Duration) {
        self.statistics.withLock { stats in
            stats.uploads += 1
            stats.failedUploads += 1
            stats.lastError = error.message
        }
        let level: Logger.Level = session.failures == 1 || session.failures % 10 == 0 ? .warning : .debug
        self.logger.log(
            level: level,
            "CloudWatch log upload failed; lines kept for the next attempt",
            metadata: [
                "aws.error": "\(error.awsCode ?? error.code.description)", "error": "\(error.message)",
                "cloudwatch.failed_attempts": "\(session.failures)", "cloudwatch.waiting": "\(self.buffer.count)",
                "backoff_ms": "\(Int(delay.seconds * 1000))",
            ]
        )
    }
}
