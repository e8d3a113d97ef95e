import Foundation
import Hummingbird
import Inference

/// The text-embeddings-inference–shaped routes (`/embed`, `/tokenize`, `/info`) plus `/similarity`,
/// all on the registry's embedding model. Validation happens here; the model work in `Inference`.
struct EmbeddingRoutes: Sendable {
    let registry: ModelRegistry
    let settings: Settings

    struct EmbedRequest: Decodable {
        let inputs: TextList
        let normalize: Bool?
        let truncate: Bool?
    }

    struct SimilarityRequest: Decodable {
        let text_a: String?
        let text_b: String?
        let source: String?
        let candidates: [String]?
        let truncate: Bool?
    }

    struct TokenizeRequest: Decodable {
        let inputs: TextList
        let add_special_tokens: Bool?
    }

    func register(on router: Router<some RequestContext>) {
        router.post("/embed") { request, context in try await self.embed(request, context: context) }
        router.post("/similarity") { request, context in try await self.similarity(request, context: context) }
        router.post("/tokenize") { request, context in try await self.tokenize(request, context: context) }
        router.get("/info") { _, _ in try self.info() }
    }

    /// Runs the model, giving inference failures their HTTP face in the caller's dialect.
    static func embed(
        _ texts: [String],
        with model: EmbeddingModel,
        truncate: Bool,
        dialect: JSONRequest.Dialect,
        timeout: Duration
    ) async throws -> (vectors: [[Float]], tokens: Int) {
        do {
            return try await PredictionTimeout.run(timeout) { try await model.embed(texts, truncate: truncate) }
        } catch let error as InferenceError {
            throw APIError(error, dialect: dialect)
        }
    }

    var timeout: Duration { self.settings.frontDoor.predictionTimeout }

    func model() throws -> EmbeddingModel {
        do {
            return try self.registry.embedding()
        } catch {
            throw APIError(error, dialect: .native)
        }
    }

    /// Checks a list of texts against the client batch limit; empty lists and empty texts are refused.
    func validate(_ texts: [String], field: String, dialect: JSONRequest.Dialect) throws {
        guard !texts.isEmpty else {
            throw APIError(dialect.validationStatus, type: dialect.validationType, message: "`\(field)` cannot be empty")
        }
        guard texts.count <= self.settings.maxClientBatchSize else {
            throw APIError(
                dialect == .native ? .contentTooLarge : .badRequest,
                type: dialect == .native ? "batch_too_large" : "invalid_request_error",
                message: "`\(field)` has \(texts.count) items; at most \(self.settings.maxClientBatchSize) per request (MAX_CLIENT_BATCH_SIZE)"
            )
        }
        if let index = texts.firstIndex(where: { $0.isEmpty }) {
            let suffix = texts.count > 1 ? "[\(index)]" : ""
            throw APIError(dialect.validationStatus, type: dialect.validationType, message: "`\(field)\(suffix)` is an empty string")
        }
    }

    func embed(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await JSONRequest.decode(
            EmbedRequest.self,
            from: request,
            context: context,
            limit: self.settings.maxRequestBytes,
            dialect: .native
        )
        let texts = body.inputs.texts
        try self.validate(texts, field: "inputs", dialect: .native)
        let model = try self.model()
        context.annotate(model: model.name)
        let vectors = try await Self.embed(texts, with: model, truncate: body.truncate ?? true, dialect: .native, timeout: self.timeout).vectors
        let normalize = body.normalize ?? true
        var output = JSONOutput(capacity: vectors.count * model.dimensions * 12 + 16)
        output.raw("[")
        for (index, vector) in vectors.enumerated() {
            if index > 0 { output.raw(",") }
            output.floats(normalize ? VectorMath.normalized(vector) : vector)
        }
        output.raw("]")
        return output.response()
    }

    func similarity(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await JSONRequest.decode(
            SimilarityRequest.self,
            from: request,
            context: context,
            limit: self.settings.maxRequestBytes,
            dialect: .native
        )
        let threshold = self.settings.similarityThreshold
        let texts: [String]
        let pairMode: Bool
        if let a = body.text_a, let b = body.text_b {
            texts = [a, b]
            pairMode = true
            try self.validate(texts, field: "text_a/text_b", dialect: .native)
        } else if let source = body.source, let candidates = body.candidates {
            guard !candidates.isEmpty else {
                throw APIError(.unprocessableContent, type: "validation_error", message: "`candidates` cannot be empty")
            }
            texts = [source] + candidates
            pairMode = false
            try self.validate(texts, field: "source+candidates", dialect: .native)
        } else {
            throw APIError(
                .unprocessableContent,
                type: "validation_error",
                message: "send either `text_a` and `text_b`, or `source` and `candidates`"
            )
        }
        let model = try self.model()
        context.annotate(model: model.name)
        let vectors = try await Self.embed(texts, with: model, truncate: body.truncate ?? true, dialect: .native, timeout: self.timeout).vectors
            .map(VectorMath.normalized)
        let scores = vectors.dropFirst().map { VectorMath.cosine(vectors[0], $0) }
        let band = try await self.band(query: texts[0], texts: Array(texts.dropFirst()), scores: scores)
        // The best match is the most similar candidate among those that match, else the most similar overall.
        let best = scores.indices.max { (band.matches[$0] ? 1 : 0, scores[$0]) < (band.matches[$1] ? 1 : 0, scores[$1]) } ?? 0
        var output = JSONOutput()
        if pairMode {
            output.raw("{\"score\":")
            output.exact(scores[0])
        } else {
            output.raw("{\"scores\":")
            output.floats(scores)
            output.raw(",\"best_match\":{\"index\":")
            output.number(best)
            output.raw(",\"text\":")
            output.string(texts[best + 1])
            output.raw(",\"score\":")
            output.exact(scores[best])
            output.raw("}")
        }
        output.raw(",\"is_match\":")
        output.bool(band.matches[best])
        output.raw(",\"decided_by\":")
        output.string(band.deciders[best])
        if let crossScores = band.crossScores {
            func write(_ score: Float?) {
                if let score { output.number(score) } else { output.raw("null") }
            }
            if pairMode {
                output.raw(",\"cross_encoder_score\":")
                write(crossScores[0])
            } else {
                output.raw(",\"cross_encoder_scores\":[")
                for (index, score) in crossScores.enumerated() {
                    if index > 0 { output.raw(",") }
                    write(score)
                }
                output.raw("]")
            }
            output.raw(",\"cross_encoder_model\":")
            output.string(band.crossModel ?? "")
        }
        if let reason = band.unavailable {
            output.raw(",\"cross_encoder_unavailable\":")
            output.string(reason)
        }
        output.raw(",\"threshold\":")
        output.number(threshold)
        output.raw(",\"model\":")
        output.string(model.name)
        output.raw("}")
        return output.response()
    }

    /// Who decides each candidate: the bi-encoder outside [`RERANK_LOW`, `RERANK_HIGH`], the cross-encoder inside
    /// it (when one is configured and loaded).
    struct Band {
        var matches: [Bool]
        var deciders: [String]
        /// Cross-encoder probabilities, nil where the bi-encoder decided; nil altogether when none ran.
        var crossScores: [Float?]?
        var crossModel: String?
        var unavailable: String?
    }

    func band(query: String, texts: [String], scores: [Float]) async throws -> Band {
        let analysis = self.settings.analysis
        var band = Band(
            matches: scores.map { Double($0) >= self.settings.similarityThreshold },
            deciders: Array(repeating: "bi_encoder", count: scores.count)
        )
        let unsure = scores.indices.filter { (analysis.rerankLow...analysis.rerankHigh).contains(Double(scores[$0])) }
        guard !unsure.isEmpty, self.registry.isConfigured(.crossEncoder) else { return band }
        let reranker = Reranker(registry: self.registry)
        let crossScores: [Reranker.Score]
        do {
            band.crossModel = try reranker.model.name
            let candidates = unsure.map { texts[$0] }
            crossScores = try await PredictionTimeout.run(self.timeout) { try await reranker.scores(query: query, texts: candidates) }
        } catch let error as InferenceError where error.code == .modelNotLoaded {
            band.unavailable = error.message
            return band
        } catch let error as InferenceError {
            throw APIError(error, dialect: .native)
        }
        var all = [Float?](repeating: nil, count: scores.count)
        for (index, score) in zip(unsure, crossScores) {
            all[index] = score.score
            band.matches[index] = Double(score.score) >= analysis.crossEncoderThreshold
            band.deciders[index] = "cross_encoder"
        }
        band.crossScores = all
        return band
    }

    func tokenize(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await JSONRequest.decode(
            TokenizeRequest.self,
            from: request,
            context: context,
            limit: self.settings.maxRequestBytes,
            dialect: .native
        )
        let texts = body.inputs.texts
        guard !texts.isEmpty else { throw APIError(.unprocessableContent, type: "validation_error", message: "`inputs` cannot be empty") }
        guard texts.count <= self.settings.maxClientBatchSize else {
            throw APIError(
                .contentTooLarge,
                type: "batch_too_large",
                message: "`inputs` has \(texts.count) items; at most \(self.settings.maxClientBatchSize) (MAX_CLIENT_BATCH_SIZE)"
            )
        }
        let model = try self.model()
        context.annotate(model: model.name)
        let special = body.add_special_tokens ?? true
        var output = JSONOutput()
        output.raw("[")
        for (index, text) in texts.enumerated() {
            if index > 0 { output.raw(",") }
            let encoding = model.tokenizer.encode(text, truncate: true, addSpecialTokens: special)
            output.raw("[")
            for position in 0..<encoding.count {
                if position > 0 { output.raw(",") }
                output.raw("{\"id\":")
                output.number(Int(encoding.ids[position]))
                output.raw(",\"text\":")
                output.string(encoding.tokens[position])
                output.raw(",\"special\":")
                output.bool(model.tokenizer.isSpecial(Int(encoding.ids[position])))
                output.raw("}")
            }
            output.raw("]")
        }
        output.raw("]")
        return output.response()
    }

    func info() throws -> Response {
        var output = JSONOutput()
        output.raw("{\"model_id\":")
        if let model = try? self.registry.embedding() {
            output.string(model.name)
            output.raw(",\"model_version\":")
            output.string(model.version)
            output.raw(",\"model_sha\":")
            if let sha = model.modelSHA256 { output.string(sha) } else { output.raw("null") }
            output.raw(",\"model_dtype\":")
            output.string(model.variant == "int8" ? "int8" : "float32")
            output.raw(",\"model_type\":{\"embedding\":{\"pooling\":")
            output.string(model.pooling.rawValue)
            output.raw("}},\"dimensions\":")
            output.number(model.dimensions)
            output.raw(",\"max_input_length\":")
            output.number(model.maxInputLength)
        } else {
            output.string(self.settings.embeddingModel ?? "")
            output.raw(",\"model_dtype\":null,\"max_input_length\":null")
        }
        output.raw(",\"max_concurrent_requests\":")
        output.number(self.settings.maxConcurrentRequests)
        output.raw(",\"max_batch_tokens\":")
        output.number(self.settings.maxBatchTokens)
        output.raw(",\"max_batch_requests\":")
        output.number(self.settings.maxBatchRequests)
        output.raw(",\"max_client_batch_size\":")
        output.number(self.settings.maxClientBatchSize)
        output.raw(",\"tokenization_workers\":")
        output.number(ProcessInfo.processInfo.activeProcessorCount)
        output.raw(",\"version\":")
        output.string(SkiffVersion.current)
        output.raw("}")
        return output.response()
    }
}
