import Foundation
import Logging
import TestSupport
import Testing

@testable import Inference

/// Zero-shot NLI through the registry against the transformers pipeline's arithmetic (computed by
/// `classifier_reference.py` in NumPy), the cascade, and the registry's checks on what a role may hold.
@Suite("Zero-shot classifier")
struct ZeroShotClassifierTests {
    static func registry(_ models: [ModelRole: String]) async -> ModelRegistry {
        let registry = ModelRegistry(
            configuration: ModelRegistryConfiguration(
                directory: PackagePaths.testModels,
                models: models,
                batching: BatchingConfiguration(window: .milliseconds(1))
            )
        )
        await registry.loadAll(logger: Logger(label: "test"))
        return registry
    }

    struct Reference: Decodable {
        struct Result: Decodable {
            let labels: [String]
            let scores: [Float]
        }
        let results: [Result]
    }

    static let texts = [
        "There is a fire in the building and people are trapped", "The team won the championship after a dramatic overtime.",
        "I was charged twice on my invoice",
    ]
    static let labels = ["fire", "sports", "billing", "politics"]

    static func reference(model: String, labels: [String], template: String, multiLabel: Bool) async throws -> Reference {
        let request: [String: Any] = [
            "op": "zero_shot", "model_dir": PackagePaths.testModels.appendingPathComponent("\(model)/1").path, "texts": Self.texts,
            "labels": labels, "hypothesis_template": template, "multi_label": multiLabel,
        ]
        let output = try await PythonFilter.run("classifier_reference.py", input: try JSONSerialization.data(withJSONObject: request))
        return try JSONDecoder().decode(Reference.self, from: output)
    }

    /// tiny-nli has entailment at index 2 (bart-large-mnli's order), tiny-nli-fast at 0 (distilbert-mnli's);
    /// tiny-bart-nli is shaped as bart-large-mnli is (byte-level BPE, `<s> premise </s></s> hypothesis </s>`).
    @Test(arguments: [
        ("tiny-nli", false), ("tiny-nli", true), ("tiny-nli-fast", false), ("tiny-nli-fast", true), ("tiny-bart-nli", false),
        ("tiny-bart-nli", true),
    ])
    func nliMatchesTheTransformersArithmetic(model: String, multiLabel: Bool) async throws {
        let registry = await Self.registry([.classifier: model])
        let classifier = ZeroShotClassifier(registry: registry, configuration: ZeroShotConfiguration())
        for (labels, template) in [(Self.labels, "This example is {}."), (["emergency"], "The topic is {}.")] {
            let results = try await classifier.classify(
                Self.texts,
                labels: labels.map { ZeroShotLabel($0) },
                template: template,
                multiLabel: multiLabel
            )
            let expected = try await Self.reference(model: model, labels: labels, template: template, multiLabel: multiLabel || labels.count == 1)
            for (result, reference) in zip(results, expected.results) {
                #expect(result.method == .nli && result.model == model)
                #expect(result.multiLabel == (multiLabel || labels.count == 1))
                #expect(result.labels == reference.labels, "\(result.sequence)")
                #expect(zip(result.scores, reference.scores).allSatisfy { abs($0 - $1) < 1e-5 }, "\(result.scores) vs \(reference.scores)")
            }
        }
        await registry.shutdown()
    }

    @Test func withoutAnNLIModelTheEmbeddingMethodDecides() async throws {
        let registry = ModelRegistry(configuration: ModelRegistryConfiguration(directory: PackagePaths.models))
        await registry.loadAll(logger: Logger(label: "test"))
        let classifier = ZeroShotClassifier(registry: registry, configuration: ZeroShotConfiguration())
        let results = try await classifier.classify(["There is a fire in the building and people are trapped"], labels: nil)
        #expect(results[0].method == .embedding && results[0].model == "all-MiniLM-L6-v2")
        #expect(results[0].labels.first == "fire")
        #expect(Set(results[0].labels) == Set(ZeroShotConfiguration.incidentLabels.map(\.name)))
        #expect(abs(results[0].scores.reduce(0, +) - 1) < 1e-4)
        // Multi-label scores are independent sigmoids around the configured centre.
        let multi = try await classifier.classify(
            ["There is a fire in the building"],
            labels: [ZeroShotLabel("fire"), ZeroShotLabel("billing")],
            multiLabel: true
        )
        #expect(multi[0].multiLabel && multi[0].labels == ["fire", "billing"])
        let center = ZeroShotConfiguration().center
        let temperature = ZeroShotConfiguration().temperature
        for (score, cosine) in zip(multi[0].scores, multi[0].rawScores) {
            #expect(abs(score - Activation.sigmoid((cosine - center) / temperature)) < 1e-6)
        }
        await registry.shutdown()
    }

    @Test func theRegistryRefusesAModelThatCannotServeItsRole() async throws {
        let registry = await Self.registry([.classifier: "tiny-toxic", .crossEncoder: "tiny-nli", .toxicity: "tiny-toxic-binary"])
        let statuses = Dictionary(uniqueKeysWithValues: registry.statuses.map { ($0.variable, $0) })
        #expect(statuses["CLASSIFIER_MODEL"]?.state == .failed)
        #expect(statuses["CLASSIFIER_MODEL"]?.reason?.contains("not an NLI model") == true)
        #expect(statuses["CROSS_ENCODER_MODEL"]?.reason?.contains("not a cross-encoder") == true)
        #expect(statuses["TOXICITY_MODEL"]?.state == .loaded)
        let error = #expect(throws: InferenceError.self) { try registry.classifier(.classifier) }
        #expect(error?.code == .modelNotLoaded && error?.message.contains("CLASSIFIER_MODEL=tiny-toxic failed to load") == true)
        let missing = #expect(throws: InferenceError.self) { try registry.classifier(.fastClassifier) }
        #expect(missing?.message.contains("FAST_CLASSIFIER_MODEL") == true && missing?.message.contains("skiff models pull") == true)
        await registry.shutdown()
    }

    @Test(arguments: [
        ([String](), nil as String?, "cannot be empty"),
        (["a", ""], nil, "`labels[1]` is an empty string"),
        (["a", "a"], nil, "twice"),
        (["a"], "no placeholder", "has no {}"),
        ((0..<33).map { "label \($0)" }, nil, "at most 32 (MAX_LABELS)"),
    ])
    func badLabelsAreRefused(labels: [String], template: String?, message: String) async throws {
        let registry = ModelRegistry(configuration: ModelRegistryConfiguration(directory: PackagePaths.models, models: [:]))
        let classifier = ZeroShotClassifier(registry: registry, configuration: ZeroShotConfiguration())
        let error = #expect(throws: InferenceError.self) { try classifier.resolve(labels: labels.map { ZeroShotLabel($0) }, template: template) }
        #expect(error?.code == .invalidInput && error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
