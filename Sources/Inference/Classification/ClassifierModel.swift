import Foundation
import Logging

/// A BERT-, RoBERTa- or BART-family sequence classifier (`input_ids`, `attention_mask`, optional `token_type_ids`
/// → `logits`): NLI models, cross-encoders and label classifiers such as toxicity models. The tokenizer is the one
/// tokenizer.json names (WordPiece or byte-level BPE). One shared session behind a dynamic batcher, like
/// `EmbeddingModel`.
public final class ClassifierModel: Sendable {
    public let name: String
    public let version: String
    /// "fp32" or "int8".
    public let variant: String
    public let configuration: ClassifierConfiguration
    /// Tokens per input (both texts of a pair together), special tokens included.
    public let maxInputLength: Int
    public let tokenizer: any Tokenizer
    /// The end-of-sequence id and how many of them the template itself puts in a single input and in a pair, for
    /// models that pool on them (nil otherwise).
    private let endOfSequence: (id: Int32, single: Int, pair: Int)?
    let batcher: DynamicBatcher<Encoding, [Float]>

    public var labels: [String] { self.configuration.labels }

    public static func load(
        location: ModelLocation,
        runtime: OnnxRuntime,
        useInt8: Bool,
        batching: BatchingConfiguration,
        logger: Logger
    ) throws -> ClassifierModel {
        let metadata = try location.metadata()
        let configuration = try ClassifierConfiguration.load(directory: location.directory)
        let (modelFile, variant) = location.modelFile(metadata: metadata, useInt8: useInt8, logger: logger)
        let tokenizer = try AutoTokenizer.load(directory: location.directory, maxLength: metadata.maxSeqLength)
        let session = try Session(runtime: runtime, path: location.directory.appendingPathComponent(modelFile).path)
        let runner = try ClassifierRunner(session: session, padID: tokenizer.padID, labelCount: configuration.labels.count)
        _ = try runner.run([tokenizer.encodePair("warm up", "warm up", truncate: true, addSpecialTokens: true)])
        return ClassifierModel(
            location: location,
            variant: variant,
            configuration: configuration,
            tokenizer: tokenizer,
            batcher: DynamicBatcher(name: location.name, configuration: batching, runner: { try runner.run($0) })
        )
    }

    private init(
        location: ModelLocation,
        variant: String,
        configuration: ClassifierConfiguration,
        tokenizer: any Tokenizer,
        batcher: DynamicBatcher<Encoding, [Float]>
    ) {
        self.name = location.name
        self.version = location.version
        self.variant = variant
        self.configuration = configuration
        self.tokenizer = tokenizer
        self.maxInputLength = tokenizer.maxLength
        self.endOfSequence = Self.endOfSequence(configuration, tokenizer)
        self.batcher = batcher
    }

    /// Logits of each text, in label order.
    public func logits(_ texts: [String], truncate: Bool = true) async throws -> [[Float]] {
        try await self.batcher.submit(
            try texts.map { try self.checked(self.tokenizer.encode($0, truncate: truncate, addSpecialTokens: true), truncate: truncate) }
        )
    }

    /// Logits of each (first, second) pair, encoded as one input (BERT: segment ids 0 and 1; RoBERTa, BART: all 0).
    public func logits(pairs: [(String, String)], truncate: Bool = true) async throws -> [[Float]] {
        try await self.batcher.submit(
            try pairs.map {
                try self.checked(self.tokenizer.encodePair($0.0, $0.1, truncate: truncate, addSpecialTokens: true), truncate: truncate, pair: true)
            }
        )
    }

    private static func endOfSequence(_ configuration: ClassifierConfiguration, _ tokenizer: any Tokenizer) -> (id: Int32, single: Int, pair: Int)? {
        guard configuration.poolsOnEndOfSequence, let id = tokenizer.encode("", truncate: true, addSpecialTokens: true).ids.last else {
            return nil
        }
        let count = { (encoding: Encoding) in encoding.ids.count { $0 == id } }
        return (
            id, count(tokenizer.encode("", truncate: true, addSpecialTokens: true)),
            count(tokenizer.encodePair("", "", truncate: true, addSpecialTokens: true))
        )
    }

    private func checked(_ encoding: Encoding, truncate: Bool, pair: Bool = false) throws(InferenceError) -> Encoding {
        if let end = self.endOfSequence, encoding.ids.count(where: { $0 == end.id }) > (pair ? end.pair : end.single) {
            throw InferenceError(
                .invalidInput,
                "the text contains the end-of-sequence token \(encoding.tokens[encoding.ids.lastIndex(of: end.id) ?? 0]), which \(self.name) would read as the end of a sentence; remove it"
            )
        }
        if !truncate && encoding.count > self.maxInputLength {
            throw InferenceError(
                .inputTooLong,
                "input has \(encoding.count) tokens; \(self.name) takes at most \(self.maxInputLength) (send truncate: true to cut it)"
            )
        }
        return encoding
    }

    public var batchStatistics: DynamicBatcher<Encoding, [Float]>.Statistics { self.batcher.stats }

    /// Finishes queued work and stops the batcher.
    public func shutdown() async {
        self.batcher.shutdown()
        await self.batcher.waitUntilStopped()
    }
}

/// Runs a sorted batch of encodings and copies out each row's logits.
struct ClassifierRunner: Sendable {
    let session: Session
    let padID: Int64
    let usesTypeIDs: Bool
    let labelCount: Int
    let output: String

    init(session: Session, padID: Int, labelCount: Int) throws(InferenceError) {
        try EncodedBatch.checkInputs(of: session)
        guard let output = session.outputNames.first(where: { $0 == "logits" }) ?? session.outputNames.first else {
            throw InferenceError(.invalidModel, "model has no outputs")
        }
        self.session = session
        self.padID = Int64(padID)
        self.usesTypeIDs = session.inputNames.contains("token_type_ids")
        self.labelCount = labelCount
        self.output = output
    }

    func run(_ batch: [Encoding]) throws -> [[Float]] {
        let tensors = EncodedBatch(batch, padID: self.padID, usesTypeIDs: self.usesTypeIDs)
        return try self.session.run(inputs: tensors.inputs, outputs: [self.output]) { outputs in
            let values = outputs[0]
            guard values.shape.count == 2, values.shape[0] == tensors.rows, values.shape[1] == self.labelCount else {
                throw InferenceError(
                    .invalidModel,
                    "\(self.output) has shape \(values.shape); expected [\(tensors.rows), \(self.labelCount)] (one logit per id2label entry)"
                )
            }
            return (0..<tensors.rows).map { Array(values.values[($0 * self.labelCount)..<(($0 + 1) * self.labelCount)]) }
        }
    }
}
