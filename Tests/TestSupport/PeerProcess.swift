import Foundation

public struct PeerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A helper process that announces itself with one JSON line on stdout and stops when its stdin closes,
/// so it never outlives the test process even if a test crashes.
public final class PeerProcess: @unchecked Sendable {
    // @unchecked: `process` and the pipes are set once in `start` and only read afterwards.
    public let info: [String: Any]
    let process: Process
    let stdin: Pipe

    init(info: [String: Any], process: Process, stdin: Pipe) {
        self.info = info
        self.process = process
        self.stdin = stdin
    }

    /// Starts `arguments` (the first is the executable) and waits for its first stdout line.
    public static func start(_ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 60) async throws -> PeerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let line = try await blockingIO { () -> String in
            var buffer = Data()
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    return String(decoding: buffer[..<newline], as: UTF8.self)
                }
            }
            let errors = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
            throw PeerError("\(arguments.joined(separator: " ")) did not announce itself: \(errors)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw PeerError("peer printed \(line)")
        }
        return PeerProcess(info: object, process: process, stdin: stdin)
    }

    public func string(_ key: String) -> String { self.info[key] as? String ?? "" }

    public func string(_ key: String, _ field: String) -> String {
        (self.info[key] as? [String: Any])?[field] as? String ?? ""
    }

    public func stop() {
        try? self.stdin.fileHandleForWriting.close()
        if self.process.isRunning { self.process.terminate() }
    }

    deinit { self.stop() }
}

/// Runs one of the Python peers in `Tests/Peers` as a filter: JSON in on stdin, JSON out on stdout.
public enum PythonFilter {
    public static func run(_ script: String, input: Data, timeout: TimeInterval = 120) async throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(script)-\(UUID().uuidString).json")
        try input.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await SkiffProcess.runExecutable(
            "/bin/sh",
            ["-c", "exec \"$0\" \"$1\" < \"$2\"", PackagePaths.python, PackagePaths.peer(script), file.path],
            // Hugging Face `tokenizers` spreads a batch over every core by default; the tests already use them all.
            environment: ["PATH": "/usr/bin:/bin", "TOKENIZERS_PARALLELISM": "false"],
            timeout: timeout
        )
        guard run.status == 0 else { throw PeerError("\(script) failed (\(run.status)): \(run.stderr)") }
        return Data(run.stdout.utf8)
    }
}
