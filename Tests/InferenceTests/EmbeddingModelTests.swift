import Foundation
import Logging
import TestSupport
import Testing

@testable import Inference

/// The default model (built by `make models`) through skiff's own tokenizer, session and batcher, against
/// an independent Python reference (onnxruntime + Hugging Face tokenizers on the same model file).
@Suite("Embedding model")
struct EmbeddingModelTests {
    // Session creation blocks for a second or so: do it off the Swift concurrency pool.
    static let fp32 = Task { try await blockingIO { try Self.load(useInt8: false) } }
    static let int8 = Task { try await blockingIO { try Self.load(useInt8: true) } }

    static func load(useInt8: Bool) throws -> EmbeddingModel {
        let location = try ModelLocation.resolve("all-MiniLM-L6-v2", in: PackagePaths.models)
        return try EmbeddingModel.load(
            location: location,
            runtime: try OnnxRuntime.shared(intraOpThreads: 0),
            useInt8: useInt8,
            batching: BatchingConfiguration(window: .milliseconds(2)),
            logger: Logger(label: "test")
        )
    }

    static let corpus: [String] = [
        "A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse.",
        "There is a fire in the building and people are trapped", "The invoice for last month is overdue",
        "Café crème brûlée à la carte — naïve façade", "東京は日本の首都です", "Привет, как дела?", "🚀🔥 launch day! 🎉",
        "short", String(repeating: "a very long sentence that keeps going ", count: 40),
        "Tabs\tand\nnewlines\r\nmixed", "UPPER case and lower CASE", "numbers 12345 and 3.14159", "emails: ops@example.com, urls: https://x.y/z?q=1",
        "unbelievable antidisestablishmentarianism", "", "   spaces   around   ", "¿Dónde está la biblioteca?", "Ελληνικά και English μαζί",
    ]

    static func reference(_ texts: [String], file: String = "model.onnx") async throws -> [[Float]] {
        let request: [String: Any] = ["model_dir": PackagePaths.defaultModel.path, "model_file": file, "texts": texts]
        let output = try await PythonFilter.run("embedding_reference.py", input: try JSONSerialization.data(withJSONObject: request))
        return try JSONDecoder().decode([[Float]].self, from: output)
    }

    @Test func matchesThePythonReference() async throws {
        let model = try await Self.fp32.value
        let texts = Self.corpus.filter { !$0.isEmpty }
        let expected = try await Self.reference(texts)
        let actual = try await model.embed(texts, truncate: true).vectors.map(VectorMath.normalized)
        #expect(actual.count == expected.count)
        var worst: Float = 1
        for (a, b) in zip(actual, expected) { worst = min(worst, VectorMath.cosine(a, b)) }
        #expect(worst >= 0.99999, "worst cosine \(worst)")
        #expect(model.dimensions == 384)
        #expect(model.maxInputLength == 256)
    }

    @Test(arguments: [false, true])
    func semanticOrderingHolds(int8: Bool) async throws {
        let model = try await (int8 ? Self.int8 : Self.fp32).value
        #expect(model.variant == (int8 ? "int8" : "fp32"))
        let vectors = try await model.embed(
            ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."],
            truncate: true
        ).vectors
        let bread = VectorMath.cosine(vectors[0], vectors[1])
        let horse = VectorMath.cosine(vectors[0], vectors[2])
        #expect(bread > horse, "bread \(bread) vs horse \(horse)")
    }

    @Test func int8AgreesWithFP32() async throws {
        let fp32 = try await Self.fp32.value
        let int8 = try await Self.int8.value
        let texts = Self.corpus.filter { !$0.isEmpty }
        let a = try await fp32.embed(texts, truncate: true).vectors
        let b = try await int8.embed(texts, truncate: true).vectors
        let worst = zip(a, b).map { VectorMath.cosine($0, $1) }.min() ?? 0
        #expect(worst >= 0.95, "worst int8/fp32 cosine \(worst)")
    }

    @Test func batchedAndSingleResultsAreIdentical() async throws {
        let model = try await Self.fp32.value
        let texts = Self.corpus.filter { !$0.isEmpty }
        var single: [[Float]] = []
        for text in texts { single.append(try await model.embed([text], truncate: true).vectors[0]) }
        // The same texts as concurrent requests, so the batcher coalesces them into padded runs.
        let batched = try await withThrowingTaskGroup(of: (Int, [Float]).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask { (index, try await model.embed([text], truncate: true).vectors[0]) }
            }
            return try await group.reduce(into: [Int: [Float]]()) { $0[$1.0] = $1.1 }
        }
        #expect(model.batchStatistics.largestRun > 1, "the concurrent requests were never batched")
        for (index, vector) in single.enumerated() {
            let other = try #require(batched[index])
            let difference = zip(vector, other).map { abs($0 - $1) }.max() ?? 0
            // Padding changes only the matrix shapes ORT multiplies, not the values: agreement to float precision.
            #expect(difference <= 1e-5, "text \(index) differs by \(difference)")
        }
    }

    @Test func tooLongInputsAreRefusedWithoutTruncation() async throws {
        let model = try await Self.fp32.value
        let long = String(repeating: "word ", count: 400)
        await #expect {
            _ = try await model.embed([long], truncate: false)
        } throws: { error in
            let error = error as! InferenceError
            return error.code == .inputTooLong && error.message.contains("256")
        }
        #expect(try await model.embed([long], truncate: true).tokens == 256)
    }

    @Test func aMissingModelSaysHowToInstallIt() {
        #expect {
            _ = try ModelLocation.resolve("no-such-model", in: PackagePaths.models)
        } throws: { error in
            let error = error as! InferenceError
            return error.code == .modelNotFound && error.message.contains("skiff models pull")
        }
    }
}
