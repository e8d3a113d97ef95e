/// Cuts log events into PutLogEvents batches that CloudWatch accepts: within the byte, count and 24-hour limits of
/// `CloudWatchLogLimits`, each in chronological order, with oversized messages truncated rather than dropped.
public enum CloudWatchLogBatcher {
    /// The batch at the front of `events`: the longest run, in the order given, that fits every limit once its
    /// messages are truncated, sorted by timestamp (stable, so lines of one millisecond keep their order).
    /// - Returns: the batch and how many events of `events` it covers (at least one unless `events` is empty).
    public static func nextBatch(
        from events: some Sequence<CloudWatchLogEvent>,
        limits: CloudWatchLogLimits = CloudWatchLogLimits()
    ) -> (batch: [CloudWatchLogEvent], consumed: Int) {
        var batch: [CloudWatchLogEvent] = []
        var bytes = 0
        var oldest = Int64.max
        var newest = Int64.min
        var sorted = true
        for original in events {
            var event = original
            if event.message.utf8.count > limits.maxMessageBytes {
                event.message = Self.truncated(event.message, toBytes: limits.maxMessageBytes)
            }
            let size = event.batchBytes
            let low = min(oldest, event.timestamp)
            let high = max(newest, event.timestamp)
            if !batch.isEmpty,
                batch.count >= limits.maxBatchEvents || bytes + size > limits.maxBatchBytes || high - low >= limits.maxBatchSpanMilliseconds
            {
                break
            }
            if let last = batch.last, last.timestamp > event.timestamp { sorted = false }
            batch.append(event)
            bytes += size
            oldest = low
            newest = high
        }
        let consumed = batch.count
        if !sorted {
            batch = batch.enumerated()
                .sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
                .map(\.element)
        }
        return (batch, consumed)
    }

    /// Every batch for `events`, front to back.
    public static func batches(_ events: [CloudWatchLogEvent], limits: CloudWatchLogLimits = CloudWatchLogLimits()) -> [[CloudWatchLogEvent]] {
        var result: [[CloudWatchLogEvent]] = []
        var rest = events[...]
        while !rest.isEmpty {
            let (batch, consumed) = Self.nextBatch(from: rest, limits: limits)
            result.append(batch)
            rest = rest.dropFirst(consumed)
        }
        return result
    }

    /// `message` cut to at most `limit` UTF-8 bytes on a character boundary of the encoding, ending in a marker
    /// that gives the original size, so a reader can tell the line was cut.
    public static func truncated(_ message: String, toBytes limit: Int) -> String {
        let utf8 = message.utf8
        guard utf8.count > limit else { return message }
        let marker = "…[truncated from \(utf8.count) bytes]"
        let keep = max(0, limit - marker.utf8.count)
        var end = utf8.index(utf8.startIndex, offsetBy: keep)
        // Back off to the first byte of a scalar so the result stays valid UTF-8.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self) + marker
    }
}
