/// The jobs a configured model can have, each selected by the environment variable our users' deployments
/// already use.
public enum ModelRole: String, CaseIterable, Sendable, Hashable {
    case embedding
    /// The zero-shot NLI model that decides `/classify` (and the cascade's second stage).
    case classifier
    /// The cascade's first, cheaper NLI model.
    case fastClassifier = "fast_classifier"
    /// Scores (query, text) pairs for `/rerank` and the `/similarity` band.
    case crossEncoder = "cross_encoder"
    case toxicity

    public var variable: String {
        switch self {
        case .embedding: "EMBEDDING_MODEL"
        case .classifier: "CLASSIFIER_MODEL"
        case .fastClassifier: "FAST_CLASSIFIER_MODEL"
        case .crossEncoder: "CROSS_ENCODER_MODEL"
        case .toxicity: "TOXICITY_MODEL"
        }
    }

    /// An ONNX export that works in this role, for error messages that tell the operator how to fix a gap.
    public var example: String {
        switch self {
        case .embedding: "sentence-transformers/all-MiniLM-L6-v2"
        case .classifier: "Xenova/distilbert-base-uncased-mnli"
        case .fastClassifier: "Xenova/distilbert-base-uncased-mnli"
        case .crossEncoder: "cross-encoder/ms-marco-MiniLM-L-6-v2"
        case .toxicity: "Xenova/toxic-bert"
        }
    }

    /// What to run to give this role a model: pull one, then name it in the variable.
    public var remedy: String {
        let name = self.example.split(separator: "/").last.map(String.init) ?? self.example
        return "run `skiff models pull \(self.example)` and set \(self.variable)=\(name)"
    }

    public init?(variable: String) {
        guard let role = Self.allCases.first(where: { $0.variable == variable }) else { return nil }
        self = role
    }
}
