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

        enum CodingKeys: String, CodingKey {
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
    }

    public struct Route: Sendable, Decodable, Equatable {
        public var deployments: [DeploymentEntry]?
        public var fallbacks: [String]?
    }

    public var providers: [String: Provider]?
    public var models: [String: Route]?

    /// Reads YAML (a superset of JSON, so both work); errors say where in the file.
    public static func parse(_ text: String) throws(RoutesFileError) -> RoutesFile {
        do {
            return try YAMLDecoder().decode(RoutesFile.self, from: text)
        } catch let error as DecodingError {
            throw RoutesFileError(message: Self.describe(error))
        } catch {
            throw RoutesFileError(message: "\(error)")
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
