import Foundation

/// The mock LLM providers (`Tests/Peers/mock_providers.py`): one loopback process speaking every provider's wire
/// format under its own path prefix. Each test that counts requests starts its own.
public enum MockProviders {
    /// `keys`: provider → the key it accepts ("test" for the others).
    public static func start(keys: [String: String] = [:]) async throws -> PeerProcess {
        var command = [PackagePaths.python, PackagePaths.peer("mock_providers.py")]
        for (provider, key) in keys.sorted(by: { $0.key < $1.key }) { command += ["--key", "\(provider)=\(key)"] }
        return try await PeerProcess.start(command, timeout: 30)
    }

    /// Every provider enabled and pointed at the mock, with the given keys ("test" by default).
    public static func environment(_ peer: PeerProcess, keys: [String: String] = [:]) -> [String: String] {
        let base = peer.string("endpoint")
        func key(_ provider: String) -> String { keys[provider] ?? "test" }
        return [
            "OPENAI_API_KEY": key("openai"), "OPENAI_BASE_URL": base + "/openai/v1",
            "ANTHROPIC_API_KEY": key("anthropic"), "ANTHROPIC_BASE_URL": base + "/anthropic",
            "GOOGLE_API_KEY": key("gemini"), "GEMINI_BASE_URL": base + "/gemini",
            "DEEPSEEK_API_KEY": key("deepseek"), "DEEPSEEK_BASE_URL": base + "/deepseek",
            "XAI_API_KEY": key("xai"), "XAI_BASE_URL": base + "/xai/v1",
            "AZURE_INFERENCE_CREDENTIAL": key("azure"), "AZURE_INFERENCE_ENDPOINT": base + "/azure",
        ]
    }

    /// Every provider request the mock has seen, in order (secrets redacted by the mock).
    public static func requests(_ peer: PeerProcess) async throws -> [[String: Any]] {
        let (_, body) = try await HTTPProbe.get(peer.string("endpoint") + "/_requests")
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    public static func stats(_ peer: PeerProcess) async throws -> [String: Int] {
        let (_, body) = try await HTTPProbe.get(peer.string("endpoint") + "/_stats")
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Int]) ?? [:]
    }
}

/// Runs one of the SDK client scripts (`openai_chat_client.py`, `anthropic_client.py`, `openai_embeddings_client.py`)
/// and returns the JSON it would print. All calls go to one `sdk_peer.py` process that imports the SDKs once; a
/// script that would exit 1 (the SDK could not use the answer) fails the call.
public enum SDKClient {
    private static let peer = Task {
        try await PeerProcess.start(
            [PackagePaths.python, PackagePaths.peer("sdk_peer.py")],
            environment: ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path, "NO_PROXY": "*"],
            timeout: 60
        )
    }

    public static func run(_ script: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> [String: Any] {
        let call = try JSONSerialization.data(withJSONObject: ["script": script, "args": arguments])
        let (status, text) = try await HTTPProbe.post(
            try await self.peer.value.string("endpoint") + "/run",
            json: String(decoding: call, as: UTF8.self),
            timeout: timeout
        )
        guard status == 200, let reply = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            reply["ok"] as? Bool == true, let result = reply["result"] as? [String: Any]
        else {
            throw PeerError("\(script) \(arguments.joined(separator: " ")) failed (\(status)): \(text)")
        }
        return result
    }
}
