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

/// The embedding routes in process, on the real default model.
@Suite("Embedding routes")
struct EmbeddingRoutesTests {
    static let server = Task { () -> ServerApplication in
        var settings = Settings()
        settings.modelDirectory = PackagePaths.models.path
        settings.maxClientBatchSize = 8
        let server = ServerApplication(settings: settings, logger: Logger(label: "test"))
        await server.registry.loadAll(logger: Logger(label: "test"))
        return server
    }

    static func post(_ uri: String, _ json: String, _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        let router = try await Self.server.value.makeRouter()
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json)) {
                response in
                try check(response)
            }
        }
    }

    static func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
    }

    static func error(_ response: TestResponse) throws -> (type: String, message: String) {
        let object = try #require(try Self.json(response) as? [String: [String: String]])
        return (object["error"]?["type"] ?? "", object["error"]?["message"] ?? "")
    }

    @Test func embedOneAndMany() async throws {
        try await Self.post("/embed", #"{"inputs": "A man is eating food."}"#) { response in
            #expect(response.status == .ok)
            let vectors = try #require(try Self.json(response) as? [[Double]])
            #expect(vectors.count == 1 && vectors[0].count == 384)
            let norm = vectors[0].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
        try await Self.post("/embed", #"{"inputs": ["a", "b", "c"], "normalize": false}"#) { response in
            let vectors = try #require(try Self.json(response) as? [[Double]])
            #expect(vectors.count == 3)
            let norm = vectors[0].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) > 1e-3)
        }
    }

    @Test(arguments: [
        (#"{"inputs": []}"#, 422, "validation_error"),
        (#"{}"#, 422, "validation_error"),
        (#"{"inputs": 42}"#, 422, "validation_error"),
        (#"{"inputs": [1, 2]}"#, 422, "validation_error"),
        (#"{"inputs": ""}"#, 422, "validation_error"),
        (#"{"inputs": ["a", ""]}"#, 422, "validation_error"),
        (#"{"inputs": "x", "normalize": "yes"}"#, 422, "validation_error"),
        (#"not json"#, 400, "invalid_json"),
        (#""#, 400, "invalid_json"),
        (#"{"inputs": ["1","2","3","4","5","6","7","8","9"]}"#, 413, "batch_too_large"),
    ])
    func embedRejectsBadInput(body: String, status: Int, type: String) async throws {
        try await Self.post("/embed", body) { response in
            #expect(response.status.code == status)
            let error = try Self.error(response)
            #expect(error.type == type)
            #expect(!error.message.isEmpty)
        }
    }

    @Test func truncateFalseWithALongTextNamesTheLimit() async throws {
        let long = String(repeating: "word ", count: 400)
        try await Self.post("/embed", #"{"inputs": "\#(long)", "truncate": false}"#) { response in
            #expect(response.status.code == 413)
            let error = try Self.error(response)
            #expect(error.type == "input_too_long")
            #expect(error.message.contains("256"))
        }
        try await Self.post("/embed", #"{"inputs": "\#(long)", "truncate": true}"#) { #expect($0.status == .ok) }
    }

    @Test func openAIEmbeddingsFloatAndBase64() async throws {
        try await Self.post("/v1/embeddings", #"{"input": ["hello world", "bonjour"], "model": "all-MiniLM-L6-v2"}"#) { response in
            #expect(response.status == .ok)
            let object = try #require(try Self.json(response) as? [String: Any])
            #expect(object["object"] as? String == "list")
            #expect(object["model"] as? String == "all-MiniLM-L6-v2")
            let data = try #require(object["data"] as? [[String: Any]])
            #expect(data.map { $0["index"] as? Int } == [0, 1])
            #expect((data[0]["embedding"] as? [Double])?.count == 384)
            let usage = try #require(object["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == usage["total_tokens"])
            #expect((usage["prompt_tokens"] ?? 0) >= 6)
        }
        try await Self.post(
            "/v1/embeddings",
            #"{"input": "hello world", "model": "sentence-transformers/all-MiniLM-L6-v2", "encoding_format": "base64", "dimensions": 64}"#
        ) { response in
            #expect(response.status == .ok)
            let object = try #require(try Self.json(response) as? [String: Any])
            let data = try #require(object["data"] as? [[String: Any]])
            let encoded = try #require(data[0]["embedding"] as? String)
            let bytes = try #require(Data(base64Encoded: encoded))
            #expect(bytes.count == 64 * 4)
            let floats = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let norm = floats.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
    }

    @Test(arguments: [
        (#"{"input": "x", "model": "text-embedding-3-small"}"#, 404, "model_not_found"),
        (#"{"input": "x"}"#, 400, "invalid_request_error"),
        (#"{"input": [], "model": "all-MiniLM-L6-v2"}"#, 400, "invalid_request_error"),
        (#"{"input": [1, 2, 3], "model": "all-MiniLM-L6-v2"}"#, 400, "invalid_request_error"),
        (#"{"input": "x", "model": "all-MiniLM-L6-v2", "encoding_format": "int8"}"#, 400, "invalid_request_error"),
        (#"{"input": "x", "model": "all-MiniLM-L6-v2", "dimensions": 1000}"#, 400, "invalid_request_error"),
    ])
    func openAIEmbeddingsErrors(body: String, status: Int, type: String) async throws {
        try await Self.post("/v1/embeddings", body) { response in
            #expect(response.status.code == status)
            let error = try Self.error(response)
            #expect(error.type == type)
        }
    }

    @Test func similarityPairsAndCandidates() async throws {
        try await Self.post("/similarity", #"{"text_a": "A man is eating food.", "text_b": "A man is eating a piece of bread."}"#) { response in
            #expect(response.status == .ok)
            let object = try #require(try Self.json(response) as? [String: Any])
            let score = try #require(object["score"] as? Double)
            #expect(score > 0.5 && score <= 1.0001)
            #expect(object["is_match"] as? Bool == (score >= 0.75))
            #expect(object["threshold"] as? Double == 0.75)
        }
        try await Self.post(
            "/similarity",
            #"{"source": "A man is eating food.", "candidates": ["A man is riding a horse.", "A man is eating a piece of bread.", "Stock prices fell."]}"#
        ) { response in
            let object = try #require(try Self.json(response) as? [String: Any])
            let scores = try #require(object["scores"] as? [Double])
            #expect(scores.count == 3)
            let best = try #require(object["best_match"] as? [String: Any])
            #expect(best["index"] as? Int == 1)
            #expect(best["text"] as? String == "A man is eating a piece of bread.")
        }
        try await Self.post("/similarity", #"{"text_a": "only one"}"#) { #expect($0.status.code == 422) }
        try await Self.post("/similarity", #"{"source": "x", "candidates": []}"#) { #expect($0.status.code == 422) }
    }

    @Test func tokenizeShowsIdsAndTokens() async throws {
        try await Self.post("/tokenize", #"{"inputs": "Hello, world!"}"#) { response in
            #expect(response.status == .ok)
            let lists = try #require(try Self.json(response) as? [[[String: Any]]])
            let tokens = lists[0].map { $0["text"] as? String ?? "" }
            #expect(tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
            #expect(lists[0].first?["special"] as? Bool == true)
            #expect(lists[0][1]["special"] as? Bool == false)
            #expect(lists[0][1]["id"] as? Int == 7592)
        }
    }

    @Test func infoHasTEIsFields() async throws {
        let router = try await Self.server.value.makeRouter()
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/info", method: .get) { response in
                let object = try #require(try Self.json(response) as? [String: Any])
                #expect(object["model_id"] as? String == "all-MiniLM-L6-v2")
                #expect(object["max_input_length"] as? Int == 256)
                #expect(object["max_client_batch_size"] as? Int == 8)
                #expect(object["model_dtype"] as? String == "float32")
                #expect((object["model_sha"] as? String)?.count == 64)
                #expect(object["max_batch_tokens"] as? Int != nil)
            }
        }
    }

    @Test func aModelThatCannotLoadAnswers503WithTheReason() async throws {
        var settings = Settings()
        settings.modelDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("empty-models-\(UUID().uuidString)").path
        let server = ServerApplication(settings: settings, logger: Logger(label: "test"))
        await server.registry.loadAll(logger: Logger(label: "test"))
        try await Application(router: server.makeRouter()).test(.router) { client in
            try await client.execute(uri: "/embed", method: .post, body: ByteBuffer(string: #"{"inputs": "x"}"#)) { response in
                #expect(response.status == .serviceUnavailable)
                let error = try Self.error(response)
                #expect(error.type == "model_not_loaded")
                #expect(error.message.contains("EMBEDDING_MODEL"))
                #expect(error.message.contains("skiff models pull"))
            }
        }
    }
}
