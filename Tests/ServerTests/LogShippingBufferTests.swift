import AWSConfig
import Foundation
import HTTPClient
import Logging
import TestSupport
import Testing

@testable import Server

/// The buffer between the log handler and the CloudWatch shipper, the `CLOUDWATCH_*` settings and stream naming.
@Suite("CloudWatch log buffer and settings")
struct LogShippingBufferTests {
    static func fill(_ buffer: LogShippingBuffer, _ range: Range<Int>) {
        for index in range { buffer.append("line \(index)\n", timestamp: 1_795_000_000_000 + Int64(index)) }
    }

    static func waiting(_ buffer: LogShippingBuffer) -> [String] {
        buffer.beginUpload(limits: CloudWatchLogLimits()).map(\.line)
    }

    @Test func aFullBufferDropsTheOldestFirstAndCountsThem() {
        let buffer = LogShippingBuffer(capacity: 5)
        Self.fill(buffer, 0..<8)
        #expect(buffer.count == 5)
        #expect(buffer.dropped == 3)
        #expect(Self.waiting(buffer) == (3..<8).map { "line \($0)\n" })
    }

    @Test func linesStayUntilTheirUploadSucceeds() {
        let buffer = LogShippingBuffer(capacity: 10)
        Self.fill(buffer, 0..<4)
        let first = buffer.beginUpload(limits: CloudWatchLogLimits())
        #expect(first.count == 4)
        buffer.endUpload(sentThrough: nil)  // failed: all four stay
        #expect(buffer.count == 4)
        let again = buffer.beginUpload(limits: CloudWatchLogLimits())
        #expect(again.map(\.sequence) == first.map(\.sequence))
        buffer.endUpload(sentThrough: again[1].sequence)  // the first two went out
        #expect(Self.waiting(buffer) == ["line 2\n", "line 3\n"])
    }

    @Test func linesPushedOutDuringASuccessfulUploadAreNotCountedAsDropped() {
        let buffer = LogShippingBuffer(capacity: 3)
        Self.fill(buffer, 0..<3)
        let upload = buffer.beginUpload(limits: CloudWatchLogLimits())
        Self.fill(buffer, 3..<5)  // pushes out lines 0 and 1, which are on their way
        #expect(buffer.dropped == 0)
        #expect(buffer.endUpload(sentThrough: upload.last!.sequence) == 0)
        #expect(buffer.dropped == 0)
        #expect(Self.waiting(buffer) == ["line 3\n", "line 4\n"])
    }

    @Test func linesPushedOutDuringAFailedUploadAreDropped() {
        let buffer = LogShippingBuffer(capacity: 3)
        Self.fill(buffer, 0..<3)
        let upload = buffer.beginUpload(limits: CloudWatchLogLimits())
        Self.fill(buffer, 3..<5)
        #expect(buffer.endUpload(sentThrough: nil) == 2)
        #expect(buffer.dropped == 2)
        // Of an upload that sent only line 0, line 1 (pushed out, not sent) is lost.
        let second = LogShippingBuffer(capacity: 3)
        Self.fill(second, 0..<3)
        let partial = second.beginUpload(limits: CloudWatchLogLimits())
        Self.fill(second, 3..<5)
        #expect(second.endUpload(sentThrough: partial[0].sequence) == 1)
        #expect(Self.waiting(second) == ["line 2\n", "line 3\n", "line 4\n"])
        #expect(upload.count == 3)
    }

    @Test func anUploadTakesNoMoreThanOneBatch() {
        let buffer = LogShippingBuffer(capacity: 30_000)
        Self.fill(buffer, 0..<25_000)
        #expect(buffer.beginUpload(limits: CloudWatchLogLimits()).count == 10_000)
        buffer.endUpload(sentThrough: nil)
        let big = LogShippingBuffer(capacity: 100)
        for index in 0..<10 { big.append(String(repeating: "b", count: 300_000) + "\n", timestamp: Int64(index)) }
        // Each line is cut to 262,118 bytes: four fill a request.
        #expect(big.beginUpload(limits: CloudWatchLogLimits()).count == 4)
    }

    @Test func theShipperIsWokenOnceWhenTheThresholdIsReached() async {
        let buffer = LogShippingBuffer(capacity: 100, wakeThreshold: 10)
        Self.fill(buffer, 0..<9)
        buffer.finishWakes()
        var iterator = buffer.wakes.makeAsyncIterator()
        #expect(await iterator.next() == nil)  // nine lines: no wake

        let woken = LogShippingBuffer(capacity: 100, wakeThreshold: 10)
        Self.fill(woken, 0..<25)
        woken.finishWakes()
        var wakes = 0
        for await _ in woken.wakes { wakes += 1 }
        #expect(wakes == 1)
    }

    @Test func aClosedBufferTakesNoMoreLines() {
        let buffer = LogShippingBuffer(capacity: 10)
        Self.fill(buffer, 0..<3)
        #expect(buffer.close().map(\.line) == ["line 0\n", "line 1\n", "line 2\n"])
        Self.fill(buffer, 3..<5)
        #expect(buffer.count == 0)
    }

    @Test func theBootBacklogMovesToTheShipperAndForwardsLaterLines() {
        let backlog = LogShippingBuffer(capacity: 2)
        Self.fill(backlog, 0..<3)  // line 0 pushed out
        let shipper = LogShippingBuffer(capacity: 10)
        backlog.forward(to: shipper)
        Self.fill(backlog, 3..<4)  // a handler that still held the backlog
        #expect(Self.waiting(shipper) == ["line 1\n", "line 2\n", "line 3\n"])
        #expect(shipper.dropped == 1)
    }

    @Test func jsonLogHandlerLinesReachTheAttachedBuffer() throws {
        let buffer = LogShippingBuffer(capacity: 1000)
        LogShipping.attach(buffer)
        let marker = "tee-\(UUID().uuidString)"
        let logger = Logger(label: "skiff-test") { JSONLogHandler(label: $0) }
        logger.info("\(marker)", metadata: ["extra": "1"])
        LogShipping.detach(buffer)
        logger.info("after detach \(marker)")
        let entries = buffer.beginUpload(limits: CloudWatchLogLimits()).filter { $0.line.contains(marker) }
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.line.hasSuffix("}\n"))
        let event = CloudWatchLogShipper.event(entry)
        #expect(!event.message.hasSuffix("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(event.message.utf8)) as? [String: Any])
        #expect(object["message"] as? String == marker)
        // The event's timestamp is the line's own time, to the millisecond.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let time = try #require((object["time"] as? String).flatMap(formatter.date(from:)))
        #expect(Int64((time.timeIntervalSince1970 * 1000).rounded()) == event.timestamp)
    }

    // MARK: Settings

    @Test func unsetGroupMeansNoShipping() throws {
        #expect(try CloudWatchSettings.from(environment: [:]) == nil)
        #expect(try CloudWatchSettings.from(environment: ["CLOUDWATCH_LOG_GROUP": "  ", "CLOUDWATCH_LOG_STREAM": "x"]) == nil)
        #expect(try Settings.from(environment: [:]).cloudWatch == nil)
    }

    @Test func defaultsAndOverrides() throws {
        let defaults = try #require(try CloudWatchSettings.from(environment: ["CLOUDWATCH_LOG_GROUP": "/skiff/production"]))
        #expect(defaults == CloudWatchSettings(logGroup: "/skiff/production"))
        #expect(defaults.logStream == nil)
        #expect(defaults.flushInterval == .seconds(5))
        #expect(defaults.bufferEvents == 10_000)
        let set = try Settings.from(environment: [
            "CLOUDWATCH_LOG_GROUP": "/skiff/production", "CLOUDWATCH_LOG_STREAM": "web-1", "CLOUDWATCH_FLUSH_SECONDS": "0.5",
            "CLOUDWATCH_BUFFER_EVENTS": "500",
        ])
        #expect(
            set.cloudWatch
                == CloudWatchSettings(logGroup: "/skiff/production", logStream: "web-1", flushInterval: .milliseconds(500), bufferEvents: 500)
        )
    }

    @Test(arguments: [
        ("CLOUDWATCH_LOG_GROUP", "has spaces"),
        ("CLOUDWATCH_LOG_GROUP", String(repeating: "g", count: 513)),
        ("CLOUDWATCH_LOG_STREAM", "host:1"),
        ("CLOUDWATCH_LOG_STREAM", "all*"),
        ("CLOUDWATCH_FLUSH_SECONDS", "soon"),
        ("CLOUDWATCH_FLUSH_SECONDS", "0"),
        ("CLOUDWATCH_BUFFER_EVENTS", "lots"),
        ("CLOUDWATCH_BUFFER_EVENTS", "1"),
    ])
    func aBadValueNamesItsVariable(variable: String, value: String) {
        var environment = ["CLOUDWATCH_LOG_GROUP": "/skiff/production"]
        environment[variable] = value
        #expect(throws: SettingsError.self) { try CloudWatchSettings.from(environment: environment) }
        do {
            _ = try Settings.from(environment: environment)
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.variable == variable)
        }
    }

    // MARK: The shipper without AWS

    @Test func withoutARegionShippingStopsWithOneClearErrorAndTakesNoLines() async throws {
        let capture = LogCapture()
        let shipper = CloudWatchLogShipper(
            configuration: .init(logGroup: "/skiff/test", logStream: "s"),
            environment: [
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-shown-anywhere", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            ],
            http: HTTPClient(),
            logger: capture.logger,
            attachesToLogHandler: false
        )
        shipper.buffer.append("early line\n", timestamp: 0)
        await shipper.run()  // returns by itself: nothing to wait for
        #expect(capture.text.contains("CloudWatch log shipping is off"))
        #expect(capture.text.contains("AWS_REGION"))
        #expect(!capture.text.contains("not-shown-anywhere"))
        shipper.buffer.append("later line\n", timestamp: 0)
        #expect(shipper.buffer.count == 0)
    }

    @Test(arguments: [
        (AWSError(.networkError, "refused", isRetryable: true), true),
        (AWSError(.serviceError, "slow down", awsCode: "ThrottlingException", status: 400, isRetryable: true), true),
        (AWSError(.serviceError, "oops", awsCode: "ServiceUnavailableException", status: 503, isRetryable: true), true),
        (AWSError(.serviceError, "denied", awsCode: "AccessDeniedException", status: 400), true),
        (AWSError(.serviceError, "bad signature", awsCode: "SignatureDoesNotMatch", status: 403), true),
        (AWSError(.serviceError, "expired", awsCode: "ExpiredTokenException", status: 400), true),
        (AWSError(.noCredentials, "none"), true),
        (AWSError(.serviceError, "bad batch", awsCode: "InvalidParameterException", status: 400), false),
        (AWSError(.serviceError, "too big", status: 413), false),
    ])
    func whichFailuresKeepTheirLines(error: AWSError, keeps: Bool) {
        #expect(CloudWatchLogShipper.keepsLines(error) == keeps)
    }

    // MARK: Stream names

    @Test func theConfiguredStreamNameWins() async {
        #expect(await CloudWatchLogShipper.streamName(configured: "web-1", metadata: nil) == "web-1")
    }

    @Test func theStreamIsNamedAfterTheInstanceIDFromIMDSv2() async throws {
        let imds = try await MetadataStub.start("imds", keys: [("AKIDEXAMPLE", "secret", "token")])
        defer { imds.stop() }
        let metadata = InstanceMetadataClient.fromEnvironment(["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.string("endpoint")], http: HTTPClient())
        #expect(await CloudWatchLogShipper.streamName(configured: nil, metadata: metadata) == "i-0123456789abcdef0")
        let stats = try await MetadataStub.stats(imds)
        #expect(stats["token_puts"] == 1)
        #expect(stats["rejected_without_token"] == 0)
    }

    @Test func withoutInstanceMetadataTheHostNameIsUsed() async throws {
        let metadata = InstanceMetadataClient.fromEnvironment(["AWS_EC2_METADATA_DISABLED": "true"], http: HTTPClient())
        #expect(metadata == nil)
        let name = await CloudWatchLogShipper.streamName(configured: nil, metadata: metadata)
        #expect(name == CloudWatchLogShipper.sanitized(CloudWatchLogShipper.hostName()))
        #expect(!name.isEmpty)
        #expect(CloudWatchLogShipper.sanitized("a:b*c") == "a_b_c")
        #expect(CloudWatchLogShipper.sanitized("") == "skiff")
    }
}
