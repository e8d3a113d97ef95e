import AWSConfig
import Foundation
import TestSupport
import Testing

@testable import Server

/// Exported files must reproduce every value exactly when a shell evaluates them, and run nothing.
@Suite("config export formats")
struct EnvironmentExportTests {
    static let tricky: [String: String] = [
        "EQUALS": "a=b=c",
        "SINGLE_QUOTE": "it's 'quoted'",
        "DOUBLE_QUOTE": "say \"hi\"",
        "COMMAND": "$(touch /tmp/skiff-export-pwned) `touch /tmp/skiff-export-pwned`",
        "DOLLAR": "$HOME ${PATH} $1 $$",
        "BACKSLASH": "C:\\path\\n\\t\\",
        "NEWLINE": "line one\nline two\n",
        "UNICODE": "naïve café — 東京 🚀",
        "SPACES": "  padded  value  ",
        "SEMICOLON": "x; echo injected #",
        "EMPTY": "",
        "CONTROL": "tab\there\u{1}",
    ]

    static var entries: [EnvironmentPlan.Entry] {
        get throws {
            let parameters = tricky.map { SSMParameter(name: "/t/\($0.key.lowercased())", type: "String", value: $0.value) }
            return try EnvironmentPlan(parameters: parameters, basePath: "/t", naming: .tail, existing: [:], overwrite: false).assignments
        }
    }

    /// Loads `script` with `shell` (`load` refers to the file as "$0"), then prints each variable
    /// NUL-separated so newlines survive.
    static func evaluate(_ script: String, shell: String, load: String) async throws -> [String: String] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let names = tricky.keys.sorted()
        let printer = names.map { "printf '%s\\0' \"$\($0)\"" }.joined(separator: "; ")
        let run = try await SkiffProcess.runExecutable(shell, ["-c", "\(load); \(printer)", file.path], environment: ["PATH": "/usr/bin:/bin"])
        #expect(run.status == 0, "\(run.stderr)")
        let values = run.stdout.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(names, values))
    }

    @Test(arguments: [
        ("/bin/bash", #"eval "$(cat "$0")""#, "shell"), ("/bin/sh", #"eval "$(cat "$0")""#, "shell"), ("/bin/sh", #". "$0""#, "shell"),
        ("/bin/bash", #"set -a; . "$0""#, "dotenv"), ("/bin/sh", #"set -a; . "$0""#, "dotenv"),
    ])
    func shellsReadBackEveryValueExactly(shell: String, load: String, format: String) async throws {
        try? FileManager.default.removeItem(atPath: "/tmp/skiff-export-pwned")
        let script = EnvironmentExport.render(try Self.entries, format: EnvironmentExport.Format(rawValue: format)!)
        let values = try await Self.evaluate(script, shell: shell, load: load)
        #expect(values == Self.tricky)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/skiff-export-pwned"))
    }

    @Test func jsonRoundTrips() throws {
        let text = EnvironmentExport.render(try Self.entries, format: .json)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(decoded == Self.tricky)
    }

    @Test func shellQuoting() {
        #expect(EnvironmentExport.shellQuote("plain") == "'plain'")
        #expect(EnvironmentExport.shellQuote("it's") == "'it'\\''s'")
        #expect(EnvironmentExport.shellQuote("") == "''")
    }
}
