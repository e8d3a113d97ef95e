/// One log event as PutLogEvents takes it and GetLogEvents returns it.
public struct CloudWatchLogEvent: Sendable, Equatable, Codable {
    /// Milliseconds since 1970-01-01 00:00:00 UTC.
    public var timestamp: Int64
    /// The text; CloudWatch counts its UTF-8 bytes against the limits.
    public var message: String

    public init(timestamp: Int64, message: String) {
        self.timestamp = timestamp
        self.message = message
    }

    /// Bytes this event counts for in a batch: its message's UTF-8 bytes plus the fixed per-event overhead.
    public var batchBytes: Int { self.message.utf8.count + CloudWatchLogLimits.eventOverhead }
}
