import Foundation
import Yams

/// The optional routes file (`MODEL_ROUTES_FILE`, YAML or JSON): extra provider accounts, model aliases with
/// weighted deployments, and ordered fallbacks.
///
/// ```yaml
/// providers:
///   openai-backup: {kind: openai, api_key_env: OPENAI_API_KEY_2}
/// models:
///   fast:
///     deployments:
///       - {provider: openai, model: gpt-4o-mini, weight: 3}
///       - {provider: openai-backup, model: gpt-4o-mini, weight: 1}
///     fallbacks: [claude-3-5-haiku-latest]
///   gpt-4o:
///     fallbacks: [fast]
/// ```
public struct RoutesFile: Sendable, Decodable, Equatable {
    public struct Provider: Sendable, Decodable, Equatable {
        public var kind: String
        /// The variable holding this account's key (the key itself never goes in the file).
        public var apiKeyEnv: String?
        public var baseURL: String?
        public var apiVersion: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind
            case apiKeyEnv = "api_key_env"
            case baseURL = "base_url"
            case apiVersion = "api_version"
        }
    }

    public struct DeploymentEntry: Sendable, Decodable, Equatable {
        public var provider: String
        public var model: String
        public var weight: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case provider, model, weight }
    }

    public struct Route: Sendable, Decodable, Equatable {
        public var deployments: [DeploymentEntry]?
        public var fallbacks: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable { case deployments, fallbacks }
    }

    public var providers: [String: Provider]?
    public var models: [String: Route]?

    enum CodingKeys: String, CodingKey, CaseIterable { case providers, models }

    /// Reads YAML (a superset of JSON, so both work); errors say where in the file. An empty file (or one of
    /// comments only) routes nothing; a key the format does not know is an error, not a setting silently unused.
    public static func parse(_ text: String) throws(RoutesFileError) -> RoutesFile {
        do {
            let tree = try Yams.load(yaml: text)
            if tree == nil || tree is NSNull || (tree as? String)?.isEmpty == true { return RoutesFile() }
            try Self.checkKeys(tree as Any)
            return try YAMLDecoder().decode(RoutesFile.self, from: text)
        } catch let error as RoutesFileError {
            throw error
        } catch let error as DecodingError {
            throw RoutesFileError(message: Self.describe(error))
        } catch {
            throw RoutesFileError(message: "\(error)")
        }
    }

    /// The keys each level may have (its `CodingKeys`); the values' types are the decoder's to check.
    private static func checkKeys(_ tree: Any) throws(RoutesFileError) {
        func keys<Keys: CodingKey & CaseIterable>(_ value: Any?, at path: String, _: Keys.Type) throws(RoutesFileError) {
            guard let mapping = value as? [AnyHashable: Any] else { return }
            let allowed = Keys.allCases.map(\.stringValue)
            for key in mapping.keys.map({ "\($0)" }).sorted() where !allowed.contains(key) {
                throw RoutesFileError(message: "\(path)\(key): unknown key (known here: \(allowed.joined(separator: ", ")))")
            }
        }
        try keys(tree, at: "", CodingKeys.self)
        let top = tree as? [AnyHashable: Any]
        for (name, provider) in top?["providers"] as? [AnyHashable: Any] ?? [:] {
            try keys(provider, at: "providers.\(name).", Provider.CodingKeys.self)
        }
        for (alias, route) in top?["models"] as? [AnyHashable: Any] ?? [:] {
            try keys(route, at: "models.\(alias).", Route.CodingKeys.self)
            for (index, deployment) in ((route as? [AnyHashable: Any])?["deployments"] as? [Any] ?? []).enumerated() {
                try keys(deployment, at: "models.\(alias).deployments[\(index)].", DeploymentEntry.CodingKeys.self)
            }
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): \(context.debugDescription)"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// A routes file that cannot be used, with what is wrong and where.
public struct RoutesFileError: Error, Sendable, Equatable {
    public var message: String
}
