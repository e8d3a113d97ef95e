import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Inference
import Logging
import NIOCore
import TestSupport
import Testing

@testable import Server

/// `/classify`, `/toxicity`, `/rerank`, `/risk`, `/analyze` and the `/similarity` band in process, configured
/// through the environment as in production, on the tiny seeded models and the real default model.
@Suite("Analysis routes")
struct AnalysisRoutesTests {
    static let fire = "There is a fire in the building and people are trapped"

    /// A server built from `environment` (plus MODEL_DIR holding every model), its models loaded.
    static func server(_ environment: [String: String]) async throws -> ServerApplication {
        let settings = try Settings.from(environment: environment.merging(["MODEL_DIR": PackagePaths.allModels.path]) { $1 })
        let server = ServerApplication(settings: settings, logger: Logger(label: "test"))
        await server.registry.loadAll(logger: Logger(label: "test"))
        return server
    }

    static let full = Task {
        try await Self.server([
            "CLASSIFIER_MODEL": "tiny-nli", "TOXICITY_MODEL": "tiny-toxic", "CROSS_ENCODER_MODEL": "tiny-cross-encoder",
            "MAX_CLIENT_BATCH_SIZE": "8",
        ])
    }
    static let embeddingOnly = Task { try await Self.server([:]) }

    struct Reply {
        let status: Int
        let body: String
        var json: Any { (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) ?? NSNull() }
        var object: [String: Any] { self.json as? [String: Any] ?? [:] }
        var errorType: String? { (self.object["error"] as? [String: Any])?["type"] as? String }
        var errorMessage: String { (self.object["error"] as? [String: Any])?["message"] as? String ?? "" }

        /// The exact text of a number field, for feeding a printed score back as a threshold.
        func rawNumber(_ field: String) -> String? {
            guard let range = self.body.range(of: "\"\(field)\":") else { return nil }
            return String(self.body[range.upperBound...].prefix { "0123456789.-eE+".contains($0) })
        }
    }

    static func post(_ server: ServerApplication, _ uri: String, _ json: Any) async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await Self.post(server, uri, raw: String(decoding: data, as: UTF8.self))
    }

    static func post(_ server: ServerApplication, _ uri: String, raw: String) async throws -> Reply {
        let router = server.makeRouter()
        return try await Application(router: router).test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: raw)) {
                Reply(status: Int($0.status.code), body: String(buffer: $0.body))
            }
        }
    }

    static func reference(_ request: [String: Any]) async throws -> [String: Any] {
        let output = try await PythonFilter.run("classifier_reference.py", input: try JSONSerialization.data(withJSONObject: request))
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    static func modelDirectory(_ name: String) -> String { PackagePaths.testModels.appendingPathComponent("\(name)/1").path }

    static func doubles(_ value: Any?) -> [Double] { (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }

    // MARK: classify

    /// The offline default: embedding zero-shot on the real model puts a fire in a fire label, not in billing.
    @Test func embeddingFallbackPutsAFireInAFireLabel() async throws {
        let server = try await Self.embeddingOnly.value
        let defaults = try await Self.post(server, "/classify", ["text": Self.fire])
        #expect(defaults.status == 200)
        #expect(defaults.object["method"] as? String == "embedding" && defaults.object["model"] as? String == "all-MiniLM-L6-v2")
        #expect((defaults.object["labels"] as? [String])?.first == "fire")
        #expect(defaults.object["sequence"] as? String == Self.fire)
        let custom = try await Self.post(server, "/classify", ["text": Self.fire, "labels": ["billing", "fire emergency", "weather report"]])
        let labels = custom.object["labels"] as? [String] ?? []
        let scores = Self.doubles(custom.object["scores"])
        #expect(labels.first == "fire emergency" && labels.last != "fire emergency")
        #expect(scores.count == 3 && scores == scores.sorted(by: >) && abs(scores.reduce(0, +) - 1) < 1e-4)
        #expect(scores[labels.firstIndex(of: "billing") ?? 0] < 0.1, "\(custom.body)")
        let batch = try await Self.post(
            server,
            "/classify",
            ["texts": [Self.fire, "I was charged twice on my invoice"], "labels": ["billing", "fire emergency"], "raw_scores": true]
        )
        let results = batch.object["results"] as? [[String: Any]] ?? []
        #expect(results.count == 2)
        #expect((results.last?["labels"] as? [String])?.first == "billing")
        #expect(Self.doubles(results.first?["raw_scores"]).count == 2)
    }

    @Test func nliDecidesWhenAClassifierIsConfigured() async throws {
        let server = try await Self.full.value
        let labels = ["fire", "sports", "billing"]
        let reply = try await Self.post(server, "/classify", ["text": Self.fire, "labels": labels, "multi_label": true])
        let expected = try await Self.reference([
            "op": "zero_shot", "model_dir": Self.modelDirectory("tiny-nli"), "texts": [Self.fire], "labels": labels,
            "hypothesis_template": "This example is {}.", "multi_label": true,
        ])
        let reference = try #require((expected["results"] as? [[String: Any]])?.first)
        #expect(reply.object["method"] as? String == "nli" && reply.object["model"] as? String == "tiny-nli")
        #expect(reply.object["labels"] as? [String] == reference["labels"] as? [String])
        #expect(zip(Self.doubles(reply.object["scores"]), Self.doubles(reference["scores"])).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// The fast model answers when its top score is at or above the threshold, the classifier when below: the
    /// threshold is set to exactly the printed fast score, then to the next representable number above it.
    @Test func theCascadeSwitchesExactlyAtTheThreshold() async throws {
        let base = [
            "EMBEDDING_MODEL": "", "USE_CASCADE_CLASSIFIER": "true", "CLASSIFIER_MODEL": "tiny-nli", "FAST_CLASSIFIER_MODEL": "tiny-nli-fast",
        ]
        let request: [String: Any] = ["text": Self.fire, "labels": ["fire", "sports", "billing"]]
        let probe = try await Self.post(try await Self.server(base.merging(["CASCADE_CONFIDENCE_THRESHOLD": "0"]) { $1 }), "/classify", request)
        let score = try #require(probe.rawNumber("fast_top_score"))
        let value = try #require(Double(score))
        #expect((probe.object["cascade"] as? [String: Any])?["escalated"] as? Bool == false)
        #expect(probe.object["model"] as? String == "tiny-nli-fast")
        #expect(abs(value - (Self.doubles(probe.object["scores"]).first ?? 0)) < 1e-6)

        for (threshold, escalated) in [(score, false), ("\(value.nextUp)", true)] {
            let reply = try await Self.post(
                try await Self.server(base.merging(["CASCADE_CONFIDENCE_THRESHOLD": threshold]) { $1 }),
                "/classify",
                request
            )
            let cascade = reply.object["cascade"] as? [String: Any] ?? [:]
            #expect(cascade["escalated"] as? Bool == escalated, "threshold \(threshold): \(reply.body)")
            #expect(reply.object["model"] as? String == (escalated ? "tiny-nli" : "tiny-nli-fast"))
            #expect(cascade["fast_model"] as? String == "tiny-nli-fast" && reply.rawNumber("fast_top_score") == score)
        }
    }

    // MARK: similarity band and rerank

    /// The cross-encoder decides scores inside [RERANK_LOW, RERANK_HIGH], both ends included.
    @Test func theSimilarityBandEdgesAreInclusive() async throws {
        let pair = ["text_a": "A man is eating food.", "text_b": "A man is eating a piece of bread."]
        let base = ["CROSS_ENCODER_MODEL": "tiny-cross-encoder"]
        let probe = try await Self.post(try await Self.server(base.merging(["RERANK_LOW": "-1", "RERANK_HIGH": "1"]) { $1 }), "/similarity", pair)
        let score = try #require(probe.rawNumber("score"))
        let value = try #require(Double(score))
        let expected = try await Self.reference([
            "op": "scores", "model_dir": Self.modelDirectory("tiny-cross-encoder"), "pairs": [[pair["text_a"]!, pair["text_b"]!]],
        ])
        let crossScore = try #require(Self.doubles((expected["scores"] as? [Any])?.first).first as Double?)
        #expect(abs((probe.object["cross_encoder_score"] as? Double ?? -1) - crossScore) < 1e-5)
        #expect(probe.object["decided_by"] as? String == "cross_encoder")
        #expect(probe.object["is_match"] as? Bool == (crossScore >= 0.5))

        let cases: [([String: String], String)] = [
            (["RERANK_LOW": score, "RERANK_HIGH": score], "cross_encoder"),
            (["RERANK_LOW": "\(value.nextUp)", "RERANK_HIGH": "1"], "bi_encoder"),
            (["RERANK_LOW": "-1", "RERANK_HIGH": "\(value.nextDown)"], "bi_encoder"),
        ]
        for (band, decider) in cases {
            let reply = try await Self.post(try await Self.server(base.merging(band) { $1 }), "/similarity", pair)
            #expect(reply.object["decided_by"] as? String == decider, "\(band): \(reply.body)")
            #expect((reply.object["cross_encoder_score"] != nil) == (decider == "cross_encoder"))
            #expect(reply.rawNumber("score") == score)
            if decider == "bi_encoder" { #expect(reply.object["is_match"] as? Bool == (value >= 0.75)) }
        }
        // Inside the band the cross-encoder's own threshold decides the match.
        let strict = try await Self.post(
            try await Self.server(base.merging(["RERANK_LOW": "-1", "RERANK_HIGH": "1", "CROSS_ENCODER_THRESHOLD": "\(crossScore + 0.001)"]) { $1 }),
            "/similarity",
            pair
        )
        #expect(strict.object["is_match"] as? Bool == false)
    }

    /// text-embeddings-inference's shape: `[{"index", "score", "text"?}]`, sorted, sigmoid of the logit unless
    /// `raw_scores`.
    @Test func rerankHasTheTEIShape() async throws {
        let server = try await Self.full.value
        let query = "How many people live in Berlin?"
        let texts = ["Berlin has 3.7 million people.", "The Eiffel Tower is in Paris.", "Berlin is big.", "Cats sleep a lot."]
        let expected = try await Self.reference([
            "op": "scores", "model_dir": Self.modelDirectory("tiny-cross-encoder"), "pairs": texts.map { [query, $0] },
        ])
        let probabilities = (expected["scores"] as? [Any] ?? []).map { Self.doubles($0)[0] }
        let logits = (expected["logits"] as? [Any] ?? []).map { Self.doubles($0)[0] }
        let order = texts.indices.sorted { probabilities[$0] > probabilities[$1] }

        let reply = try await Self.post(server, "/rerank", ["query": query, "texts": texts, "return_text": true])
        let items = try #require(reply.json as? [[String: Any]])
        #expect(items.map { $0["index"] as? Int } == order)
        for item in items {
            let index = item["index"] as? Int ?? 0
            #expect(abs((item["score"] as? Double ?? -1) - probabilities[index]) < 1e-5)
            #expect(item["text"] as? String == texts[index])
        }
        let raw = try await Self.post(server, "/rerank", ["query": query, "texts": texts, "raw_scores": true, "top_n": 2])
        let rawItems = try #require(raw.json as? [[String: Any]])
        #expect(rawItems.count == 2 && rawItems.allSatisfy { $0["text"] == nil })
        for item in rawItems { #expect(abs((item["score"] as? Double ?? 0) - logits[item["index"] as? Int ?? 0]) < 1e-4) }

        let long = try await Self.post(server, "/rerank", ["query": query, "texts": [String(repeating: "word ", count: 300)]])
        #expect(long.status == 413 && long.errorType == "input_too_long")
        let truncated = try await Self.post(server, "/rerank", ["query": query, "texts": [String(repeating: "word ", count: 300)], "truncate": true])
        #expect(truncated.status == 200)
    }

    // MARK: toxicity

    @Test func toxicityScoresEveryLabelAndJudgesAgainstTheThreshold() async throws {
        let server = try await Self.full.value
        let texts = ["You are a complete idiot.", "Thank you so much!"]
        let expected = try await Self.reference(["op": "scores", "model_dir": Self.modelDirectory("tiny-toxic"), "texts": texts])
        let labels = expected["labels"] as? [String] ?? []
        let reply = try await Self.post(server, "/toxicity", ["texts": texts, "raw_scores": true])
        let results = reply.object["results"] as? [[String: Any]] ?? []
        #expect(results.count == 2)
        for (result, row) in zip(results, expected["scores"] as? [Any] ?? []) {
            let scores = result["scores"] as? [String: Double] ?? [:]
            let reference = Self.doubles(row)
            #expect(Array(scores.keys).sorted() == labels.sorted())
            for (label, value) in zip(labels, reference) { #expect(abs((scores[label] ?? -1) - value) < 1e-5, "\(label)") }
            let flagged = labels.indices.filter { reference[$0] >= 0.5 }.sorted { reference[$0] > reference[$1] }.map { labels[$0] }
            #expect(result["flagged"] as? [String] == flagged)
            #expect(result["is_toxic"] as? Bool == !flagged.isEmpty)
            #expect((result["raw_scores"] as? [String: Double])?.count == 6)
        }
        let strict = try await Self.post(server, "/toxicity", ["text": texts[0], "threshold": 1])
        #expect(strict.object["is_toxic"] as? Bool == false && (strict.object["flagged"] as? [String])?.isEmpty == true)
        let lax = try await Self.post(server, "/toxicity", ["text": texts[0], "threshold": 0])
        #expect((lax.object["flagged"] as? [String])?.count == 6)
    }

    /// A single-label toxicity model gets a softmax, and its neutral label never counts as toxic.
    @Test func aSingleLabelToxicityModelUsesSoftmaxAndIgnoresItsNeutralLabel() async throws {
        let server = try await Self.server(["EMBEDDING_MODEL": "", "TOXICITY_MODEL": "tiny-toxic-binary", "TOXICITY_THRESHOLD": "0"])
        let reply = try await Self.post(server, "/toxicity", ["text": "You are a complete idiot."])
        let scores = reply.object["scores"] as? [String: Double] ?? [:]
        #expect(abs((scores["non-toxic"] ?? 0) + (scores["toxic"] ?? 0) - 1) < 1e-5)
        #expect(reply.object["flagged"] as? [String] == ["toxic"] && reply.object["top_label"] as? String == "toxic")
    }

    @Test func withoutAToxicityModelTheEndpointSaysHowToGetOne() async throws {
        let reply = try await Self.post(try await Self.embeddingOnly.value, "/toxicity", ["text": "hello"])
        #expect(reply.status == 503 && reply.errorType == "model_not_loaded")
        #expect(reply.errorMessage.contains("TOXICITY_MODEL") && reply.errorMessage.contains("skiff models pull"))
    }

    // MARK: risk and analyze

    @Test func riskFollowsTheDocumentedFormula() async throws {
        let reply = try await Self.post(try await Self.embeddingOnly.value, "/risk", ["text": Self.fire, "severity": "high"])
        #expect(reply.status == 200)
        #expect(abs((reply.object["score"] as? Double ?? 0) - (0.35 * 0.9 + 0.30 * 0.8 + 0.25 * 0.5) / 0.90) < 1e-9)
        #expect(reply.object["level"] as? String == "high" && reply.object["category"] as? String == "fire")
        let factors = reply.object["factors"] as? [String: [String: Any]] ?? [:]
        #expect(factors["category"]?["source"] as? String == "classification")
        #expect(factors["urgency"]?["cues"] as? [String] == ["trapped"])
        #expect((reply.object["unavailable"] as? [String: String])?["toxicity"]?.contains("TOXICITY_MODEL") == true)

        let weighted = try await Self.server([
            "EMBEDDING_MODEL": "", "RISK_WEIGHTS": "category=1,severity=1,urgency=0,toxicity=0", "RISK_CATEGORY_WEIGHTS": "billing=0.2",
        ])
        let given = try await Self.post(weighted, "/risk", ["texts": ["my invoice is wrong", "help now"], "severity": "low", "category": "billing"])
        let results = given.object["results"] as? [[String: Any]] ?? []
        #expect(results.count == 2)
        for result in results { #expect(abs((result["score"] as? Double ?? 0) - (0.2 + 0.25) / 2) < 1e-9) }
    }

    @Test func analyzeReturnsEveryPartAndDuplicates() async throws {
        let server = try await Self.full.value
        let reply = try await Self.post(
            server,
            "/analyze",
            [
                "text": Self.fire, "severity": "critical",
                "candidates": ["Fire in the building, people are trapped inside", "My invoice is wrong", Self.fire],
            ]
        )
        #expect(reply.status == 200)
        let classification = reply.object["classification"] as? [String: Any] ?? [:]
        #expect(classification["method"] as? String == "nli")
        let toxicity = reply.object["toxicity"] as? [String: Any] ?? [:]
        #expect(toxicity["model"] as? String == "tiny-toxic")
        let risk = reply.object["risk"] as? [String: Any] ?? [:]
        let factors = risk["factors"] as? [String: [String: Any]] ?? [:]
        #expect(Set(factors.keys) == ["category", "severity", "toxicity", "urgency"])
        #expect(abs((factors["toxicity"]?["value"] as? Double ?? -1) - (toxicity["top_score"] as? Double ?? -2)) < 1e-6)
        #expect(factors["category"]?["category"] as? String == (classification["labels"] as? [String])?.first)
        let duplicates = reply.object["duplicates"] as? [[String: Any]] ?? []
        #expect(duplicates.map { $0["index"] as? Int } == [2, 0])
        #expect(abs((duplicates.first?["score"] as? Double ?? 0) - 1) < 1e-4)
    }

    /// A missing model makes its part unavailable with the reason; the rest is answered.
    @Test func analyzeReportsAMissingModelAndAnswersTheRest() async throws {
        let reply = try await Self.post(try await Self.embeddingOnly.value, "/analyze", ["texts": [Self.fire, "a quiet day"], "severity": "medium"])
        #expect(reply.status == 200)
        let results = reply.object["results"] as? [[String: Any]] ?? []
        #expect(results.count == 2)
        for result in results {
            let toxicity = result["toxicity"] as? [String: Any] ?? [:]
            #expect(toxicity["available"] as? Bool == false)
            #expect((toxicity["error"] as? [String: String])?["type"] == "model_not_loaded")
            #expect((result["classification"] as? [String: Any])?["method"] as? String == "embedding")
            #expect(result["risk"] is [String: Any] && result["duplicates"] == nil)
        }
        let noModels = try await Self.server(["EMBEDDING_MODEL": ""])
        let bare = try await Self.post(noModels, "/analyze", ["text": Self.fire])
        #expect(bare.status == 200)
        #expect((bare.object["classification"] as? [String: Any])?["available"] as? Bool == false)
        #expect(((bare.object["risk"] as? [String: Any])?["unavailable"] as? [String: String])?["category"] != nil)
    }

    // MARK: bad input

    @Test(arguments: [
        ("/classify", #"{"text": ""}"#, 422),
        ("/classify", #"{"text": "x", "labels": []}"#, 422),
        ("/classify", #"{"text": "x", "labels": ["a", "a"]}"#, 422),
        ("/classify", #"{"text": "x", "hypothesis_template": "no placeholder"}"#, 422),
        ("/classify", #"{"text": "x", "texts": ["y"]}"#, 422),
        ("/classify", #"{}"#, 422),
        ("/classify", #"{"texts": ["1","2","3","4","5","6","7","8","9"]}"#, 413),
        ("/classify", #"{"text": 5}"#, 422),
        ("/classify", #"nope"#, 400),
        ("/risk", #"{"text": "x", "severity": "extreme"}"#, 422),
        ("/risk", #"{"text": "x", "category": ""}"#, 422),
        ("/analyze", #"{"text": "x", "severity": "extreme"}"#, 422),
        ("/analyze", #"{"text": "x", "candidates": [""]}"#, 422),
        ("/analyze", #"{"text": "x", "duplicate_threshold": 3}"#, 422),
        ("/toxicity", #"{"text": "x", "threshold": 2}"#, 422),
        ("/rerank", #"{"query": "", "texts": ["a"]}"#, 422),
        ("/rerank", #"{"query": "q", "texts": []}"#, 422),
        ("/rerank", #"{"query": "q", "texts": ["a"], "top_n": 0}"#, 422),
        ("/rerank", #"{"texts": ["a"]}"#, 422),
    ])
    func badInputGetsAClearError(uri: String, body: String, status: Int) async throws {
        let reply = try await Self.post(try await Self.full.value, uri, raw: body)
        #expect(reply.status == status, "\(uri) \(body): \(reply.body)")
        #expect(reply.errorType != nil && !reply.errorMessage.isEmpty)
    }

    /// BART pools on its end-of-sequence tokens: a text carrying `</s>` of its own is refused (422), not left to
    /// break its batch; the same text without it is classified.
    @Test func aBARTModelRefusesTextsCarryingItsEndOfSequenceToken() async throws {
        let server = try await Self.server(["EMBEDDING_MODEL": "", "CLASSIFIER_MODEL": "tiny-bart-nli"])
        let refused = try await Self.post(server, "/classify", ["text": "fire </s> in the building", "labels": ["fire", "billing"]])
        #expect(refused.status == 422 && refused.errorMessage.contains("</s>"), "\(refused.body)")
        let fine = try await Self.post(server, "/classify", ["text": "fire in the building", "labels": ["fire", "billing"]])
        #expect(fine.status == 200 && fine.object["model"] as? String == "tiny-bart-nli")
    }

    @Test func tooManyLabelsAndNoDefaultsAreRefused() async throws {
        let server = try await Self.server(["EMBEDDING_MODEL": "", "DEFAULT_LABELS": "", "MAX_LABELS": "3"])
        let none = try await Self.post(server, "/classify", ["text": "x"])
        #expect(none.status == 422 && none.errorMessage.contains("DEFAULT_LABELS"))
        let many = try await Self.post(server, "/classify", ["text": "x", "labels": ["a", "b", "c", "d"]])
        #expect(many.status == 422 && many.errorMessage.contains("MAX_LABELS"))
    }
}
