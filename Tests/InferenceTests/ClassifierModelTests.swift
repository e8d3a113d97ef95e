import Foundation
import Logging
import TestSupport
import Testing

@testable import Inference

/// The tiny seeded models from `scripts/build_test_models.py` through skiff's tokenizer, session, batcher and
/// score arithmetic, against `Tests/Peers/classifier_reference.py` (HF tokenizers + a NumPy forward pass).
@Suite("Classifier models")
struct ClassifierModelTests {
    static let texts: [String] = [
        "There is a fire in the building and people are trapped", "I was charged twice on my invoice", "You are a complete idiot.",
        "Thank you so much!", "Café crème brûlée — naïve façade", "東京は日本の首都です", "🚀🔥 launch day!",
        String(repeating: "a very long sentence that keeps going ", count: 30), "x", "Tabs\tand\nnewlines",
    ]
    static let pairs: [(String, String)] = [
        ("How many people live in Berlin?", "Berlin has 3.7 million people."), ("How many people live in Berlin?", "The Eiffel Tower is in Paris."),
        ("A man is eating food.", "Nobody is eating."), (String(repeating: "premise words ", count: 80), "This example is fire."),
        ("short", String(repeating: "hypothesis ", count: 200)),
    ]

    static func load(_ name: String) async throws -> ClassifierModel {
        try await blockingIO {
            try ClassifierModel.load(
                location: try ModelLocation.resolve(name, in: PackagePaths.testModels),
                runtime: try OnnxRuntime.shared(intraOpThreads: 0),
                useInt8: false,
                batching: BatchingConfiguration(window: .milliseconds(2)),
                logger: Logger(label: "test")
            )
        }
    }

    struct Reference: Decodable {
        let labels: [String]
        let logits: [[Float]]
        let scores: [[Float]]
    }

    static func reference(_ name: String, texts: [String]? = nil, pairs: [(String, String)]? = nil) async throws -> Reference {
        var request: [String: Any] = ["op": "scores", "model_dir": PackagePaths.testModels.appendingPathComponent("\(name)/1").path]
        if let texts { request["texts"] = texts }
        if let pairs { request["pairs"] = pairs.map { [$0.0, $0.1] } }
        let output = try await PythonFilter.run("classifier_reference.py", input: try JSONSerialization.data(withJSONObject: request))
        return try JSONDecoder().decode(Reference.self, from: output)
    }

    static func expectClose(_ actual: [[Float]], _ expected: [[Float]], tolerance: Float = 1e-4, _ what: String) {
        #expect(actual.count == expected.count, "\(what): row count")
        for (row, (a, e)) in zip(actual, expected).enumerated() {
            #expect(a.count == e.count, "\(what) row \(row): \(a.count) values, expected \(e.count)")
            let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance, "\(what) row \(row): \(a) vs \(e)")
        }
    }

    /// Label names come from id2label in index order; single-label models get a softmax, multi-label models and
    /// single-logit cross-encoders a sigmoid — for texts and for pairs (token_type_ids 1 on the second text;
    /// tiny-nli-fast has no token_type_ids input at all; tiny-bart-nli neither, and a byte-level BPE tokenizer).
    @Test(arguments: ["tiny-nli", "tiny-nli-fast", "tiny-toxic", "tiny-toxic-binary", "tiny-cross-encoder", "tiny-bart-nli"])
    func logitsLabelsAndScoresMatchNumPy(name: String) async throws {
        let model = try await Self.load(name)
        for (texts, pairs) in [(Self.texts, nil), (nil, Self.pairs)] as [([String]?, [(String, String)]?)] {
            let expected = try await Self.reference(name, texts: texts, pairs: pairs)
            #expect(model.labels == expected.labels)
            let logits = try await texts != nil ? model.logits(texts!) : model.logits(pairs: pairs!)
            Self.expectClose(logits, expected.logits, "\(name) logits")
            Self.expectClose(logits.map(model.configuration.scores), expected.scores, tolerance: 1e-5, "\(name) scores")
        }
        // Softmax scores of one text sum to one; sigmoid scores of a multi-label model are independent.
        let sums = try await model.logits(Self.texts).map { model.configuration.scores($0).reduce(0, +) }
        if model.configuration.problemType == .multiLabel {
            #expect(sums.contains { abs($0 - 1) > 1e-2 })
        } else if model.labels.count > 1 {
            #expect(sums.allSatisfy { abs($0 - 1) < 1e-5 })
        }
        await model.shutdown()
    }

    /// BART's tokenizer is the byte-level BPE its tokenizer.json names, padding with <pad> = 1, cut to metadata.json's
    /// max_seq_length; BERT's stays WordPiece.
    @Test func eachModelGetsTheTokenizerItsFilesName() async throws {
        let bart = try await Self.load("tiny-bart-nli")
        #expect(bart.tokenizer is ByteLevelBPETokenizer)
        #expect(bart.tokenizer.padID == 1 && bart.maxInputLength == 128)
        let pair = bart.tokenizer.encodePair("A man is eating food.", "Nobody is eating.", truncate: true, addSpecialTokens: true)
        #expect(pair.ids.first == 0 && pair.ids.last == 2 && pair.typeIDs.allSatisfy { $0 == 0 })
        // Rows of different lengths in one padded run give each row's own logits.
        let texts = ["x", "There is a fire in the building and people are trapped", String(repeating: "long ", count: 300)]
        let together = try await bart.logits(texts)
        for (text, row) in zip(texts, together) {
            Self.expectClose(try await bart.logits([text]), [row], tolerance: 1e-5, "tiny-bart-nli \(text.prefix(20))")
        }
        let error = await #expect(throws: InferenceError.self) { try await bart.logits([texts[2]], truncate: false) }
        #expect(error?.code == .inputTooLong)

        let bert = try await Self.load("tiny-nli")
        #expect(bert.tokenizer is WordPieceTokenizer && bert.tokenizer.padID == 0)
        await bart.shutdown()
        await bert.shutdown()
    }

    @Test func configurationComesFromConfigJSON() throws {
        let nli = try ClassifierConfiguration.load(directory: PackagePaths.testModels.appendingPathComponent("tiny-nli/1"))
        #expect(nli.labels == ["contradiction", "neutral", "entailment"])
        #expect(nli.index(ofLabelStartingWith: "entail") == 2 && nli.index(ofLabelStartingWith: "contra") == 0)
        let fast = try ClassifierConfiguration.load(directory: PackagePaths.testModels.appendingPathComponent("tiny-nli-fast/1"))
        #expect(fast.index(ofLabelStartingWith: "entail") == 0 && fast.index(ofLabelStartingWith: "contra") == 2)
        let bart = try ClassifierConfiguration.load(directory: PackagePaths.testModels.appendingPathComponent("tiny-bart-nli/1"))
        #expect(bart.labels == ["contradiction", "neutral", "entailment"] && bart.problemType == .singleLabel)
        let toxic = try ClassifierConfiguration.load(directory: PackagePaths.testModels.appendingPathComponent("tiny-toxic/1"))
        #expect(toxic.problemType == .multiLabel && toxic.labels.count == 6)
    }

    @Test(arguments: [
        (#"{"id2label": {"0": "a", "2": "c"}}"#, "no entry for 1"),
        (#"{"id2label": {"0": "a"}, "problem_type": "ranking"}"#, "unknown problem_type"),
        (#"{"hidden_size": 8}"#, "neither id2label nor num_labels"),
        (#"[1, 2]"#, "not a JSON object"),
    ])
    func badConfigurationsAreRefusedWithTheReason(config: String, reason: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(config.utf8).write(to: directory.appendingPathComponent("config.json"))
        let error = #expect(throws: InferenceError.self) { try ClassifierConfiguration.load(directory: directory) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func numLabelsAloneNamesLabelsLikeTransformers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"num_labels": 2}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(try ClassifierConfiguration.load(directory: directory).labels == ["LABEL_0", "LABEL_1"])
    }

    @Test func activationsAreStable() {
        #expect(Activation.softmax([1000, 1000]) == [0.5, 0.5])
        #expect(Activation.softmax([-1000, 0]).last == 1)
        #expect(Activation.sigmoid(0) == 0.5)
        #expect(Activation.sigmoid(100) == 1 && Activation.sigmoid(-100) < 1e-40)
    }
}
