import Metrics
import Synchronization

/// Accounting per provider and model through swift-metrics (exported by whatever backend the process bootstraps):
/// requests and errors by kind, latency, time to first token, tokens, retries and fallbacks.
public final class GatewayMetrics: Sendable {
    /// Model names with a label of their own. A name gets one when a provider first answers it (or the routes file
    /// names it): clients choose names, and ones no provider knows must not use up the cap; past it, "other".
    private let models = Mutex<Set<String>>([])
    private let maxModelLabels: Int
    private let activeStreams: Meter

    public init(maxModelLabels: Int = 200) {
        self.maxModelLabels = maxModelLabels
        self.activeStreams = Meter(label: "gateway_active_streams")
    }

    /// Gives the routes file's deployment models their labels up front, so their failures show by name from the
    /// first request.
    func admit(_ names: some Sequence<String>) {
        for name in names { _ = self.modelLabel(name, served: true) }
    }

    /// `model`'s label: its name once a provider has served it, "unknown" before (a name nothing serves, or that
    /// only failed so far), "other" past the cap.
    func modelLabel(_ model: String, served: Bool) -> String {
        self.models.withLock { labelled in
            if labelled.contains(model) { return model }
            guard served else { return "unknown" }
            guard labelled.count < self.maxModelLabels else { return "other" }
            labelled.insert(model)
            return model
        }
    }

    /// One finished client request (however many attempts it took): `outcome` is "ok" or the error kind it ended
    /// with; `duration` runs from its arrival, retries and waits included. `served`: the provider answered it (a
    /// stream that broke after its first event included).
    func request(
        provider: String,
        model: String,
        served: Bool,
        outcome: String,
        duration: Duration,
        timeToFirstToken: Duration?,
        usage: TokenUsage?
    ) {
        let model = self.modelLabel(model, served: served)
        let dimensions = [("provider", provider), ("model", model)]
        Counter(label: "gateway_requests_total", dimensions: dimensions + [("outcome", outcome)]).increment()
        Metrics.Timer(label: "gateway_request_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
            .recordNanoseconds(duration.nanoseconds)
        if let timeToFirstToken {
            Metrics.Timer(label: "gateway_time_to_first_token_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
                .recordNanoseconds(timeToFirstToken.nanoseconds)
        }
        if let usage {
            Counter(label: "gateway_tokens_total", dimensions: dimensions + [("type", "prompt")]).increment(by: usage.promptTokens)
            Counter(label: "gateway_tokens_total", dimensions: dimensions + [("type", "completion")]).increment(by: usage.completionTokens)
        }
    }

    /// One failed upstream attempt, retried or not.
    func upstreamError(provider: String, model: String, kind: String) {
        Counter(
            label: "gateway_upstream_errors_total",
            dimensions: [("provider", provider), ("model", self.modelLabel(model, served: false)), ("kind", kind)]
        )
        .increment()
    }

    func retry(provider: String, reason: String) {
        Counter(label: "gateway_retries_total", dimensions: [("provider", provider), ("reason", reason)]).increment()
    }

    func fallback(from provider: String) {
        Counter(label: "gateway_fallbacks_total", dimensions: [("provider", provider)]).increment()
    }

    func streamOpened() { self.activeStreams.increment(by: 1.0) }
    func streamClosed() { self.activeStreams.decrement(by: 1.0) }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Seconds as a double, for log fields.
    public var secondsValue: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
