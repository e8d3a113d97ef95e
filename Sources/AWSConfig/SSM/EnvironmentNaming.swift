import Foundation

/// How a parameter's name becomes an environment variable name.
public enum EnvironmentNaming: String, Sendable, CaseIterable {
    /// The last path segment: `/app/prod/db/host` → `HOST`.
    case tail
    /// The path below `SSM_PARAMETER_PATH`: `/app/prod/db/host` → `DB_HOST`.
    case relative

    /// The variable name for `parameterName` under `basePath`: upper-cased, every character outside
    /// `[A-Z0-9_]` turned into `_`, and a leading digit prefixed with `_`.
    public func variableName(for parameterName: String, basePath: String) -> String {
        let source: String
        switch self {
        case .tail:
            source = parameterName.split(separator: "/").last.map(String.init) ?? parameterName
        case .relative:
            let base = SSMPath.normalize(basePath)
            var rest = Substring(parameterName)
            if base != "/" && rest.hasPrefix(base + "/") { rest = rest.dropFirst(base.count + 1) }
            source = rest.split(separator: "/").joined(separator: "_")
        }
        var name = ""
        for scalar in source.unicodeScalars {
            switch scalar {
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": name.unicodeScalars.append(scalar)
            default: name.append("_")
            }
        }
        if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "_" + name }
        return name
    }
}

/// SSM hierarchy paths as users write them: with or without the trailing slash.
public enum SSMPath {
    /// `/app/prod/` → `/app/prod`; `app/prod` → `/app/prod`; `/` stays `/`.
    public static func normalize(_ path: String) -> String {
        var trimmed = Substring(path.trimmingCharacters(in: .whitespaces))
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.hasPrefix("/") ? String(trimmed) : "/" + trimmed
    }
}
