import Foundation

/// The moto peer, started once per test process and shared: it takes seconds to start and seed, and every
/// test reads its own fixture path, so sharing cannot couple tests.
public enum MotoPeer {
    private static let instance = Task { try await PeerProcess.start([PackagePaths.python, PackagePaths.peer("moto_peer.py")]) }

    public static func shared() async throws -> PeerProcess {
        try await self.instance.value
    }
}

/// A metadata, container-credentials or STS stub of its own for one test, handing out the given keys.
public enum MetadataStub {
    public static func start(_ mode: String, keys: [(String, String, String)], arguments: [String] = []) async throws -> PeerProcess {
        var command = [PackagePaths.python, PackagePaths.peer("metadata_stub.py"), mode]
        for (id, secret, token) in keys { command += ["--key", id, secret, token] }
        return try await PeerProcess.start(command + arguments, timeout: 20)
    }

    /// The stub's request counters.
    public static func stats(_ peer: PeerProcess) async throws -> [String: Int] {
        let (_, body) = try await HTTPProbe.get(peer.string("endpoint") + "/_stats")
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Int]) ?? [:]
    }
}
