import Foundation

/// Where tests find the project's files, the built binary and the Python peers, from this file's location.
public enum PackagePaths {
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var python: String { root.appendingPathComponent(".venv/bin/python").path }

    public static func peer(_ name: String) -> String { root.appendingPathComponent("Tests/Peers/\(name)").path }

    /// The `skiff` executable of the current build (`SKIFF_BIN` overrides).
    public static var skiff: String {
        if let override = ProcessInfo.processInfo.environment["SKIFF_BIN"], !override.isEmpty { return override }
        return root.appendingPathComponent(".build/debug/skiff").path
    }

    /// AWS's SigV4 test suite, beside the project as `../shared/aws-sigv4-testsuite` — or, for a clone made
    /// elsewhere (`git clone . "$(mktemp -d)"`), beside the local checkout it was cloned from.
    public static var sigV4Suite: URL {
        let relative = "shared/aws-sigv4-testsuite"
        let beside = root.deletingLastPathComponent().appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: beside.path) { return beside }
        if let origin = localOrigin() {
            let besideOrigin = origin.deletingLastPathComponent().appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: besideOrigin.path) { return besideOrigin }
        }
        return beside
    }

    /// The `origin` remote when it is a directory on this machine.
    private static func localOrigin() -> URL? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", root.path, "config", "--get", "remote.origin.url"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !text.isEmpty, !text.contains("://") else { return nil }
        let path = text.hasPrefix("file://") ? String(text.dropFirst(7)) : text
        return URL(fileURLWithPath: path.hasPrefix("/") ? path : root.appendingPathComponent(path).path).standardizedFileURL
    }
}

extension PackagePaths {
    /// The registry `make models` fills.
    public static var models: URL { root.appendingPathComponent("models") }

    /// The default model's version directory.
    public static var defaultModel: URL { models.appendingPathComponent("all-MiniLM-L6-v2/1") }
}

extension PackagePaths {
    /// The tiny seeded classifier, NLI and cross-encoder models `make test-models` builds.
    public static var testModels: URL { root.appendingPathComponent("test-models") }

    /// One model directory holding the test models and the default model side by side (symbolic links in a
    /// temporary directory), so a server can be configured with any mix of them.
    public static let allModels: URL = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-models-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for root in [testModels, models] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where !name.hasPrefix(".") {
                try? FileManager.default.createSymbolicLink(
                    at: directory.appendingPathComponent(name),
                    withDestinationURL: root.appendingPathComponent(name)
                )
            }
        }
        return directory
    }()
}
