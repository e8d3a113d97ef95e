import Foundation

/// What a sequence-classification model's `config.json` says about its outputs: the label of each logit and
/// whether the labels exclude each other.
public struct ClassifierConfiguration: Sendable, Equatable {
    public enum ProblemType: String, Sendable {
        case singleLabel = "single_label_classification"
        case multiLabel = "multi_label_classification"
        case regression
    }

    /// Labels in logit order, from `id2label`.
    public let labels: [String]
    public let problemType: ProblemType
    /// BART-family graphs classify from the hidden state at the end-of-sequence tokens and need the same number of
    /// them in every row, so an input may not carry extra ones of its own.
    public let poolsOnEndOfSequence: Bool

    public init(labels: [String], problemType: ProblemType, poolsOnEndOfSequence: Bool = false) {
        self.labels = labels
        self.problemType = problemType
        self.poolsOnEndOfSequence = poolsOnEndOfSequence
    }

    /// Reads `config.json`; `id2label` must name every index from 0 (`num_labels` alone gives `LABEL_i`).
    public static func load(directory: URL) throws(InferenceError) -> ClassifierConfiguration {
        let file = directory.appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: file),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw InferenceError(.invalidModel, "\(file.path) is missing or not a JSON object")
        }
        var labels: [String]
        if let map = object["id2label"] as? [String: Any], !map.isEmpty {
            labels = []
            for index in 0..<map.count {
                guard let label = map[String(index)] as? String else {
                    throw InferenceError(.invalidModel, "\(file.path): id2label has no entry for \(index) (its keys must be 0..<\(map.count))")
                }
                labels.append(label)
            }
        } else if let count = object["num_labels"] as? Int, count > 0 {
            labels = (0..<count).map { "LABEL_\($0)" }
        } else {
            throw InferenceError(.invalidModel, "\(file.path) has neither id2label nor num_labels")
        }
        var problemType = ProblemType.singleLabel
        if let raw = object["problem_type"] as? String {
            guard let known = ProblemType(rawValue: raw) else {
                throw InferenceError(.invalidModel, "\(file.path): unknown problem_type \"\(raw)\"")
            }
            problemType = known
        }
        let modelType = (object["model_type"] as? String)?.lowercased() ?? ""
        return ClassifierConfiguration(
            labels: labels,
            problemType: problemType,
            poolsOnEndOfSequence: ["bart", "mbart", "plbart"].contains(modelType)
        )
    }

    /// Index of the label whose lower-cased name starts with `prefix` ("entail", "contra"), as the transformers
    /// zero-shot pipeline finds them.
    public func index(ofLabelStartingWith prefix: String) -> Int? {
        self.labels.firstIndex { $0.lowercased().hasPrefix(prefix) }
    }

    /// Scores from logits: sigmoid for multi-label models and single-logit models (cross-encoders), softmax otherwise.
    public func scores(_ logits: [Float]) -> [Float] {
        if self.problemType == .multiLabel || logits.count == 1 { return logits.map(Activation.sigmoid) }
        return Activation.softmax(logits)
    }
}
