import Synchronization

/// One token bucket per caller: `burst` tokens, refilled at `perMinute` a minute. Buckets that have refilled
/// completely carry no information and are dropped when the table grows, so memory stays bounded.
final class TokenBucketLimiter: Sendable {
    struct Decision: Sendable, Equatable {
        let allowed: Bool
        /// Whole tokens left after this request.
        let remaining: Int
        /// Seconds until the bucket is full again (`X-RateLimit-Reset`).
        let resetSeconds: Int
        /// Seconds until the next token when refused (`Retry-After`).
        let retryAfterSeconds: Int
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let perMinute: Int
    let burst: Int
    private let buckets = Mutex<[String: Bucket]>([:])
    private let maxCallers: Int

    /// What time it is; tests pass a fixed clock.
    private let clock: @Sendable () -> ContinuousClock.Instant

    init(perMinute: Int, burst: Int, maxCallers: Int = 100_000, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.perMinute = perMinute
        self.burst = burst
        self.maxCallers = maxCallers
        self.clock = clock
    }

    func take(_ caller: String) -> Decision {
        self.take(caller, now: self.clock())
    }

    func take(_ caller: String, now: ContinuousClock.Instant) -> Decision {
        let rate = Double(self.perMinute) / 60
        let capacity = Double(self.burst)
        return self.buckets.withLock { buckets in
            var bucket = buckets[caller] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Self.seconds(now - bucket.updated)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets.count >= self.maxCallers && buckets[caller] == nil { Self.prune(&buckets, now: now, rate: rate, capacity: capacity) }
            buckets[caller] = bucket
            return Decision(
                allowed: allowed,
                remaining: Int(bucket.tokens),
                resetSeconds: Int(((capacity - bucket.tokens) / rate).rounded(.up)),
                retryAfterSeconds: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
            )
        }
    }

    /// Drops buckets that are full by now (an absent bucket is a full one).
    private static func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant, rate: Double, capacity: Double) {
        buckets = buckets.filter { $0.value.tokens + Self.seconds(now - $0.value.updated) * rate < capacity }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    var callers: Int { self.buckets.withLock { $0.count } }
}
