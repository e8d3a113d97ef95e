import Testing

@testable import Inference

/// The documented risk formula: a weighted mean of the factors present.
@Suite("Risk scorer")
struct RiskScorerTests {
    static let noToxicity: Result<ToxicityClassifier.Result, InferenceError> = .failure(InferenceError(.modelNotLoaded, "no toxicity model"))

    static func toxicity(_ score: Float) -> Result<ToxicityClassifier.Result, InferenceError> {
        .success(
            ToxicityClassifier.Result(
                sequence: "",
                model: "tox",
                labels: ["toxicity"],
                scores: [score],
                logits: [0],
                flagged: [],
                topLabel: "toxicity",
                topScore: score,
                threshold: 0.5
            )
        )
    }

    /// README's worked example: (0.35·0.9 + 0.30·0.8 + 0.25·0.5) / 0.90.
    @Test func theWorkedExample() {
        let scorer = RiskScorer(configuration: RiskConfiguration())
        let assessment = scorer.assess(
            text: "There is a fire in the building and people are trapped",
            severity: "high",
            category: .classified(label: "fire", score: 0.8),
            toxicity: Self.noToxicity
        )
        #expect(abs(assessment.score - (0.35 * 0.9 + 0.30 * 0.8 + 0.25 * 0.5) / 0.90) < 1e-12)
        #expect(assessment.level == "high" && assessment.category == "fire")
        #expect(assessment.factors.map(\.name) == ["category", "severity", "urgency"])
        #expect(abs(assessment.factors.reduce(0) { $0 + $1.contribution } - assessment.score) < 1e-12)
        #expect(assessment.unavailable.map(\.name) == ["toxicity"])
        guard case .urgency(let cues) = assessment.factors[2].detail else {
            Issue.record("no urgency detail")
            return
        }
        #expect(cues == ["trapped"])
    }

    @Test func everyFactorCountsWithItsConfiguredWeight() {
        var configuration = RiskConfiguration()
        configuration.weights = .init(category: 1, severity: 2, toxicity: 3, urgency: 4)
        configuration.categoryWeights = ["billing": 0.1]
        configuration.urgencySaturation = 3
        let scorer = RiskScorer(configuration: configuration)
        let assessment = scorer.assess(
            text: "HELP, he has a gun and someone is not breathing!",
            severity: "Critical",
            category: .given("billing"),
            toxicity: Self.toxicity(0.6)
        )
        // urgency: help, not breathing, gun → 3 of 3.
        let expected = (1 * 0.1 + 2 * 1.0 + 3 * Double(Float(0.6)) + 4 * 1.0) / 10
        #expect(abs(assessment.score - expected) < 1e-9)
        #expect(assessment.unavailable.isEmpty)
        #expect(assessment.level == "high")  // 0.79: just under critical's 0.8
    }

    @Test func absentFactorsAreLeftOutNotCountedAsZero() {
        let scorer = RiskScorer(configuration: RiskConfiguration())
        let assessment = scorer.assess(text: "a quiet street", severity: nil, category: .unavailable("no model"), toxicity: Self.noToxicity)
        #expect(assessment.factors.map(\.name) == ["urgency"])
        #expect(assessment.score == 0 && assessment.level == "low" && assessment.category == nil)
        #expect(Set(assessment.unavailable.map(\.name)) == ["category", "severity", "toxicity"])
        let unknown = scorer.assess(text: "x", severity: nil, category: .given("parking"), toxicity: Self.noToxicity)
        #expect(abs(unknown.factors[0].value - 0.4) < 1e-12)
    }

    @Test func cuesMatchWholeWordsAndPhrases() {
        let cues = ["help", "not breathing", "now", "fire"]
        #expect(RiskScorer.cues(in: "Helpless? No. Knowledge is power.", from: cues).isEmpty)
        #expect(RiskScorer.cues(in: "He is NOT   breathing, help now", from: cues) == ["help", "not breathing", "now"])
        #expect(RiskScorer.cues(in: "not", from: cues).isEmpty)
        #expect(RiskScorer.cues(in: "", from: cues).isEmpty)
    }

    @Test(arguments: [(0.0, "low"), (0.2999, "low"), (0.3, "medium"), (0.55, "high"), (0.8, "critical"), (1.0, "critical")])
    func levelsStartAtTheirThresholds(score: Double, level: String) {
        var configuration = RiskConfiguration()
        configuration.weights = .init(category: 1, severity: 0, toxicity: 0, urgency: 0)
        configuration.categoryWeights = ["probe": score]
        let assessment = RiskScorer(configuration: configuration).assess(
            text: "",
            severity: nil,
            category: .given("probe"),
            toxicity: Self.noToxicity
        )
        #expect(assessment.score == score && assessment.level == level)
    }

    @Test func unknownSeverityIsRefusedUpFront() {
        let scorer = RiskScorer(configuration: RiskConfiguration())
        #expect(throws: InferenceError.self) { try scorer.validate(severity: "extreme") }
        #expect(throws: Never.self) { try scorer.validate(severity: "MEDIUM") }
        #expect(throws: Never.self) { try scorer.validate(severity: nil) }
    }
}
