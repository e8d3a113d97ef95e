import Foundation

/// Runs the built `skiff` binary with a clean environment: only what the test passes, plus PATH and HOME.
public struct SkiffRun: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum SkiffProcess {
    /// The minimal environment every run gets; no AWS variables leak in from the developer's shell.
    public static func baseEnvironment() -> [String: String] {
        let current = ProcessInfo.processInfo.environment
        return [
            "PATH": current["PATH"] ?? "/usr/bin:/bin",
            "HOME": FileManager.default.temporaryDirectory.path,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            // No model unless a test asks for one: loading it costs a second of CPU per server.
            "EMBEDDING_MODEL": "",
        ]
    }

    /// Runs `skiff arguments…` to completion (bounded by `timeout`) and collects its output.
    public static func run(_ arguments: [String], environment: [String: String], timeout: TimeInterval = 60) async throws -> SkiffRun {
        try await runExecutable(PackagePaths.skiff, arguments, environment: environment, timeout: timeout)
    }

    public static func runExecutable(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        timeout: TimeInterval = 60
    ) async throws -> SkiffRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        defer { killer.cancel() }
        // Both pipes are read to the end at once, so neither can fill up and block the child.
        async let outData = blockingIO { stdout.fileHandleForReading.readDataToEndOfFile() }
        async let errData = blockingIO { stderr.fileHandleForReading.readDataToEndOfFile() }
        let (out, err) = try await (outData, errData)
        try await blockingIO { process.waitUntilExit() }
        return SkiffRun(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self)
        )
    }

    /// A port nothing listens on right now, for a server the test is about to start.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PeerError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A `skiff serve` process for one test, with its output captured to a file. It binds port 0 (any free
/// port) unless told otherwise, and learns the real port from its "listening" log line.
public final class SkiffServer: @unchecked Sendable {
    // @unchecked: `boundPort` is guarded by `lock`; everything else is set in init and never mutated.
    private let lock = NSLock()
    private var boundPort: Int?
    public let process: Process
    public let logFile: URL

    public init(environment: [String: String], port: Int = 0) throws {
        if port != 0 { self.boundPort = port }
        self.logFile = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: self.logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: self.logFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: PackagePaths.skiff)
        process.arguments = ["serve"]
        var environment = environment
        environment["ML_SERVER_PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// The bound port, once the server has logged it (call after `waitUntilListening` or `waitUntilReady`).
    public var port: Int {
        self.lock.withLock { self.boundPort } ?? 0
    }

    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Waits for the "listening" log line and records the port it names.
    public func waitUntilListening(timeout: TimeInterval = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.lock.withLock({ self.boundPort }) != nil { return }
            for line in self.log.split(separator: "\n") where line.contains("\"message\":\"listening\"") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let port = (object["port"] as? String).flatMap(Int.init)
                {
                    self.lock.withLock { self.boundPort = port }
                    return
                }
            }
            if !self.process.isRunning { throw PeerError("skiff exited with \(self.process.terminationStatus): \(self.log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw PeerError("skiff did not start listening within \(timeout)s: \(self.log)")
    }

    public var log: String { (try? String(contentsOf: self.logFile, encoding: .utf8)) ?? "" }

    /// Polls `/health/ready` until it answers 200 or the process exits; returns the time it took.
    @discardableResult
    public func waitUntilReady(timeout: TimeInterval = 120) async throws -> Duration {
        let started = ContinuousClock.now
        try await self.waitUntilListening(timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !self.process.isRunning { throw PeerError("skiff exited with \(self.process.terminationStatus): \(self.log)") }
            if let (status, _) = try? await HTTPProbe.get(self.baseURL + "/health/ready"), status == 200 {
                return ContinuousClock.now - started
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PeerError("skiff not ready after \(timeout)s: \(self.log)")
    }

    /// Sends a signal and waits (bounded) for the exit status.
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 30) async throws -> Int32 {
        kill(self.process.processIdentifier, signal)
        let process = self.process
        return try await blockingIO {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning {
                process.terminate()
                throw PeerError("skiff did not exit within \(timeout)s")
            }
            return process.terminationStatus
        }
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: self.logFile)
    }
}
