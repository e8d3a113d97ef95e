import Foundation
import TestSupport
import Testing

/// The built binary serving the default model: readiness, the official OpenAI SDK as a client, and
/// `skiff models pull` from a local hub.
@Suite("Models end to end")
struct ModelsEndToEndTests {
    static func environment() -> [String: String] {
        var environment = SkiffProcess.baseEnvironment()
        environment["MODEL_DIR"] = PackagePaths.models.path
        environment["EMBEDDING_MODEL"] = "all-MiniLM-L6-v2"
        return environment
    }

    @Test func readyOnlyOnceTheModelIsLoadedThenServesTheOpenAISDK() async throws {
        // Providers enabled too: the local model's name must still reach the local model, any other the provider.
        let peer = try await MockProviders.start()
        let server = try SkiffServer(environment: Self.environment().merging(MockProviders.environment(peer)) { $1 })
        try await server.waitUntilReady()
        #expect(server.log.contains("model loaded"))

        let (_, embedBody) = try await HTTPProbe.post(
            server.baseURL + "/embed",
            json: #"{"inputs": ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]}"#
        )
        let viaEmbed = try JSONDecoder().decode([[Float]].self, from: Data(embedBody.utf8))

        let result = try await SDKClient.run("openai_embeddings_client.py", [server.baseURL + "/v1", "all-MiniLM-L6-v2"])
        let viaSDK = try #require(result["default"] as? [[Double]])
        let viaSDKFloat = try #require(result["float"] as? [[Double]])
        #expect(result["indices"] as? [Int] == [0, 1, 2])
        #expect(result["model"] as? String == "all-MiniLM-L6-v2")
        #expect(result["short_length"] as? Int == 32)
        for index in 0..<3 {
            let a = viaEmbed[index].map(Double.init)
            #expect(zip(a, viaSDK[index]).allSatisfy { abs($0 - $1) < 1e-6 }, "base64 path differs at \(index)")
            #expect(zip(a, viaSDKFloat[index]).allSatisfy { abs($0 - $1) < 1e-6 }, "float path differs at \(index)")
        }
        let errors = try #require(result["errors"] as? [String: [String: Any]])
        #expect(errors["unknown_model"]?["class"] as? String == "NotFoundError")
        #expect(errors["empty_input"]?["class"] as? String == "BadRequestError")

        let upstream = { try await MockProviders.requests(peer).compactMap { $0["path"] as? String }.filter { $0.hasSuffix("/embeddings") } }
        #expect(try await upstream().isEmpty, "the local model's requests went to the provider")
        let provider = try await SDKClient.run("openai_embeddings_client.py", [server.baseURL + "/v1", "text-embedding-3-small"])
        #expect(provider["model"] as? String == "text-embedding-3-small")
        #expect(try await upstream().contains("/openai/v1/embeddings"))
        let (_, listing) = try await HTTPProbe.get(server.baseURL + "/v1/models")
        #expect(listing.contains(#""id":"all-MiniLM-L6-v2""#) && listing.contains(#""id":"openai/mock-chat""#), "\(listing)")
        // Chat with the local embedding model's name says what it is, as OpenAI does for its embedding models.
        let (chatStatus, chatBody) = try await HTTPProbe.post(
            server.baseURL + "/v1/chat/completions",
            json: #"{"model": "all-MiniLM-L6-v2", "messages": [{"role": "user", "content": "hi"}]}"#
        )
        #expect(chatStatus == 404 && chatBody.contains("is a local embedding model, served by /v1/embeddings"), "\(chatBody)")
        // Each access-log line says which model served it, and that the local ones are local.
        let lines = server.log.split(separator: "\n").filter { $0.contains(#""message":"request""#) && $0.contains(#""status":"200""#) }
        for route in ["/embed", "/v1/embeddings"] {
            let local = lines.filter { $0.contains(#""route":"\#(route)""#) && $0.contains(#""model":"all-MiniLM-L6-v2""#) }
            #expect(!local.isEmpty && local.allSatisfy { $0.contains(#""provider":"local""#) }, "\(route): \(lines)")
        }
        #expect(lines.contains { $0.contains(#""model":"text-embedding-3-small""#) && $0.contains(#""provider":"openai""#) }, "\(lines)")
        #expect(try await server.stop() == 0)
        withExtendedLifetime(peer) {}
    }

    @Test func aMissingModelLeavesTheInstanceNotReadyWithTheReason() async throws {
        var environment = Self.environment()
        environment["EMBEDDING_MODEL"] = "not-installed"
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilListening()
        var body = ""
        for _ in 0..<200 {
            if let (status, text) = try? await HTTPProbe.get(server.baseURL + "/health/ready"), status == 503, text.contains("failed to load") {
                body = text
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(body.contains("EMBEDDING_MODEL=not-installed"))
        let (live, _) = try await HTTPProbe.get(server.baseURL + "/health/live")
        #expect(live == 200)
        #expect(try await server.stop() == 0)
    }

    @Test func noModelConfiguredIsReadyAtOnce() async throws {
        var environment = Self.environment()
        environment["EMBEDDING_MODEL"] = ""
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        let (status, body) = try await HTTPProbe.post(server.baseURL + "/embed", json: #"{"inputs": "x"}"#)
        #expect(status == 503)
        #expect(body.contains("EMBEDDING_MODEL"))
        #expect(try await server.stop() == 0)
    }

    /// A hub that serves the default model's files (as a repository with an `onnx/` folder).
    static func hubRepository() throws -> URL {
        let repository = FileManager.default.temporaryDirectory.appendingPathComponent("hub-repo-\(UUID().uuidString)")
        let files = [
            "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "config.json", "sentence_bert_config.json",
            "modules.json",
        ]
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("onnx"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repository.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        for file in files {
            try FileManager.default.copyItem(at: PackagePaths.defaultModel.appendingPathComponent(file), to: repository.appendingPathComponent(file))
        }
        try FileManager.default.copyItem(
            at: PackagePaths.defaultModel.appendingPathComponent("1_Pooling/config.json"),
            to: repository.appendingPathComponent("1_Pooling/config.json")
        )
        try FileManager.default.copyItem(
            at: PackagePaths.defaultModel.appendingPathComponent("model_int8.onnx"),
            to: repository.appendingPathComponent("onnx/model.onnx")
        )
        return repository
    }

    @Test func pullInstallsAVerifiedVersionThatServes() async throws {
        let hub = try await PulledModels(hubArguments: ["--private", "acme/mini-embed", "--token", "hf_secret"])
        defer { hub.remove() }
        var environment = hub.environment

        let refused = try await SkiffProcess.run(["models", "pull", "acme/mini-embed"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("HF_TOKEN"))

        environment["HF_TOKEN"] = "hf_secret"
        let pulled = try await SkiffProcess.run(["models", "pull", "acme/mini-embed", "--revision", "main"], environment: environment, timeout: 120)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(pulled.stdout.contains("installed mini-embed version 0123456789ab"))
        #expect(!pulled.stdout.contains("hf_secret") && !pulled.stderr.contains("hf_secret"))
        let latest = try String(contentsOf: hub.models.appendingPathComponent("mini-embed/latest"), encoding: .utf8)
        #expect(latest == "0123456789ab\n")
        let metadata =
            try JSONSerialization.jsonObject(with: Data(contentsOf: hub.models.appendingPathComponent("mini-embed/0123456789ab/metadata.json")))
            as? [String: Any]
        #expect(metadata?["pooling"] as? String == "mean")
        #expect(metadata?["max_seq_length"] as? Int == 256)

        // The pulled model serves.
        var serve = SkiffProcess.baseEnvironment()
        serve["MODEL_DIR"] = hub.models.path
        serve["EMBEDDING_MODEL"] = "mini-embed"
        let server = try SkiffServer(environment: serve)
        try await server.waitUntilReady()
        let (status, _) = try await HTTPProbe.post(server.baseURL + "/embed", json: #"{"inputs": "pulled"}"#)
        #expect(status == 200)
        #expect(try await server.stop() == 0)

        let listed = try await SkiffProcess.run(["models", "list"], environment: serve)
        #expect(listed.stdout.contains("mini-embed\t0123456789ab\tembedding"))
    }

    /// Sequence-classification exports install with their task and labels from config.json and serve in their roles.
    @Test func pulledClassifiersServeTheirRoles() async throws {
        let hub = try await PulledModels(
            hubArguments: ["--repo", "acme/tiny-nli=\(PackagePaths.testModels.appendingPathComponent("tiny-nli/1").path)"],
            extraRepositories: ["acme/tiny-toxic": "tiny-toxic", "acme/tiny-cross-encoder": "tiny-cross-encoder"]
        )
        defer { hub.remove() }
        for (repository, task) in [("acme/tiny-nli", "nli"), ("acme/tiny-toxic", "classification"), ("acme/tiny-cross-encoder", "cross-encoder")] {
            let pulled = try await SkiffProcess.run(["models", "pull", repository], environment: hub.environment, timeout: 120)
            #expect(pulled.status == 0, "\(pulled.stderr)")
            let name = String(repository.split(separator: "/")[1])
            let metadata =
                try JSONSerialization.jsonObject(with: Data(contentsOf: hub.models.appendingPathComponent("\(name)/0123456789ab/metadata.json")))
                as? [String: Any]
            #expect(metadata?["task"] as? String == task, "\(repository)")
            #expect((metadata?["labels"] as? [String])?.isEmpty == false)
            #expect(metadata?["pooling"] == nil)
        }
        var serve = SkiffProcess.baseEnvironment()
        serve["MODEL_DIR"] = hub.models.path
        serve["EMBEDDING_MODEL"] = ""
        serve["CLASSIFIER_MODEL"] = "tiny-nli"
        serve["TOXICITY_MODEL"] = "tiny-toxic"
        serve["CROSS_ENCODER_MODEL"] = "tiny-cross-encoder"
        let server = try SkiffServer(environment: serve)
        try await server.waitUntilReady()
        let (status, body) = try await HTTPProbe.post(server.baseURL + "/analyze", json: #"{"text": "fire!", "labels": ["fire", "billing"]}"#)
        #expect(status == 200)
        #expect(body.contains(#""method":"nli""#) && body.contains(#""model":"tiny-toxic""#))
        let (rerank, _) = try await HTTPProbe.post(server.baseURL + "/rerank", json: #"{"query": "q", "texts": ["a", "b"]}"#)
        #expect(rerank == 200)
        #expect(try await server.stop() == 0)
    }

    @Test func pullRejectsAFileThatDoesNotMatchTheHubsDigest() async throws {
        let hub = try await PulledModels(hubArguments: ["--corrupt", "acme/mini-embed:onnx/model.onnx"])
        defer { hub.remove() }
        let environment = hub.environment
        let run = try await SkiffProcess.run(["models", "pull", "acme/mini-embed"], environment: environment, timeout: 120)
        #expect(run.status == 1)
        #expect(run.stderr.contains("sha256"))
        #expect(!FileManager.default.fileExists(atPath: hub.models.appendingPathComponent("mini-embed/latest").path))
        let missing = try await SkiffProcess.run(["models", "pull", "acme/nothing"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not found"))
    }
}

/// A hub stub serving the default model's files as `acme/mini-embed`, and an empty model directory to pull into.
struct PulledModels {
    let repository: URL
    let models: URL
    let hub: PeerProcess

    /// `extraRepositories` maps more repository ids to test models (`make test-models`) served as they are built.
    init(hubArguments: [String], extraRepositories: [String: String] = [:]) async throws {
        self.repository = try ModelsEndToEndTests.hubRepository()
        self.models = FileManager.default.temporaryDirectory.appendingPathComponent("pulled-\(UUID().uuidString)")
        let extra = extraRepositories.flatMap { ["--repo", "\($0.key)=\(PackagePaths.testModels.appendingPathComponent("\($0.value)/1").path)"] }
        self.hub = try await PeerProcess.start(
            [PackagePaths.python, PackagePaths.peer("hub_stub.py"), "--repo", "acme/mini-embed=\(self.repository.path)"] + extra + hubArguments,
            timeout: 20
        )
    }

    /// What `skiff models pull` needs to reach the hub and install here.
    var environment: [String: String] {
        var environment = SkiffProcess.baseEnvironment()
        environment["HF_ENDPOINT"] = self.hub.string("endpoint")
        environment["MODEL_DIR"] = self.models.path
        return environment
    }

    func remove() {
        self.hub.stop()
        try? FileManager.default.removeItem(at: self.repository)
        try? FileManager.default.removeItem(at: self.models)
    }
}
