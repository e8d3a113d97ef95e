import HTTPTypes

/// `PREDICTION_TIMEOUT` for model endpoints: the model work races a timer; when the timer wins, the work is
/// cancelled (the batcher answers a cancelled caller at once and drops its items) and the client gets 504.
enum PredictionTimeout {
    static func run<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw APIError(
                    .gatewayTimeout,
                    type: "prediction_timeout",
                    message: "the model did not answer within \(Self.describe(limit)) (PREDICTION_TIMEOUT)"
                )
            }
            return result
        }
    }

    static func describe(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
