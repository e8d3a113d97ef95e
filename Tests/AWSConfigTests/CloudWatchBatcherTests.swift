import AWSConfig
import Testing

/// PutLogEvents batches: the documented limits on bytes (message + 26 per event), count and time span, order, and
/// truncation of events too large for one request.
@Suite("CloudWatch batch builder")
struct CloudWatchBatcherTests {
    static let t0: Int64 = 1_795_000_000_000
    static let hour: Int64 = 60 * 60 * 1000

    static func events(_ count: Int, messageBytes: Int, start: Int64 = t0) -> [CloudWatchLogEvent] {
        (0..<count).map { index in
            let label = "event \(index) "
            return CloudWatchLogEvent(
                timestamp: start + Int64(index),
                message: label + String(repeating: "x", count: max(0, messageBytes - label.utf8.count))
            )
        }
    }

    static func bytes(_ batch: [CloudWatchLogEvent]) -> Int { batch.reduce(0) { $0 + $1.message.utf8.count + 26 } }

    @Test func theByteLimitCountsTwentySixBytesPerEvent() {
        // 1,024 events of 998 bytes are 1024 × (998 + 26) = 1,048,576 bytes: exactly one full batch.
        let exact = Self.events(1024, messageBytes: 998)
        #expect(CloudWatchLogBatcher.batches(exact).map(\.count) == [1024])
        #expect(Self.bytes(exact) == 1_048_576)
        // One byte more and the last event needs a batch of its own.
        var over = exact
        over[1023].message += "y"
        #expect(CloudWatchLogBatcher.batches(over).map(\.count) == [1023, 1])
        // Without the overhead 1,050 messages of 998 bytes (1,047,900 bytes) would seem to fit; with it only 1,024 do.
        let batches = CloudWatchLogBatcher.batches(Self.events(1050, messageBytes: 998))
        #expect(batches.map(\.count) == [1024, 26])
        for batch in batches { #expect(Self.bytes(batch) <= 1_048_576) }
    }

    @Test func atMostTenThousandEventsPerBatch() {
        let batches = CloudWatchLogBatcher.batches(Self.events(25_000, messageBytes: 10))
        #expect(batches.map(\.count) == [10_000, 10_000, 5_000])
        #expect(batches.flatMap { $0 } == Self.events(25_000, messageBytes: 10))
    }

    @Test func aBatchSpansLessThanTwentyFourHours() {
        let hour = Self.hour
        let times: [Int64] = [0, hour, 24 * hour - 1, 24 * hour, 30 * hour, 47 * hour, 48 * hour + 5]
        let events = times.enumerated().map { CloudWatchLogEvent(timestamp: Self.t0 + $0.element, message: "at \($0.offset)") }
        let batches = CloudWatchLogBatcher.batches(events)
        #expect(batches.map { $0.map(\.message) } == [["at 0", "at 1", "at 2"], ["at 3", "at 4", "at 5"], ["at 6"]])
        for batch in batches {
            #expect(batch.last!.timestamp - batch.first!.timestamp < 24 * Self.hour)
        }
    }

    @Test func eventsAreSortedByTimestampKeepingTheOrderOfEqualOnes() {
        let input = [(5, "a"), (3, "b"), (5, "c"), (1, "d"), (3, "e"), (5, "f"), (2, "g")]
            .map { CloudWatchLogEvent(timestamp: Self.t0 + Int64($0.0), message: $0.1) }
        let (batch, consumed) = CloudWatchLogBatcher.nextBatch(from: input)
        #expect(consumed == 7)
        #expect(batch.map(\.message) == ["d", "g", "b", "e", "a", "c", "f"])
        #expect(batch.map(\.timestamp) == batch.map(\.timestamp).sorted())
    }

    @Test func theSpanLimitAppliesToTheOldestAndNewestWhateverTheirOrder() {
        // Arrival order is not time order: the run stops where the batch would span 24 hours, then sorts.
        let hour = Self.hour
        let input = [(10 * hour, "a"), (0, "b"), (23 * hour, "c"), (24 * hour, "d"), (hour, "e")]
            .map { CloudWatchLogEvent(timestamp: Self.t0 + $0.0, message: $0.1) }
        let batches = CloudWatchLogBatcher.batches(input)
        #expect(batches.map { $0.map(\.message) } == [["b", "a", "c"], ["e", "d"]])
    }

    @Test func anOversizedEventIsTruncatedNotDropped() throws {
        let limits = CloudWatchLogLimits()
        #expect(limits.maxMessageBytes == 262_118)
        let huge = CloudWatchLogEvent(timestamp: Self.t0, message: "start " + String(repeating: "z", count: 400_000))
        let (batch, consumed) = CloudWatchLogBatcher.nextBatch(from: [huge])
        #expect(consumed == 1)
        let event = try #require(batch.first)
        #expect(event.message.utf8.count <= 262_118)
        #expect(event.message.utf8.count > 262_000)
        #expect(event.message.hasPrefix("start zzz"))
        #expect(event.message.hasSuffix("…[truncated from 400006 bytes]"))
        #expect(event.batchBytes <= limits.maxEventBytes)
    }

    @Test func truncatedEventsCountAtTheirNewSize() {
        // Five 300 KB messages become 262,118 + 26 = 262,144 bytes each: four fill a batch exactly.
        let events = (0..<5).map { CloudWatchLogEvent(timestamp: Self.t0 + Int64($0), message: String(repeating: "q", count: 300_000)) }
        let batches = CloudWatchLogBatcher.batches(events)
        #expect(batches.map(\.count) == [4, 1])
        #expect(Self.bytes(batches[0]) == 1_048_576)
    }

    @Test(arguments: [
        String(repeating: "é", count: 200_000),  // two bytes each
        String(repeating: "東", count: 100_000),  // three
        String(repeating: "🚀", count: 80_000),  // four
        "a" + String(repeating: "🚀", count: 80_000),
    ])
    func truncationEndsOnACharacterBoundary(_ message: String) {
        let limit = 262_118
        let cut = CloudWatchLogBatcher.truncated(message, toBytes: limit)
        #expect(cut.utf8.count <= limit)
        #expect(cut.utf8.count >= limit - 3)
        #expect(!cut.contains("\u{FFFD}"))
        let kept = cut.prefix { $0 != "…" }
        #expect(message.hasPrefix(kept))
        #expect(cut.hasSuffix("bytes]"))
    }

    @Test func shortMessagesAreLeftAlone() {
        #expect(CloudWatchLogBatcher.truncated("hello", toBytes: 5) == "hello")
        #expect(CloudWatchLogBatcher.batches([]).isEmpty)
    }

    @Test func rejectedIndicesAreCounted() {
        typealias Rejected = CloudWatchLogsClient.RejectedEvents
        #expect(Rejected().count(of: 10) == 0)
        #expect(Rejected(tooOldLogEventEndIndex: 2).count(of: 10) == 3)
        #expect(Rejected(tooNewLogEventStartIndex: 8).count(of: 10) == 2)
        #expect(Rejected(tooNewLogEventStartIndex: 8, tooOldLogEventEndIndex: 2, expiredLogEventEndIndex: 4).count(of: 10) == 7)
    }
}
