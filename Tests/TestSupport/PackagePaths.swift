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

    /// AWS's SigV4 test suite, beside the project as `../shared/aws-sigv4-testsuite`.
    public static var sigV4Suite: URL {
        root.deletingLastPathComponent().appendingPathComponent("shared/aws-sigv4-testsuite")
    }
}

extension PackagePaths {
    /// The registry `make models` fills.
    public static var models: URL { root.appendingPathComponent("models") }

    /// The default model's version directory.
    public static var defaultModel: URL { models.appendingPathComponent("all-MiniLM-L6-v2/1") }
}
