import Foundation
import Hummingbird
import Inference

/// `/classify`, `/toxicity`, `/rerank`, `/risk` and `/analyze` on the local models. Each takes one `text` or a
/// batch of `texts`; validation happens here, the model work in `Inference`.
struct AnalysisRoutes: Sendable {
    let embeddings: EmbeddingRoutes
    let classifier: ZeroShotClassifier
    let toxicity: ToxicityClassifier
    let reranker: Reranker
    let analyzer: IncidentAnalyzer

    var settings: Settings { self.embeddings.settings }

    init(embeddings: EmbeddingRoutes, registry: ModelRegistry, settings: AnalysisSettings) {
        self.embeddings = embeddings
        self.classifier = ZeroShotClassifier(registry: registry, configuration: settings.zeroShot)
        self.toxicity = ToxicityClassifier(registry: registry, configuration: settings.toxicity)
        self.reranker = Reranker(registry: registry)
        self.analyzer = IncidentAnalyzer(classifier: self.classifier, toxicity: self.toxicity, risk: RiskScorer(configuration: settings.risk))
    }

    struct ClassifyRequest: Decodable {
        let text: String?
        let texts: [String]?
        let labels: [String]?
        let multi_label: Bool?
        let hypothesis_template: String?
        let raw_scores: Bool?
    }

    struct ToxicityRequest: Decodable {
        let text: String?
        let texts: [String]?
        let threshold: Double?
        let raw_scores: Bool?
    }

    struct RerankRequest: Decodable {
        let query: String
        let texts: [String]
        let return_text: Bool?
        let raw_scores: Bool?
        let top_n: Int?
        let truncate: Bool?
    }

    struct RiskRequest: Decodable {
        let text: String?
        let texts: [String]?
        let severity: String?
        let category: String?
    }

    struct AnalyzeRequest: Decodable {
        let text: String?
        let texts: [String]?
        let labels: [String]?
        let multi_label: Bool?
        let hypothesis_template: String?
        let severity: String?
        let category: String?
        let candidates: [String]?
        let duplicate_threshold: Double?
    }

    func register(on router: Router<some RequestContext>) {
        router.post("/classify") { request, context in try await self.classify(request, context: context) }
        router.post("/toxicity") { request, context in try await self.toxicity(request, context: context) }
        router.post("/rerank") { request, context in try await self.rerank(request, context: context) }
        router.post("/risk") { request, context in try await self.risk(request, context: context) }
        router.post("/analyze") { request, context in try await self.analyze(request, context: context) }
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request, context: some RequestContext) async throws -> T {
        try await JSONRequest.decode(type, from: request, context: context, limit: self.settings.maxRequestBytes, dialect: .native)
    }

    /// `text` or `texts`, exactly one, validated like every other batch; `batch` says which shape to answer in.
    func inputs(text: String?, texts: [String]?) throws -> (texts: [String], batch: Bool) {
        switch (text, texts) {
        case (let text?, nil):
            try self.embeddings.validate([text], field: "text", dialect: .native)
            return ([text], false)
        case (nil, let texts?):
            try self.embeddings.validate(texts, field: "texts", dialect: .native)
            return (texts, true)
        case (.some, .some):
            throw APIError(.unprocessableContent, type: "validation_error", message: "send either `text` or `texts`, not both")
        case (nil, nil):
            throw APIError(.unprocessableContent, type: "validation_error", message: "`text` (or `texts` for a batch) is required")
        }
    }

    /// Runs model work within `PREDICTION_TIMEOUT`, giving inference failures their HTTP face.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await PredictionTimeout.run(self.embeddings.timeout, body)
        } catch let error as InferenceError {
            throw APIError(error, dialect: .native)
        }
    }

    /// One object, or `{"results": [...]}` for a batch.
    func respond<T>(_ items: [T], batch: Bool, _ write: (inout JSONOutput, T) -> Void) -> Response {
        var output = JSONOutput()
        if batch { output.raw("{\"results\":[") }
        for (index, item) in items.enumerated() {
            if index > 0 { output.raw(",") }
            write(&output, item)
        }
        if batch { output.raw("]}") }
        return output.response()
    }

    func labels(_ names: [String]?) -> [ZeroShotLabel]? {
        names.map { $0.map { ZeroShotLabel($0) } }
    }

    func classify(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await self.decode(ClassifyRequest.self, request, context: context)
        let (texts, batch) = try self.inputs(text: body.text, texts: body.texts)
        let results = try await self.run {
            try await self.classifier.classify(
                texts,
                labels: self.labels(body.labels),
                template: body.hypothesis_template,
                multiLabel: body.multi_label ?? false
            )
        }
        for model in Set(results.map(\.model)) { context.annotate(model: model) }
        return self.respond(results, batch: batch) { $0.classification($1, raw: body.raw_scores ?? false) }
    }

    func toxicity(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await self.decode(ToxicityRequest.self, request, context: context)
        let (texts, batch) = try self.inputs(text: body.text, texts: body.texts)
        if let threshold = body.threshold, !(0...1).contains(threshold) {
            throw APIError(.unprocessableContent, type: "validation_error", message: "`threshold` must be in 0…1")
        }
        let results = try await self.run { try await self.toxicity.classify(texts, threshold: body.threshold.map(Float.init)) }
        if let model = results.first?.model { context.annotate(model: model) }
        return self.respond(results, batch: batch) { $0.toxicity($1, raw: body.raw_scores ?? false) }
    }

    /// text-embeddings-inference's `/rerank`: `[{"index", "score", "text"?}]`, most relevant first.
    func rerank(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await self.decode(RerankRequest.self, request, context: context)
        guard !body.query.isEmpty else { throw APIError(.unprocessableContent, type: "validation_error", message: "`query` is an empty string") }
        try self.embeddings.validate(body.texts, field: "texts", dialect: .native)
        if let top = body.top_n, top < 1 {
            throw APIError(.unprocessableContent, type: "validation_error", message: "`top_n` must be at least 1")
        }
        let scores = try await self.run {
            try await self.reranker.rerank(query: body.query, texts: body.texts, top: body.top_n, truncate: body.truncate ?? false)
        }
        if let model = try? self.reranker.model.name { context.annotate(model: model) }
        var output = JSONOutput()
        output.raw("[")
        for (position, score) in scores.enumerated() {
            if position > 0 { output.raw(",") }
            output.raw("{\"index\":")
            output.number(score.index)
            output.raw(",\"score\":")
            output.number(body.raw_scores == true ? score.logit : score.score)
            if body.return_text == true {
                output.raw(",\"text\":")
                output.string(body.texts[score.index])
            }
            output.raw("}")
        }
        output.raw("]")
        return output.response()
    }

    func risk(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await self.decode(RiskRequest.self, request, context: context)
        let (texts, batch) = try self.inputs(text: body.text, texts: body.texts)
        let category = try Self.category(body.category)
        let assessments = try await self.run { try await self.analyzer.assessRisk(texts, severity: body.severity, category: category) }
        return self.respond(assessments, batch: batch) { $0.risk($1) }
    }

    func analyze(_ request: Request, context: some RequestContext) async throws -> Response {
        let body = try await self.decode(AnalyzeRequest.self, request, context: context)
        let (texts, batch) = try self.inputs(text: body.text, texts: body.texts)
        var analysis = IncidentAnalyzer.Request(texts: texts, duplicateThreshold: body.duplicate_threshold ?? self.settings.similarityThreshold)
        analysis.labels = self.labels(body.labels)
        analysis.template = body.hypothesis_template
        analysis.multiLabel = body.multi_label ?? false
        analysis.severity = body.severity
        analysis.category = try Self.category(body.category)
        if let candidates = body.candidates {
            try self.embeddings.validate(candidates, field: "candidates", dialect: .native)
            analysis.candidates = candidates
        }
        if let threshold = body.duplicate_threshold, !(-1...1).contains(threshold) {
            throw APIError(.unprocessableContent, type: "validation_error", message: "`duplicate_threshold` must be in -1…1")
        }
        let request = analysis
        let results = try await self.run { try await self.analyzer.analyze(request) }
        for result in results.prefix(1) {
            if case .success(let classification) = result.classification { context.annotate(model: classification.model) }
            if case .success(let toxicity) = result.toxicity { context.annotate(model: toxicity.model) }
        }
        return self.respond(results, batch: batch) { $0.analysis($1) }
    }

    static func category(_ raw: String?) throws -> String? {
        guard let raw else { return nil }
        guard !raw.isEmpty else { throw APIError(.unprocessableContent, type: "validation_error", message: "`category` is an empty string") }
        return raw
    }
}
