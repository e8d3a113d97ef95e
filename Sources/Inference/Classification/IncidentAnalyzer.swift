/// `/risk` and `/analyze`: classification, toxicity and duplicate search run concurrently (each on its own model's
/// batcher), then the risk formula reads their results. A part whose model is missing comes back as a failure
/// with the reason; the other parts are unaffected.
public struct IncidentAnalyzer: Sendable {
    public struct Request: Sendable {
        public var texts: [String]
        public var labels: [ZeroShotLabel]?
        public var template: String?
        public var multiLabel = false
        public var severity: String?
        public var category: String?
        /// Earlier reports to compare against; nil skips duplicate search.
        public var candidates: [String]?
        public var duplicateThreshold: Double

        public init(texts: [String], duplicateThreshold: Double) {
            self.texts = texts
            self.duplicateThreshold = duplicateThreshold
        }
    }

    public struct Duplicate: Sendable, Equatable {
        public let index: Int
        public let text: String
        public let score: Float
    }

    public struct Analysis: Sendable {
        public let classification: Result<ZeroShotResult, InferenceError>
        public let toxicity: Result<ToxicityClassifier.Result, InferenceError>
        public let risk: RiskScorer.Assessment
        public let duplicates: Result<[Duplicate], InferenceError>?
    }

    public let classifier: ZeroShotClassifier
    public let toxicity: ToxicityClassifier
    public let risk: RiskScorer

    public init(classifier: ZeroShotClassifier, toxicity: ToxicityClassifier, risk: RiskScorer) {
        self.classifier = classifier
        self.toxicity = toxicity
        self.risk = risk
    }

    /// Risk alone: the category is classified (default labels) only when the request does not give one.
    public func assessRisk(_ texts: [String], severity: String?, category: String?) async throws -> [RiskScorer.Assessment] {
        var request = Request(texts: texts, duplicateThreshold: 1)
        request.severity = severity
        request.category = category
        return try await self.analyze(request, classify: category == nil).map(\.risk)
    }

    public func analyze(_ request: Request) async throws -> [Analysis] {
        try await self.analyze(request, classify: true)
    }

    func analyze(_ request: Request, classify: Bool) async throws -> [Analysis] {
        try self.risk.validate(severity: request.severity)
        if classify { _ = try self.classifier.resolve(labels: request.labels, template: request.template) }
        let texts = request.texts
        async let classifications = Self.capture(texts.count) { () async throws -> [ZeroShotResult] in
            guard classify else { return [] }
            return try await self.classifier.classify(texts, labels: request.labels, template: request.template, multiLabel: request.multiLabel)
        }
        async let toxicities = Self.capture(texts.count) { () async throws -> [ToxicityClassifier.Result] in try await self.toxicity.classify(texts) }
        async let duplicates = Self.duplicates(of: texts, in: request.candidates, threshold: request.duplicateThreshold, classifier: self.classifier)
        let (classified, toxic, similar) = try await (classifications, toxicities, duplicates)
        return texts.indices.map { index in
            let classification = classified[index]
            let category: RiskScorer.Category
            if let given = request.category {
                category = .given(given)
            } else {
                switch classification {
                case .success(let result): category = .classified(label: result.topLabel ?? "", score: result.topScore ?? 0)
                case .failure(let error): category = .unavailable(error.message)
                }
            }
            return Analysis(
                classification: classification,
                toxicity: toxic[index],
                risk: self.risk.assess(text: texts[index], severity: request.severity, category: category, toxicity: toxic[index]),
                duplicates: similar?[index]
            )
        }
    }

    /// Runs a part for every text; a missing model becomes a per-text failure, anything else is thrown.
    static func capture<T: Sendable>(_ count: Int, _ body: () async throws -> [T]) async throws -> [Result<T, InferenceError>] {
        do {
            let results = try await body()
            return results.isEmpty
                ? Array(repeating: .failure(InferenceError(.invalidInput, "not requested")), count: count) : results.map { .success($0) }
        } catch let error as InferenceError where error.code == .modelNotLoaded {
            return Array(repeating: .failure(error), count: count)
        }
    }

    /// Candidates at or above `threshold` cosine with each text, most similar first.
    static func duplicates(
        of texts: [String],
        in candidates: [String]?,
        threshold: Double,
        classifier: ZeroShotClassifier
    ) async throws -> [Result<[Duplicate], InferenceError>]? {
        guard let candidates, !candidates.isEmpty else { return nil }
        let model: EmbeddingModel
        do {
            model = try classifier.registry.embedding()
        } catch {
            return Array(repeating: .failure(error), count: texts.count)
        }
        let vectors = try await model.embed(texts + candidates, truncate: true).vectors.map(VectorMath.normalized)
        return texts.indices.map { row in
            let matches = candidates.indices.compactMap { index -> Duplicate? in
                let score = VectorMath.dot(vectors[row], vectors[texts.count + index])
                return Double(score) >= threshold ? Duplicate(index: index, text: candidates[index], score: score) : nil
            }
            return .success(matches.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) })
        }
    }
}
