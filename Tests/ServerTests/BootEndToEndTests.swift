import Foundation
import TestSupport
import Testing

/// The built `skiff` binary against the moto peer: boot, serve, fail, drain, and the config commands.
@Suite("skiff end to end")
struct BootEndToEndTests {
    static func environment(_ peer: PeerProcess, user: String = "reader", path: String? = nil) -> [String: String] {
        var environment = SkiffProcess.baseEnvironment()
        environment["AWS_ACCESS_KEY_ID"] = peer.string(user, "access_key_id")
        environment["AWS_SECRET_ACCESS_KEY"] = peer.string(user, "secret_access_key")
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_ENDPOINT_URL"] = peer.string("endpoint")
        environment["SSM_RETRY_BASE_MS"] = "20"
        if let path { environment["SSM_PARAMETER_PATH"] = path }
        return environment
    }

    static func lines(_ log: String) -> [[String: Any]] {
        log.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func servesWithSSMConfigurationAndNeverLogsSecrets() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer, path: "/skiff-test/serve/")
        environment["LOG_LEVEL"] = "trace"  // boot logs everything it can...
        environment["SSM_OVERWRITE_ENV"] = "true"  // ...and then SSM's log_level=debug replaces it
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        let (status, body) = try await HTTPProbe.get(server.baseURL + "/health", headers: ["X-Request-Id": "e2e-request-1"])
        #expect(status == 200)
        #expect(body.contains("ok"))
        #expect(try await server.stop() == 0)

        let log = server.log
        let lines = Self.lines(log)
        #expect(lines.count == log.split(separator: "\n").count, "every line is JSON: \(log)")
        let loaded = try #require(lines.first { $0["message"] as? String == "loaded configuration from SSM" })
        #expect(loaded["ssm.count"] as? String == "4")
        #expect(loaded["ssm.path"] as? String == "/skiff-test/serve")
        #expect((loaded["ssm.parameters"] as? [String])?.contains("DB_PASSWORD:SecureString") == true)
        let starting = try #require(lines.first { $0["message"] as? String == "starting" })
        #expect(starting["log_level"] as? String == "debug")
        #expect(starting["shutdown_grace_s"] as? String == "7.0")
        #expect(
            lines.contains { $0["message"] as? String == "SSM parameter replaces a variable already set in the environment (SSM_OVERWRITE_ENV=true)" }
        )
        for secret in ["serve-secret-7f3a9d", "tok-9c1e55b2", peer.string("reader", "secret_access_key")] {
            #expect(!log.contains(secret), "a secret reached the logs")
        }
    }

    /// The routes (YAML in one parameter) and the key of the account they name arrive through SSM; the alias is
    /// answered with that key, not the environment's, and the key appears nowhere in the log.
    @Test func gatewayRoutesAndKeysArriveThroughSSM() async throws {
        let peer = try await MotoPeer.shared()
        let providers = try await MockProviders.start(keys: ["openai": "sk-team-ssm-8b41f0"])
        let environment = Self.environment(peer, path: "/skiff-test/gateway/").merging(MockProviders.environment(providers)) { $1 }
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        let chat = #"{"model": "house-chat", "messages": [{"role": "user", "content": "hello"}]}"#
        let (status, body) = try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: chat)
        #expect(status == 200, "\(body)")
        #expect(body.contains("echo: hello"))
        // The environment's own OpenAI key is not the one the mock accepts: the alias used the SSM one.
        let direct = #"{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}"#
        #expect(try await HTTPProbe.post(server.baseURL + "/v1/chat/completions", json: direct).0 == 401)
        let (_, health) = try await HTTPProbe.get(server.baseURL + "/health/detailed")
        #expect(health.contains("openai-team") && !health.contains("sk-team-ssm-8b41f0"))
        #expect(try await server.stop() == 0)
        #expect(server.log.contains("MODEL_ROUTES") && !server.log.contains("sk-team-ssm-8b41f0"), "\(server.log)")
        withExtendedLifetime(providers) {}
    }

    @Test func aWrongSecretFailsBootWithOneClearLine() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer, path: "/skiff-test/serve/")
        environment["AWS_SECRET_ACCESS_KEY"] = "definitely-wrong-secret"
        let run = try await SkiffProcess.run(["serve"], environment: environment, timeout: 30)
        #expect(run.status == 1)
        let errorLines = run.stderr.split(separator: "\n")
        #expect(errorLines.count == 1)
        #expect(run.stderr.contains("/skiff-test/serve"))
        #expect(run.stderr.contains("SignatureDoesNotMatch"))
        #expect(!run.stderr.contains("definitely-wrong-secret") && !run.stdout.contains("definitely-wrong-secret"))
    }

    @Test func accessDeniedFailsBootNamingThePermission() async throws {
        let peer = try await MotoPeer.shared()
        let run = try await SkiffProcess.run(["serve"], environment: Self.environment(peer, user: "denied", path: "/skiff-test/serve/"))
        #expect(run.status == 1)
        #expect(run.stderr.contains("AccessDenied"))
        #expect(run.stderr.contains("ssm:GetParametersByPath"))
    }

    @Test func optionalSSMFailureStillServes() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer, user: "denied", path: "/skiff-test/serve/")
        environment["SSM_OPTIONAL"] = "true"
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        #expect(try await server.stop() == 0)
        #expect(server.log.contains("SSM load failed; continuing because SSM_OPTIONAL=true"))
    }

    @Test func aBadSettingFailsBootNamingTheVariable() async throws {
        var environment = SkiffProcess.baseEnvironment()
        environment["ML_SERVER_PORT"] = "abc"
        let run = try await SkiffProcess.run(["serve"], environment: environment)
        #expect(run.status == 1)
        #expect(run.stderr.contains("ML_SERVER_PORT"))
        #expect(run.stderr.contains("abc"))
    }

    @Test func sigtermDrainsThenExitsCleanly() async throws {
        var environment = SkiffProcess.baseEnvironment()
        environment["DRAIN_DELAY_SECONDS"] = "1"
        let server = try SkiffServer(environment: environment)
        try await server.waitUntilReady()
        #expect(try await server.stop(signal: SIGTERM, timeout: 30) == 0)
        #expect(server.log.contains("\"message\":\"stopped\""))
    }

    @Test func sigintAlsoStopsCleanly() async throws {
        let server = try SkiffServer(environment: SkiffProcess.baseEnvironment())
        try await server.waitUntilReady()
        #expect(try await server.stop(signal: SIGINT) == 0)
    }

    @Test func healthcheckCommandExitCodes() async throws {
        let server = try SkiffServer(environment: SkiffProcess.baseEnvironment())
        try await server.waitUntilReady()
        var environment = SkiffProcess.baseEnvironment()
        environment["ML_SERVER_PORT"] = String(server.port)
        #expect(try await SkiffProcess.run(["healthcheck"], environment: environment).status == 0)
        #expect(
            try await SkiffProcess.run(["healthcheck", "--url", server.baseURL + "/health/ready"], environment: SkiffProcess.baseEnvironment()).status
                == 0
        )
        #expect(try await server.stop() == 0)
        let down = try await SkiffProcess.run(["healthcheck"], environment: environment)
        #expect(down.status == 1)
        #expect(down.stderr.contains("/health/ready"))
    }

    static let tricky: [String: String] = [
        "EQUALS": "a=b=c",
        "SINGLE_QUOTE": "it's",
        "DOUBLE_QUOTE": "say \"hi\"",
        "COMMAND": "$(touch /tmp/skiff-pwned) `touch /tmp/skiff-pwned`",
        "DOLLAR": "$HOME ${PATH} $1",
        "BACKSLASH": "C:\\path\\n\\t",
        "NEWLINE": "line one\nline two\n",
        "UNICODE": "naïve café — 東京 🚀",
        "SPACES": "  padded  value  ",
        "SEMICOLON": "x; rm -rf / #",
        "EMPTY_LIKE": " ",
    ]

    @Test(arguments: ["shell", "dotenv"])
    func configExportIsSafeToEval(format: String) async throws {
        let peer = try await MotoPeer.shared()
        try? FileManager.default.removeItem(atPath: "/tmp/skiff-pwned")
        let run = try await SkiffProcess.run(
            ["config", "export", "--path", "/skiff-test/tricky/", "--format", format],
            environment: Self.environment(peer)
        )
        #expect(run.status == 0, "\(run.stderr)")
        let names = Self.tricky.keys.sorted()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try run.stdout.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let printer = names.map { "printf '%s\\0' \"$\($0)\"" }.joined(separator: "; ")
        for shell in ["/bin/bash", "/bin/sh"] {
            let shellRun = try await SkiffProcess.runExecutable(
                shell,
                ["-c", "set -a; eval \"$(cat \"$0\")\"; \(printer)", script.path],
                environment: ["PATH": "/usr/bin:/bin"]
            )
            let values = shellRun.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            #expect(Dictionary(uniqueKeysWithValues: zip(names, values)) == Self.tricky, "\(shell)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/skiff-pwned"))
    }

    @Test func configExportJSON() async throws {
        let peer = try await MotoPeer.shared()
        let run = try await SkiffProcess.run(
            ["config", "export", "--path", "/skiff-test/tricky", "--format", "json"],
            environment: Self.environment(peer)
        )
        #expect(run.status == 0)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(run.stdout.utf8)) == Self.tricky)
    }

    @Test func configExportRespectsPrecedenceAndWarnsOnStderr() async throws {
        let peer = try await MotoPeer.shared()
        var environment = Self.environment(peer)
        environment["LOG_LEVEL"] = "info"
        let run = try await SkiffProcess.run(["config", "export", "--path", "/skiff-test/precedence/"], environment: environment)
        #expect(run.status == 0)
        #expect(run.stdout == "REGION_NAME='eu-west-1'\n")
        #expect(run.stderr.contains("LOG_LEVEL is already set"))
    }

    @Test func configExportFailureIsOneLineAndNonZero() async throws {
        let peer = try await MotoPeer.shared()
        let run = try await SkiffProcess.run(
            ["config", "export", "--path", "/skiff-test/types/"],
            environment: Self.environment(peer, user: "denied")
        )
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.split(separator: "\n").count == 1)
        let noPath = try await SkiffProcess.run(["config", "export"], environment: Self.environment(peer))
        #expect(noPath.status == 1)
        #expect(noPath.stderr.contains("SSM_PARAMETER_PATH"))
        let badFormat = try await SkiffProcess.run(["config", "export", "--path", "/x", "--format", "yaml"], environment: Self.environment(peer))
        #expect(badFormat.status != 0)
        #expect(badFormat.stderr.contains("--format"))
    }

    @Test func configExecPassesEnvironmentAndExitCode() async throws {
        let peer = try await MotoPeer.shared()
        let run = try await SkiffProcess.run(
            ["config", "exec", "--path", "/skiff-test/types/", "--", "/bin/sh", "-c", "printf '%s|%s' \"$DB_PASSWORD\" \"$HOSTS\"; exit 7"],
            environment: Self.environment(peer)
        )
        #expect(run.status == 7)
        #expect(run.stdout == "s3cr3t-Value!$(whoami)|a.example,b.example,c.example")

        var environment = Self.environment(peer, path: "/skiff-test/types/")
        environment["DB_PASSWORD"] = "from-operator"
        let kept = try await SkiffProcess.run(["config", "exec", "--", "/bin/sh", "-c", "printf '%s' \"$DB_PASSWORD\""], environment: environment)
        #expect(kept.status == 0)
        #expect(kept.stdout == "from-operator")
        #expect(kept.stderr.contains("DB_PASSWORD is already set"))

        let missing = try await SkiffProcess.run(
            ["config", "exec", "--path", "/skiff-test/types/", "--", "/no/such/program"],
            environment: Self.environment(peer)
        )
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("/no/such/program"))
    }
}
