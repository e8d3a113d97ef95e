/// One text's zero-shot answer: labels sorted by score, and what decided.
public struct ZeroShotResult: Sendable {
    public enum Method: String, Sendable {
        /// Premise/hypothesis pairs through an NLI model.
        case nli
        /// Cosine between the text and each label's description.
        case embedding
    }

    /// What the cascade did for this text.
    public struct Cascade: Sendable {
        public let fastModel: String
        public let fastTopLabel: String?
        public let fastTopScore: Float?
        public let threshold: Double
        /// Whether `CLASSIFIER_MODEL` decided.
        public let escalated: Bool
        /// Why the fast model did not answer, when it could not.
        public let fastUnavailable: String?
    }

    public let sequence: String
    public let labels: [String]
    public let scores: [Float]
    /// Entailment logits (NLI) or cosines (embedding), in `labels` order.
    public let rawScores: [Float]
    public let model: String
    public let method: Method
    public let multiLabel: Bool
    public var cascade: Cascade?

    /// Sorts labels by score, highest first; equal scores keep the request's order.
    init(sequence: String, labels: [String], scores: [Float], raw: [Float], model: String, method: Method, multiLabel: Bool) {
        let order = labels.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        self.sequence = sequence
        self.labels = order.map { labels[$0] }
        self.scores = order.map { scores[$0] }
        self.rawScores = order.map { raw[$0] }
        self.model = model
        self.method = method
        self.multiLabel = multiLabel
    }

    public var topLabel: String? { self.labels.first }
    public var topScore: Float? { self.scores.first }
}
