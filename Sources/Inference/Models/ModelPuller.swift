import Foundation
import HTTPClient
import Logging

/// `skiff models pull`: fetches an ONNX export and its tokenizer and configuration files from a Hugging
/// Face–compatible hub, checks every file's size and digest against the hub's listing, and installs them as
/// a new version under `MODEL_DIR/<name>/`, switching `latest` only once everything is in place.
public struct ModelPuller: Sendable {
    /// `HF_ENDPOINT` (default https://huggingface.co) and `HF_TOKEN`.
    public struct Hub: Sendable {
        public var endpoint: String
        public var token: String?

        public init(endpoint: String = "https://huggingface.co", token: String? = nil) {
            self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
            self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// What was installed.
    public struct Installed: Sendable {
        public let name: String
        public let version: String
        public let directory: URL
        public let files: [String: Int]
    }

    struct Listing: Decodable {
        struct Sibling: Decodable {
            struct LFS: Decodable {
                let sha256: String
                let size: Int
            }
            let rfilename: String
            let size: Int?
            let blobId: String?
            let lfs: LFS?
        }
        let sha: String?
        let siblings: [Sibling]
    }

    /// Hub paths to fetch, in order of preference per local name; the first present wins.
    static let wanted: [(local: String, candidates: [String], required: Bool)] = [
        ("model.onnx", ["onnx/model.onnx", "model.onnx"], true),
        ("model_int8.onnx", ["onnx/model_quantized.onnx", "onnx/model_int8.onnx", "model_quantized.onnx"], false),
        ("tokenizer.json", ["tokenizer.json"], false),
        ("vocab.txt", ["vocab.txt"], false),
        ("tokenizer_config.json", ["tokenizer_config.json"], false),
        ("special_tokens_map.json", ["special_tokens_map.json"], false),
        ("config.json", ["config.json"], true),
        ("sentence_bert_config.json", ["sentence_bert_config.json"], false),
        ("modules.json", ["modules.json"], false),
        ("1_Pooling/config.json", ["1_Pooling/config.json"], false),
    ]

    let http: HTTPClient
    let hub: Hub
    let modelDirectory: URL
    let logger: Logger

    public init(http: HTTPClient, hub: Hub, modelDirectory: URL, logger: Logger) {
        self.http = http
        self.hub = hub
        self.modelDirectory = modelDirectory
        self.logger = logger
    }

    /// "nli", "cross-encoder" or "classification" for a `*ForSequenceClassification` export (by its labels), else
    /// "embedding".
    static func task(of directory: URL) -> String {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("config.json")),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let architectures = object["architectures"] as? [String],
            architectures.contains(where: { $0.hasSuffix("ForSequenceClassification") }),
            let configuration = try? ClassifierConfiguration.load(directory: directory)
        else { return "embedding" }
        if configuration.index(ofLabelStartingWith: "entail") != nil { return "nli" }
        return configuration.labels.count == 1 ? "cross-encoder" : "classification"
    }

    var authorization: [(name: String, value: String)] {
        self.hub.token.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// Fetches `repository` at `revision` and installs it as `name` (default: the repository's last part).
    public func pull(_ repository: String, revision: String = "main", name: String? = nil) async throws -> Installed {
        guard repository.split(separator: "/").count == 2, !repository.contains(".."), !repository.contains(" ") else {
            throw InferenceError(.download, "\"\(repository)\" is not a repository id like owner/name")
        }
        let name = name ?? String(repository.split(separator: "/").last!)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw InferenceError(.download, "\"\(name)\" is not a usable model name")
        }
        let listing = try await self.listing(repository, revision: revision)
        let available = Dictionary(listing.siblings.map { ($0.rfilename, $0) }, uniquingKeysWith: { first, _ in first })
        var plan: [(local: String, remote: Listing.Sibling)] = []
        for wanted in Self.wanted {
            if let remote = wanted.candidates.lazy.compactMap({ available[$0] }).first {
                plan.append((wanted.local, remote))
            } else if wanted.required {
                throw InferenceError(.download, "\(repository)@\(revision) has none of \(wanted.candidates.joined(separator: ", "))")
            }
        }
        guard plan.contains(where: { $0.local == "tokenizer.json" || $0.local == "vocab.txt" }) else {
            throw InferenceError(.download, "\(repository)@\(revision) has neither tokenizer.json nor vocab.txt")
        }

        let version = String((listing.sha ?? revision).prefix(12))
        let target = self.modelDirectory.appendingPathComponent(name).appendingPathComponent(version)
        let staging = self.modelDirectory.appendingPathComponent(name).appendingPathComponent(".pull-\(version)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        var installedFiles: [String: Int] = [:]
        var digests: [String: String] = [:]
        do {
            for (local, remote) in plan {
                let destination = staging.appendingPathComponent(local)
                try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                let bytes = try await self.fetch(repository, revision: revision, remote: remote, to: destination.path)
                installedFiles[local] = bytes
                digests[local] = try FileDigest.sha256(of: destination.path)
                self.logger.info("fetched", metadata: ["file": "\(remote.rfilename)", "bytes": "\(bytes)"])
            }
            var metadata = ModelMetadata(name: name, version: version, task: Self.task(of: staging))
            metadata.source = "\(self.hub.endpoint)/\(repository)@\(listing.sha ?? revision)"
            if metadata.task == "embedding" {
                metadata.pooling = Pooling.fromSentenceTransformers(staging)?.rawValue ?? "mean"
                metadata.normalize = Pooling.normalizesInSentenceTransformers(staging) ?? false
            } else {
                metadata.labels = try ClassifierConfiguration.load(directory: staging).labels
            }
            if let data = try? Data(contentsOf: staging.appendingPathComponent("sentence_bert_config.json")),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                metadata.maxSeqLength = object["max_seq_length"] as? Int
            }
            if installedFiles["model_int8.onnx"] != nil { metadata.variants = ["int8": "model_int8.onnx"] }
            metadata.sha256 = digests
            metadata.sizes = installedFiles
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(metadata).write(to: staging.appendingPathComponent("metadata.json"))

            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: staging, to: target)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        // Switch `latest` atomically: write beside it, then rename over it.
        let latest = self.modelDirectory.appendingPathComponent(name).appendingPathComponent("latest")
        let temporary = latest.appendingPathExtension("tmp")
        try (version + "\n").write(to: temporary, atomically: false, encoding: .utf8)
        _ = rename(temporary.path, latest.path)
        return Installed(name: name, version: version, directory: target, files: installedFiles)
    }

    func listing(_ repository: String, revision: String) async throws -> Listing {
        let url = "\(self.hub.endpoint)/api/models/\(repository)/revision/\(Self.escape(revision))?blobs=true"
        let response: HTTPResponse
        do {
            response = try await self.http.execute(
                HTTPRequest(url: url, headers: self.authorization, timeouts: HTTPTimeouts(connect: .seconds(10), total: .seconds(60)))
            )
        } catch let error as HTTPClientError {
            throw InferenceError(.download, "cannot reach the model hub at \(self.hub.endpoint) (HF_ENDPOINT): \(error.message)")
        }
        switch response.status {
        case 200: break
        case 401, 403:
            throw InferenceError(
                .download,
                "the hub refused access to \(repository) (HTTP \(response.status)); set HF_TOKEN for private or gated models"
            )
        case 404:
            throw InferenceError(.download, "\(repository)@\(revision) was not found on \(self.hub.endpoint)")
        default:
            throw InferenceError(.download, "listing \(repository)@\(revision) failed with HTTP \(response.status)")
        }
        do {
            return try JSONDecoder().decode(Listing.self, from: Data(response.body))
        } catch {
            throw InferenceError(.download, "the hub's file listing for \(repository) could not be read: \(error)")
        }
    }

    /// Downloads one file and checks its size and digest against the listing.
    func fetch(_ repository: String, revision: String, remote: Listing.Sibling, to path: String) async throws -> Int {
        let url = "\(self.hub.endpoint)/\(repository)/resolve/\(Self.escape(revision))/\(remote.rfilename)"
        var request = HTTPRequest(
            url: url,
            headers: self.authorization,
            // No total for multi-GB files; a hub that never answers is bounded by firstByte, one that stalls by idle.
            timeouts: HTTPTimeouts(connect: .seconds(10), total: nil, idle: .seconds(60), firstByte: .seconds(60))
        )
        request.followRedirects = true
        request.maxResponseBytes = 64 << 30
        let (response, bytes): (HTTPResponse, Int)
        do {
            (response, bytes) = try await self.http.download(request, to: path)
        } catch let error as HTTPClientError {
            throw InferenceError(.download, "downloading \(remote.rfilename) failed: \(error.message)")
        }
        guard response.status == 200 else {
            throw InferenceError(.download, "downloading \(remote.rfilename) failed with HTTP \(response.status)")
        }
        let expectedSize = remote.lfs?.size ?? remote.size
        if let expectedSize, expectedSize != bytes {
            throw InferenceError(.download, "\(remote.rfilename): received \(bytes) bytes, the hub lists \(expectedSize)")
        }
        if let sha256 = remote.lfs?.sha256 {
            let actual = try FileDigest.sha256(of: path)
            guard actual == sha256.lowercased() else {
                throw InferenceError(.download, "\(remote.rfilename): sha256 \(actual) does not match the hub's \(sha256)")
            }
        } else if let blob = remote.blobId {
            let actual = try FileDigest.gitBlobSHA1(of: path)
            guard actual == blob.lowercased() else {
                throw InferenceError(.download, "\(remote.rfilename): git blob id \(actual) does not match the hub's \(blob)")
            }
        }
        return bytes
    }

    static func escape(_ revision: String) -> String {
        revision.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? revision
    }
}
