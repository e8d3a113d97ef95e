/// The earliest of a set of deadlines, or an instant before it: lowered when a deadline is set, left alone when one
/// moves later or goes away, so keeping it costs O(1) and whoever reads it rescans only once it comes due.
///
/// Shared by `CurlSocketLoop` and its transfers, on the driver thread only.
final class EarliestDeadline {
    private(set) var instant: ContinuousClock.Instant?

    /// A deadline was set (or brought earlier).
    func note(_ deadline: ContinuousClock.Instant) {
        self.instant = min(self.instant ?? deadline, deadline)
    }

    /// Forgets the bound before a rescan notes the deadlines still set.
    func reset() {
        self.instant = nil
    }
}
