import Foundation
import Logging

/// A sentence-embedding model: tokenizer, one shared ORT session and a dynamic batcher in front of it.
public final class EmbeddingModel: Sendable {
    public let name: String
    public let version: String
    public let directory: URL
    /// "fp32" or "int8".
    public let variant: String
    public let modelFile: String
    public let modelSHA256: String?
    public let pooling: Pooling
    public let dimensions: Int
    /// Tokens per input, special tokens included (`max_seq_length`).
    public let maxInputLength: Int
    public let tokenizer: WordPieceTokenizer
    let session: Session
    let batcher: DynamicBatcher<Encoding, [Float]>

    /// Loads the session and tokenizer, warms the model with one run, and starts its batcher.
    public static func load(
        location: ModelLocation,
        runtime: OnnxRuntime,
        useInt8: Bool,
        batching: BatchingConfiguration,
        logger: Logger
    ) throws -> EmbeddingModel {
        let metadata = try location.metadata()
        let (modelFile, variant) = location.modelFile(metadata: metadata, useInt8: useInt8, logger: logger)
        let tokenizer = try WordPieceTokenizer(directory: location.directory, maxLength: metadata.maxSeqLength)
        let session = try Session(runtime: runtime, path: location.directory.appendingPathComponent(modelFile).path)
        let pooling = metadata.pooling.flatMap(Pooling.init(rawValue:)) ?? .mean
        return try EmbeddingModel(
            location: location,
            metadata: metadata,
            modelFile: modelFile,
            variant: variant,
            tokenizer: tokenizer,
            session: session,
            pooling: pooling,
            batching: batching
        )
    }

    private init(
        location: ModelLocation,
        metadata: ModelMetadata,
        modelFile: String,
        variant: String,
        tokenizer: WordPieceTokenizer,
        session: Session,
        pooling: Pooling,
        batching: BatchingConfiguration
    ) throws {
        self.name = location.name
        self.version = location.version
        self.directory = location.directory
        self.modelFile = modelFile
        self.variant = variant
        self.modelSHA256 = metadata.sha256?[modelFile]
        self.tokenizer = tokenizer
        self.session = session
        self.pooling = pooling
        self.maxInputLength = tokenizer.maxLength
        let runner = try EmbeddingRunner(session: session, metadata: metadata, pooling: pooling, padID: tokenizer.padID)
        let probe = try runner.run([tokenizer.encode("warm up", truncate: true)])
        self.dimensions = probe.first?.count ?? 0
        self.batcher = DynamicBatcher(name: location.name, configuration: batching, runner: { try runner.run($0) })
    }

    /// Tokenizes `text`; with `truncate` off, an input longer than the model's limit is an error naming both numbers.
    public func encode(_ text: String, truncate: Bool) throws(InferenceError) -> Encoding {
        let encoding = self.tokenizer.encode(text, truncate: truncate)
        if !truncate && encoding.count > self.maxInputLength {
            throw InferenceError(
                .inputTooLong,
                "input has \(encoding.count) tokens; \(self.name) takes at most \(self.maxInputLength) (send truncate: true to cut it)"
            )
        }
        return encoding
    }

    /// Un-normalised sentence vectors for `texts`, in order, and the number of tokens they used.
    public func embed(_ texts: [String], truncate: Bool) async throws -> (vectors: [[Float]], tokens: Int) {
        var encodings: [Encoding] = []
        encodings.reserveCapacity(texts.count)
        for text in texts { encodings.append(try self.encode(text, truncate: truncate)) }
        let vectors = try await self.batcher.submit(encodings)
        return (vectors, encodings.reduce(0) { $0 + $1.count })
    }

    public var batchStatistics: DynamicBatcher<Encoding, [Float]>.Statistics { self.batcher.stats }

    /// Finishes queued work and stops the batcher.
    public func shutdown() async {
        self.batcher.shutdown()
        await self.batcher.waitUntilStopped()
    }
}

extension Encoding: TokenCounted {
    public var tokenCount: Int { self.count }
}

/// Turns a sorted batch of encodings into padded tensors, runs the session, and pools each row.
struct EmbeddingRunner: Sendable {
    let session: Session
    let pooling: Pooling
    let padID: Int64
    let usesTypeIDs: Bool
    /// The graph's own pooled output when it matches the configured pooling (saves copying every token vector).
    let pooledOutput: String?
    let tokenOutput: String

    init(session: Session, metadata: ModelMetadata, pooling: Pooling, padID: Int) throws(InferenceError) {
        self.session = session
        self.pooling = pooling
        self.padID = Int64(padID)
        self.usesTypeIDs = session.inputNames.contains("token_type_ids")
        try EncodedBatch.checkInputs(of: session)
        let sentence = metadata.outputs?.sentenceEmbedding ?? "sentence_embedding"
        self.pooledOutput = pooling == .mean && session.outputNames.contains(sentence) ? sentence : nil
        let token = metadata.outputs?.tokenEmbeddings ?? "last_hidden_state"
        if session.outputNames.contains(token) {
            self.tokenOutput = token
        } else if session.outputNames.contains("token_embeddings") {
            self.tokenOutput = "token_embeddings"
        } else if let first = session.outputNames.first {
            self.tokenOutput = first
        } else {
            throw InferenceError(.invalidModel, "model has no outputs")
        }
    }

    func run(_ batch: [Encoding]) throws -> [[Float]] {
        let tensors = EncodedBatch(batch, padID: self.padID, usesTypeIDs: self.usesTypeIDs)
        let (rows, columns) = (tensors.rows, tensors.columns)
        let output = self.pooledOutput ?? self.tokenOutput
        return try self.session.run(inputs: tensors.inputs, outputs: [output]) { outputs in
            let values = outputs[0]
            if self.pooledOutput != nil {
                guard values.shape.count == 2, values.shape[0] == rows else {
                    throw InferenceError(.invalidModel, "\(output) has shape \(values.shape); expected [\(rows), hidden]")
                }
                let hidden = values.shape[1]
                return (0..<rows).map { Array(values.values[($0 * hidden)..<(($0 + 1) * hidden)]) }
            }
            guard values.shape.count == 3, values.shape[0] == rows, values.shape[1] == columns else {
                throw InferenceError(.invalidModel, "\(output) has shape \(values.shape); expected [\(rows), \(columns), hidden]")
            }
            let hidden = values.shape[2]
            return batch.enumerated().map { row, encoding in
                VectorMath.pool(values.values, row: row, sequence: columns, hidden: hidden, length: encoding.count, pooling: self.pooling)
            }
        }
    }
}
