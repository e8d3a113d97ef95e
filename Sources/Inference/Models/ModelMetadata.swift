import Foundation

/// `metadata.json` in a model version directory: what the model is for and how to use its outputs.
/// Written by `scripts/build_default_model.py` and `skiff models pull`.
public struct ModelMetadata: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    /// "embedding", "classification", "nli", "cross-encoder".
    public var task: String
    /// "mean", "cls" or "last", from the sentence-transformers `1_Pooling/config.json`.
    public var pooling: String?
    /// Whether the sentence-transformers pipeline ends with a `Normalize` module.
    public var normalize: Bool?
    public var maxSeqLength: Int?
    public var dimensions: Int?
    public var labels: [String]?
    public var source: String?
    public var outputs: Outputs?
    /// Alternative model files by variant name, e.g. `"int8": "model_int8.onnx"`.
    public var variants: [String: String]?
    public var sha256: [String: String]?
    public var sizes: [String: Int]?

    public struct Outputs: Codable, Sendable, Equatable {
        public var tokenEmbeddings: String?
        public var sentenceEmbedding: String?

        enum CodingKeys: String, CodingKey {
            case tokenEmbeddings = "token_embeddings"
            case sentenceEmbedding = "sentence_embedding"
        }

        public init(tokenEmbeddings: String? = nil, sentenceEmbedding: String? = nil) {
            self.tokenEmbeddings = tokenEmbeddings
            self.sentenceEmbedding = sentenceEmbedding
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, version, task, pooling, normalize, dimensions, labels, source, outputs, variants, sha256, sizes
        case maxSeqLength = "max_seq_length"
    }

    public init(name: String, version: String, task: String) {
        self.name = name
        self.version = version
        self.task = task
    }
}

/// How token vectors become one sentence vector.
public enum Pooling: String, Sendable, Codable {
    case mean, cls, last

    /// Reads sentence-transformers' `1_Pooling/config.json` flags.
    static func fromSentenceTransformers(_ directory: URL) -> Pooling? {
        let file = directory.appendingPathComponent("1_Pooling/config.json")
        guard let data = try? Data(contentsOf: file),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        if object["pooling_mode_cls_token"] as? Bool == true { return .cls }
        if object["pooling_mode_lasttoken"] as? Bool == true { return .last }
        if object["pooling_mode_mean_tokens"] as? Bool == true { return .mean }
        return nil
    }

    /// Whether sentence-transformers' `modules.json` ends the pipeline with a `Normalize` module.
    static func normalizesInSentenceTransformers(_ directory: URL) -> Bool? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("modules.json")),
            let modules = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return nil }
        return modules.contains { ($0["type"] as? String)?.hasSuffix("Normalize") == true }
    }
}
