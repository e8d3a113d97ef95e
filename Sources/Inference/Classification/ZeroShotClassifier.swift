/// `/classify`: zero-shot classification with an NLI model (optionally behind a cheaper one, the cascade), or,
/// when no NLI model is configured, by embedding similarity to the label descriptions.
public struct ZeroShotClassifier: Sendable {
    public let registry: ModelRegistry
    public let configuration: ZeroShotConfiguration
    let labelVectors = LabelVectorCache()

    public init(registry: ModelRegistry, configuration: ZeroShotConfiguration) {
        self.registry = registry
        self.configuration = configuration
    }

    /// Checks a request's labels and template; nil labels mean the defaults.
    public func resolve(labels: [ZeroShotLabel]?, template: String?) throws(InferenceError) -> (labels: [ZeroShotLabel], template: String) {
        if labels?.isEmpty == true {
            throw InferenceError(.invalidInput, "`labels` cannot be empty (leave it out to use the default labels)")
        }
        let labels = labels ?? self.configuration.defaultLabels
        guard !labels.isEmpty else {
            throw InferenceError(.invalidInput, "`labels` is empty and no default labels are configured (DEFAULT_LABELS)")
        }
        guard labels.count <= self.configuration.maxLabels else {
            throw InferenceError(.invalidInput, "`labels` has \(labels.count) entries; at most \(self.configuration.maxLabels) (MAX_LABELS)")
        }
        if let index = labels.firstIndex(where: { $0.name.isEmpty }) {
            throw InferenceError(.invalidInput, "`labels[\(index)]` is an empty string")
        }
        var seen: Set<String> = []
        for label in labels where !seen.insert(label.name).inserted {
            throw InferenceError(.invalidInput, "`labels` names \"\(label.name)\" twice")
        }
        let template = template ?? self.configuration.hypothesisTemplate
        guard template.contains("{}") else {
            throw InferenceError(.invalidInput, "`hypothesis_template` \"\(template)\" has no {} for the label")
        }
        return (labels, template)
    }

    /// Classifies every text against the same labels. One label always scores on its own (multi-label), as the
    /// transformers pipeline does: a softmax over one label is always 1.
    public func classify(
        _ texts: [String],
        labels requested: [ZeroShotLabel]?,
        template requestedTemplate: String? = nil,
        multiLabel requestedMultiLabel: Bool = false
    ) async throws -> [ZeroShotResult] {
        let (labels, template) = try self.resolve(labels: requested, template: requestedTemplate)
        let multiLabel = requestedMultiLabel || labels.count == 1
        let registry = self.registry
        if self.configuration.useCascade && registry.isConfigured(.fastClassifier) {
            return try await self.cascade(texts, labels: labels, template: template, multiLabel: multiLabel)
        }
        for role in [ModelRole.classifier, .fastClassifier] where registry.isConfigured(role) {
            let model = try registry.classifier(role)
            return try await Self.nli(texts, labels: labels, template: template, multiLabel: multiLabel, model: model)
        }
        return try await self.embedding(texts, labels: labels, template: template, multiLabel: multiLabel)
    }

    /// The fast model answers; texts whose top score is below the threshold go to the classifier. A fast model
    /// that is not loaded sends everything on.
    func cascade(_ texts: [String], labels: [ZeroShotLabel], template: String, multiLabel: Bool) async throws -> [ZeroShotResult] {
        let threshold = self.configuration.cascadeThreshold
        let fastName = self.registry.configuration.models[.fastClassifier] ?? ""
        var fastResults: [ZeroShotResult?] = Array(repeating: nil, count: texts.count)
        var fastUnavailable: String?
        do {
            let fast = try self.registry.classifier(.fastClassifier)
            fastResults = try await Self.nli(texts, labels: labels, template: template, multiLabel: multiLabel, model: fast)
        } catch let error as InferenceError where error.code == .modelNotLoaded {
            fastUnavailable = error.message
        }
        let escalate = texts.indices.filter { index in fastResults[index].map { Double($0.topScore ?? 0) < threshold } ?? true }
        var decided: [Int: ZeroShotResult] = [:]
        if !escalate.isEmpty {
            let model = try self.registry.classifier(.classifier)
            let results = try await Self.nli(escalate.map { texts[$0] }, labels: labels, template: template, multiLabel: multiLabel, model: model)
            for (index, result) in zip(escalate, results) { decided[index] = result }
        }
        return texts.indices.map { index in
            let fast = fastResults[index]
            var result = decided[index] ?? fast!
            result.cascade = ZeroShotResult.Cascade(
                fastModel: fast?.model ?? fastName,
                fastTopLabel: fast?.topLabel,
                fastTopScore: fast?.topScore,
                threshold: threshold,
                escalated: decided[index] != nil,
                fastUnavailable: fastUnavailable
            )
            return result
        }
    }

    /// The transformers zero-shot arithmetic: single-label is a softmax of the entailment logits across labels;
    /// multi-label is, per label, a softmax over [contradiction, entailment].
    static func nli(
        _ texts: [String],
        labels: [ZeroShotLabel],
        template: String,
        multiLabel: Bool,
        model: ClassifierModel
    ) async throws -> [ZeroShotResult] {
        guard let entailment = model.configuration.index(ofLabelStartingWith: "entail"),
            let contradiction = model.configuration.index(ofLabelStartingWith: "contra")
        else {
            throw InferenceError(.invalidModel, "\(model.name) has no entailment and contradiction labels")
        }
        let hypotheses = labels.map { $0.hypothesis(template) }
        let pairs = texts.flatMap { text in hypotheses.map { (text, $0) } }
        let logits = try await model.logits(pairs: pairs)
        return texts.enumerated().map { row, text in
            let rows = logits[(row * labels.count)..<((row + 1) * labels.count)]
            let entailments = rows.map { $0[entailment] }
            let scores =
                multiLabel
                ? rows.map { Activation.softmax([$0[contradiction], $0[entailment]])[1] }
                : Activation.softmax(entailments)
            return ZeroShotResult(
                sequence: text,
                labels: labels.map(\.name),
                scores: scores,
                raw: entailments,
                model: model.name,
                method: .nli,
                multiLabel: multiLabel
            )
        }
    }

    /// Cosine between each text and each label's hypothesis, made probabilities with a temperature: softmax across
    /// labels, or a sigmoid around `center` per label for multi-label.
    func embedding(_ texts: [String], labels: [ZeroShotLabel], template: String, multiLabel: Bool) async throws -> [ZeroShotResult] {
        let model = try self.registry.embedding()
        let (labelVectors, textVectors) = try await self.labelVectors.vectors(
            for: labels.map { $0.hypothesis(template) },
            alongside: texts,
            model: model
        )
        let temperature = self.configuration.temperature
        let center = self.configuration.center
        return zip(texts, textVectors).map { text, vector in
            let cosines = labelVectors.map { VectorMath.dot(vector, $0) }
            let scores =
                multiLabel
                ? cosines.map { Activation.sigmoid(($0 - center) / temperature) }
                : Activation.softmax(cosines.map { $0 / temperature })
            return ZeroShotResult(
                sequence: text,
                labels: labels.map(\.name),
                scores: scores,
                raw: cosines,
                model: model.name,
                method: .embedding,
                multiLabel: multiLabel
            )
        }
    }
}
