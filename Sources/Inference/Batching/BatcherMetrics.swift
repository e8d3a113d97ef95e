import Metrics

/// A model's swift-metrics: `ml_predictions_total{model,status}`, `ml_prediction_duration_seconds{model}` (request
/// to answer, queueing included), `ml_batch_size{model}` (inputs per model run) and `ml_queue_depth{model}`.
struct BatcherMetrics: Sendable {
    let model: String
    let duration: Timer
    let batchSize: Recorder
    let depth: Gauge

    init(model: String) {
        self.model = model
        self.duration = Timer(label: "ml_prediction_duration_seconds", dimensions: [("model", model)], preferredDisplayUnit: .seconds)
        self.batchSize = Recorder(label: "ml_batch_size", dimensions: [("model", model)], aggregate: true)
        self.depth = Gauge(label: "ml_queue_depth", dimensions: [("model", model)])
    }

    func prediction(_ status: String, since started: ContinuousClock.Instant) {
        Counter(label: "ml_predictions_total", dimensions: [("model", self.model), ("status", status)]).increment()
        self.duration.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
    }

    func batch(size: Int) { self.batchSize.record(size) }

    func queueDepth(_ depth: Int) { self.depth.record(depth) }

    /// The bounded set of outcomes: ok, cancelled (timeout or client gone), overloaded, shutting_down, error.
    static func status(of error: any Error) -> String {
        if error is CancellationError { return "cancelled" }
        guard let error = error as? InferenceError else { return "error" }
        switch error.code {
        case .overloaded: return "overloaded"
        case .shuttingDown: return "shutting_down"
        case .inputTooLong, .invalidInput: return "invalid_input"
        default: return "error"
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
