import Foundation
import TestSupport
import Testing

@testable import Server

/// The live server against its own contract and the tools operators point at it: Schemathesis fuzzes every
/// operation from `/openapi.json` (no 5xx, answers conform to the schema), promtool lints `/metrics`, and
/// `/health/detailed` reports models, providers and configuration without a secret in sight.
@Suite("Contract", .serialized)
struct ContractTests {
    /// Every model role filled (tiny test models and the default embedding model), so no operation is a 503.
    static func environment() -> [String: String] {
        var environment = SkiffProcess.baseEnvironment()
        environment["MODEL_DIR"] = PackagePaths.allModels.path
        environment["EMBEDDING_MODEL"] = "all-MiniLM-L6-v2"
        environment["CLASSIFIER_MODEL"] = "tiny-nli"
        environment["FAST_CLASSIFIER_MODEL"] = "tiny-nli-fast"
        environment["USE_CASCADE_CLASSIFIER"] = "true"
        environment["TOXICITY_MODEL"] = "tiny-toxic"
        environment["CROSS_ENCODER_MODEL"] = "tiny-cross-encoder"
        environment["MAX_CLIENT_BATCH_SIZE"] = "8"
        return environment
    }

    @Test(.timeLimit(.minutes(10))) func schemathesisFindsNoServerErrorAndNoSchemaViolation() async throws {
        let server = try SkiffServer(environment: Self.environment())
        defer { _ = try? server.process.terminate() }
        try await server.waitUntilReady(timeout: 60)
        let run = try await SkiffProcess.runExecutable(
            PackagePaths.root.appendingPathComponent(".venv/bin/schemathesis").path,
            [
                "run", server.baseURL + "/openapi.json", "--url", server.baseURL,
                "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "--max-examples", "25", "--generation-deterministic", "--request-timeout", "60",
                "--phases", "examples,coverage,fuzzing", "--continue-on-failure", "--no-color", "--output-truncate", "false",
            ],
            environment: ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path, "SCHEMATHESIS_TELEMETRY": "false"],
            timeout: 540
        )
        #expect(run.status == 0, "schemathesis: \(run.stdout.suffix(6000))\n\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("API Operations"))
        #expect(try await server.stop() == 0)
    }

    @Test func metricsPassPromtoolAndHealthDetailedHidesSecrets() async throws {
        var environment = Self.environment()
        environment["OPENAI_API_KEY"] = "sk-contract-secret-value-123456"
        environment["VALID_API_KEYS"] = "skiff-contract-key-0123456789"
        let server = try SkiffServer(environment: environment)
        defer { _ = try? server.process.terminate() }
        try await server.waitUntilReady(timeout: 60)
        let auth = ["Authorization": "Bearer skiff-contract-key-0123456789"]
        _ = try await HTTPProbe.post(server.baseURL + "/classify", json: #"{"text": "fire", "labels": ["fire", "billing"]}"#, headers: auth)
        _ = try await HTTPProbe.post(server.baseURL + "/embed", json: #"{"inputs": ["a", "b"]}"#, headers: auth)
        _ = try await HTTPProbe.post(server.baseURL + "/embed", json: #"{"inputs": []}"#, headers: auth)
        _ = try await HTTPProbe.get(server.baseURL + "/no/such/path/\(UUID().uuidString)", headers: auth)
        _ = try await HTTPProbe.get(server.baseURL + "/v1/models", headers: ["Authorization": "Bearer wrong-key-but-long-enough"])

        let (status, metrics) = try await HTTPProbe.get(server.baseURL + "/metrics")
        #expect(status == 200)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(metrics.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let lint = try await SkiffProcess.runExecutable(
            "/bin/sh",
            ["-c", "exec \"$0\" check metrics < \"$1\"", PackagePaths.root.appendingPathComponent(".deps/prometheus/promtool").path, file.path],
            environment: ["PATH": "/usr/bin:/bin"]
        )
        #expect(lint.status == 0, "promtool: \(lint.stdout) \(lint.stderr)")
        for family in [
            #"http_requests_total{method="POST",route="/embed",status="200"}"#, #"http_requests_total{method="POST",route="/embed",status="422"}"#,
            #"route="unmatched""#, #"status="401""#, "http_request_duration_seconds_bucket", "http_requests_in_flight",
            #"ml_predictions_total{model="all-MiniLM-L6-v2",status="ok"}"#, #"ml_predictions_total{model="tiny-nli-fast",status="ok"}"#,
            "ml_prediction_duration_seconds_bucket", "ml_batch_size", "ml_queue_depth", "process_resident_memory_bytes", "process_cpu_seconds_total",
        ] {
            #expect(metrics.contains(family), "no \(family) in /metrics")
        }
        #expect(!metrics.contains("/no/such/path"), "raw paths must not become labels")

        let (detailedStatus, detailed) = try await HTTPProbe.get(server.baseURL + "/health/detailed")
        #expect(detailedStatus == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(detailed.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "ready" && object["version"] is String && object["uptime_seconds"] is Double)
        let models = object["models"] as? [[String: Any]] ?? []
        #expect(
            Set(models.compactMap { $0["variable"] as? String }) == [
                "EMBEDDING_MODEL", "CLASSIFIER_MODEL", "FAST_CLASSIFIER_MODEL", "CROSS_ENCODER_MODEL", "TOXICITY_MODEL",
            ]
        )
        #expect(models.allSatisfy { $0["state"] as? String == "loaded" })
        #expect(object["providers"] as? [String] == ["openai"])
        #expect((object["config"] as? [String: Any])?["source"] as? String == "environment")
        #expect(try await server.stop() == 0)
        for secret in ["sk-contract-secret-value-123456", "skiff-contract-key-0123456789", "wrong-key-but-long-enough"] {
            #expect(!detailed.contains(secret) && !metrics.contains(secret) && !server.log.contains(secret), "\(secret) leaked")
        }
        // One access-log line per request, naming the caller by its key's fingerprint.
        let fingerprint = APIKeys.fingerprint("skiff-contract-key-0123456789")
        let lines = server.log.split(separator: "\n").filter { $0.contains(#""message":"request""#) }
        #expect(
            lines.contains {
                $0.contains(#""route":"/classify""#) && $0.contains(#""key":"\#(fingerprint)""#) && $0.contains(#""model":"tiny-nli-fast""#)
            }
        )
        #expect(lines.contains { $0.contains(#""status":"401""#) && !$0.contains(#""key""#) })
    }
}
