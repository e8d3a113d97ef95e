/// The `/risk` formula: a weighted mean of the factors that are present, each in [0, 1].
///
///     score = Σ weight·value / Σ weight      (over category, severity, toxicity, urgency when present)
///
/// A factor is absent when its input is: no severity sent, no toxicity model, no category known. Absent factors are
/// listed with the reason instead of counting as zero, so a missing model does not lower every score.
public struct RiskScorer: Sendable {
    public struct Factor: Sendable {
        public let name: String
        public let value: Double
        public let weight: Double
        /// weight·value / Σ weight: the factor's share of the score (the shares add up to the score).
        public let contribution: Double
        public let detail: Detail
    }

    /// What a factor's value came from.
    public enum Detail: Sendable {
        /// The category, and the classifier's confidence when it was classified rather than given.
        case category(String, confidence: Float?)
        case severity(String)
        /// The highest-scoring toxic label.
        case toxicity(label: String, model: String)
        case urgency(cues: [String])
    }

    public struct Assessment: Sendable {
        public let score: Double
        public let level: String
        public let category: String?
        public let factors: [Factor]
        /// Factors left out, with why.
        public let unavailable: [(name: String, reason: String)]
    }

    /// Where the category came from.
    public enum Category: Sendable {
        case given(String)
        case classified(label: String, score: Float)
        case unavailable(String)
    }

    public let configuration: RiskConfiguration

    public init(configuration: RiskConfiguration) {
        self.configuration = configuration
    }

    /// Checks a severity name before any model work is done.
    public func validate(severity: String?) throws(InferenceError) {
        if let severity, self.configuration.severity(severity) == nil {
            let names = self.configuration.severityScores.map(\.name).joined(separator: ", ")
            throw InferenceError(.invalidInput, "`severity` \"\(severity)\" is not one of \(names)")
        }
    }

    public func assess(
        text: String,
        severity: String?,
        category: Category,
        toxicity: Result<ToxicityClassifier.Result, InferenceError>
    )
        -> Assessment
    {
        let weights = self.configuration.weights
        var present: [(name: String, value: Double, weight: Double, detail: Detail)] = []
        var unavailable: [(name: String, reason: String)] = []
        var categoryName: String?

        switch category {
        case .given(let name):
            categoryName = name
            present.append(("category", self.weight(of: name), weights.category, .category(name, confidence: nil)))
        case .classified(let label, let score):
            categoryName = label
            present.append(("category", self.weight(of: label), weights.category, .category(label, confidence: score)))
        case .unavailable(let reason):
            unavailable.append(("category", reason))
        }
        if let severity, let value = self.configuration.severity(severity) {
            present.append(("severity", value, weights.severity, .severity(severity.lowercased())))
        } else {
            unavailable.append(("severity", "no severity was sent"))
        }
        switch toxicity {
        case .success(let result):
            present.append(("toxicity", Double(result.topScore), weights.toxicity, .toxicity(label: result.topLabel, model: result.model)))
        case .failure(let error):
            unavailable.append(("toxicity", error.message))
        }
        let cues = Self.cues(in: text, from: self.configuration.urgencyCues)
        let urgency = min(1, Double(cues.count) / Double(max(1, self.configuration.urgencySaturation)))
        present.append(("urgency", urgency, weights.urgency, .urgency(cues: cues)))

        let total = present.reduce(0) { $0 + $1.weight }
        let factors = present.map { factor in
            Factor(
                name: factor.name,
                value: factor.value,
                weight: factor.weight,
                contribution: total > 0 ? factor.weight * factor.value / total : 0,
                detail: factor.detail
            )
        }
        let score = min(1, max(0, factors.reduce(0) { $0 + $1.contribution }))
        let level = RiskConfiguration.levels[self.configuration.levelThresholds.filter { score >= $0 }.count]
        return Assessment(score: score, level: level, category: categoryName, factors: factors, unavailable: unavailable)
    }

    func weight(of category: String) -> Double {
        self.configuration.categoryWeights[category.lowercased()] ?? self.configuration.defaultCategoryWeight
    }

    /// The cues that occur in `text` as whole words (a phrase as consecutive words), in configuration order.
    static func cues(in text: String, from cues: [String]) -> [String] {
        let words = Self.words(text)
        return cues.filter { cue in
            let phrase = Self.words(cue)
            guard !phrase.isEmpty, phrase.count <= words.count else { return false }
            return (0...(words.count - phrase.count)).contains { start in words[start..<(start + phrase.count)].elementsEqual(phrase) }
        }
    }

    /// Lower-cased runs of letters, digits and apostrophes.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }
    }
}
