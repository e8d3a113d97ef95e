/// `/toxicity`: per-label scores from `TOXICITY_MODEL` (sigmoid for multi-label models such as Detoxify's, softmax
/// for single-label ones) and a verdict against the threshold.
public struct ToxicityClassifier: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// `TOXICITY_THRESHOLD`: a non-neutral label at or above it makes a text toxic.
        public var threshold: Float
        /// `TOXICITY_NEUTRAL_LABELS`: labels that mean "not toxic" in single-label models, compared lower-cased.
        public var neutralLabels: Set<String>

        public init(threshold: Float = 0.5, neutralLabels: Set<String> = ["non-toxic", "non_toxic", "nontoxic", "not_toxic", "neutral", "normal"]) {
            self.threshold = threshold
            self.neutralLabels = neutralLabels
        }
    }

    public struct Result: Sendable {
        public let sequence: String
        public let model: String
        /// In the model's label order.
        public let labels: [String]
        public let scores: [Float]
        public let logits: [Float]
        /// Non-neutral labels at or above the threshold, highest first.
        public let flagged: [String]
        /// The highest-scoring non-neutral label: what the risk formula reads.
        public let topLabel: String
        public let topScore: Float
        public let threshold: Float

        public var isToxic: Bool { !self.flagged.isEmpty }
    }

    public let registry: ModelRegistry
    public let configuration: Configuration

    public init(registry: ModelRegistry, configuration: Configuration) {
        self.registry = registry
        self.configuration = configuration
    }

    public func classify(_ texts: [String], threshold: Float? = nil) async throws -> [Result] {
        let model = try self.registry.classifier(.toxicity)
        let threshold = threshold ?? self.configuration.threshold
        let candidates = model.labels.indices.filter { !self.configuration.neutralLabels.contains(model.labels[$0].lowercased()) }
        let logits = try await model.logits(texts)
        return zip(texts, logits).map { text, logits in
            let scores = model.configuration.scores(logits)
            let ranked = candidates.sorted { scores[$0] > scores[$1] }
            let top = ranked.first ?? 0
            return Result(
                sequence: text,
                model: model.name,
                labels: model.labels,
                scores: scores,
                logits: logits,
                flagged: ranked.filter { scores[$0] >= threshold }.map { model.labels[$0] },
                topLabel: model.labels[top],
                topScore: ranked.isEmpty ? 0 : scores[top],
                threshold: threshold
            )
        }
    }
}
