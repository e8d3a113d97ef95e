import Foundation

/// The AWS shared config/credentials file format: `[section]` headers and `key = value` lines.
struct INIFile: Sendable {
    private(set) var sections: [String: [String: String]] = [:]

    init(_ text: String) {
        var current: String? = nil
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                self.sections[name, default: [:]] = self.sections[name] ?? [:]
                continue
            }
            // Indented lines continue a nested block (s3 = ...); skiff needs none of those keys.
            guard let current, rawLine.first != " ", rawLine.first != "\t", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            self.sections[current]?[key] = value
        }
    }

    subscript(section: String) -> [String: String]? { self.sections[section] }
}
