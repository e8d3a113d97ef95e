import AWSConfig
import Foundation

/// Renders variables for `skiff config export`. Every format is safe to `eval`/`source` whatever the values
/// hold: shell and dotenv use POSIX single quotes, inside which nothing is special but the quote itself.
enum EnvironmentExport {
    enum Format: String, CaseIterable, Sendable {
        /// `export NAME='value'` lines for `eval "$(skiff config export …)"`.
        case shell
        /// `NAME='value'` lines for `set -a; . ./file` and dotenv loaders.
        case dotenv
        /// One JSON object, names sorted.
        case json
    }

    static func render(_ entries: [EnvironmentPlan.Entry], format: Format) -> String {
        switch format {
        case .shell:
            return entries.map { "export \($0.variable)=\(shellQuote($0.value))\n" }.joined()
        case .dotenv:
            return entries.map { "\($0.variable)=\(shellQuote($0.value))\n" }.joined()
        case .json:
            var object: [String: String] = [:]
            for entry in entries { object[entry.variable] = entry.value }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// `'…'` with each `'` written as `'\''`: no expansion of `$`, backticks or backslashes, newlines kept.
    static func shellQuote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
