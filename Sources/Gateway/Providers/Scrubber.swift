import Foundation

/// Removes credentials from text that came from upstream (error messages echo keys, sometimes partly masked).
enum Scrubber {
    static func scrub(_ text: String, keys: [Secret]) -> String {
        var result = text
        for key in keys where key.value.count >= 4 {
            result = result.replacingOccurrences(of: key.value, with: "[redacted]")
        }
        // OpenAI-style keys, whole or masked ("sk-proj-abc***xyz").
        return result.replacing(/sk-[A-Za-z0-9_*\-]{6,}/, with: "sk-[redacted]")
    }
}
