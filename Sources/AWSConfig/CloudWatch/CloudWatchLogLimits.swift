/// PutLogEvents' documented limits on one request.
///
/// The per-event cap defaults to 256 KiB (message plus overhead), which every partition accepts; AWS's commercial
/// regions have taken events up to 1 MB since April 2025, but the China regions' documentation still says 256 KB.
public struct CloudWatchLogLimits: Sendable, Equatable {
    /// Bytes CloudWatch adds to every event's message when it sizes a batch.
    public static let eventOverhead = 26

    /// Largest batch: the sum of every message's UTF-8 bytes plus `eventOverhead` per event.
    public var maxBatchBytes: Int
    /// Most events in one batch.
    public var maxBatchEvents: Int
    /// The newest and oldest event of a batch must be less than this many milliseconds apart.
    public var maxBatchSpanMilliseconds: Int64
    /// Largest single event, message bytes plus `eventOverhead`; longer messages are truncated to fit.
    public var maxEventBytes: Int

    public init(
        maxBatchBytes: Int = 1_048_576,
        maxBatchEvents: Int = 10_000,
        maxBatchSpanMilliseconds: Int64 = 24 * 60 * 60 * 1000,
        maxEventBytes: Int = 262_144
    ) {
        self.maxBatchBytes = maxBatchBytes
        self.maxBatchEvents = max(1, maxBatchEvents)
        self.maxBatchSpanMilliseconds = max(1, maxBatchSpanMilliseconds)
        self.maxEventBytes = max(Self.eventOverhead + 64, min(maxEventBytes, maxBatchBytes))
    }

    /// The longest message an event may carry: `maxEventBytes` less the overhead (262,118 bytes by default).
    public var maxMessageBytes: Int { self.maxEventBytes - Self.eventOverhead }
}
