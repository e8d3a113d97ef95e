/// Cross-encoder relevance of (query, text) pairs: `/rerank`, and the `/similarity` band where the bi-encoder is
/// unsure.
public struct Reranker: Sendable {
    /// One text's relevance: a probability (sigmoid of the single logit) and the logit itself.
    public struct Score: Sendable, Equatable {
        public let index: Int
        public let score: Float
        public let logit: Float
    }

    public let registry: ModelRegistry

    public init(registry: ModelRegistry) {
        self.registry = registry
    }

    public var model: ClassifierModel {
        get throws(InferenceError) { try self.registry.classifier(.crossEncoder) }
    }

    /// Scores in the order of `texts`. A two-label model's relevance is its second label's softmax probability.
    public func scores(query: String, texts: [String], truncate: Bool = true) async throws -> [Score] {
        let model = try self.model
        let logits = try await model.logits(pairs: texts.map { (query, $0) }, truncate: truncate)
        return logits.enumerated().map { index, logits in
            Score(index: index, score: model.configuration.scores(logits).last ?? 0, logit: logits.last ?? 0)
        }
    }

    /// Scores sorted by relevance, highest first, cut to `top` when given.
    public func rerank(query: String, texts: [String], top: Int? = nil, truncate: Bool = true) async throws -> [Score] {
        let sorted = try await self.scores(query: query, texts: texts, truncate: truncate).sorted {
            $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index)
        }
        return top.map { Array(sorted.prefix($0)) } ?? sorted
    }
}
