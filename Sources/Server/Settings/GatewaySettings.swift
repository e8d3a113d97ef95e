import Foundation
import Gateway
import HTTPClient

/// The LLM gateway's settings: which providers are enabled (a provider is enabled by its key), where they are,
/// the optional routes file, and retry, timeout and stream limits.
struct GatewaySettings: Sendable, Equatable {
    var providers: [ProviderConfiguration] = []
    /// Parsed `MODEL_ROUTES` or `MODEL_ROUTES_FILE`, and the values of the key variables it names.
    var routesFile: RoutesFile?
    var routesKeys: [String: Secret] = [:]
    var configuration = GatewayConfiguration()

    /// Key variable, base URL variable and provider, in the order the README lists them.
    static let providerVariables: [(kind: ProviderKind, key: [String], baseURL: String)] = [
        (.openAI, ["OPENAI_API_KEY"], "OPENAI_BASE_URL"),
        (.anthropic, ["ANTHROPIC_API_KEY"], "ANTHROPIC_BASE_URL"),
        (.gemini, ["GOOGLE_API_KEY", "GEMINI_API_KEY"], "GEMINI_BASE_URL"),
        (.deepSeek, ["DEEPSEEK_API_KEY"], "DEEPSEEK_BASE_URL"),
        (.xAI, ["XAI_API_KEY"], "XAI_BASE_URL"),
        (.azure, ["AZURE_INFERENCE_CREDENTIAL"], "AZURE_INFERENCE_ENDPOINT"),
    ]

    static func from(environment: [String: String]) throws(SettingsError) -> GatewaySettings {
        let reader = EnvironmentReader(environment: environment)
        var settings = GatewaySettings()
        for (kind, keyVariables, baseVariable) in Self.providerVariables {
            guard let key = keyVariables.lazy.compactMap({ reader.string($0) }).first(where: { !$0.isEmpty }) else {
                // Azure has no default endpoint: one set without its key is a half-made configuration, not a choice.
                if kind == .azure, let endpoint = reader.string(baseVariable), !endpoint.isEmpty {
                    throw SettingsError(variable: keyVariables[0], message: "required with \(baseVariable) (the resource's key)")
                }
                continue
            }
            let base = reader.string(baseVariable) ?? kind.defaultBaseURL
            guard let base, !base.isEmpty else {
                throw SettingsError(
                    variable: baseVariable,
                    message: "required with \(keyVariables[0]) (the resource's endpoint, e.g. https://NAME.services.ai.azure.com/models)"
                )
            }
            try Self.checkURL(base, variable: baseVariable)
            var version: String?
            if kind == .azure { version = reader.string("AZURE_API_VERSION") }
            if kind == .anthropic { version = reader.string("ANTHROPIC_VERSION") }
            settings.providers.append(ProviderConfiguration(kind: kind, baseURL: base, apiKey: Secret(key), apiVersion: version))
        }
        if let source = try Self.routesSource(reader) {
            do {
                settings.routesFile = try RoutesFile.parse(source.text)
            } catch {
                throw SettingsError(variable: source.variable, message: source.prefix + error.message)
            }
            for (_, provider) in settings.routesFile?.providers ?? [:] {
                if let variable = provider.apiKeyEnv, let value = environment[variable] { settings.routesKeys[variable] = Secret(value) }
                if let base = provider.baseURL { try Self.checkURL(base, variable: source.variable) }
            }
            do {
                _ = try settings.makeRouter()
            } catch {
                throw SettingsError(variable: source.variable, message: source.prefix + error.message)
            }
        }

        var configuration = GatewayConfiguration()
        configuration.maxAttempts = try reader.int("GATEWAY_MAX_ATTEMPTS", default: configuration.maxAttempts, range: 1...10)
        let baseMilliseconds = try reader.int("GATEWAY_RETRY_BASE_MS", default: 250, range: 1...60_000)
        configuration.retryBase = .milliseconds(baseMilliseconds)
        configuration.retryBudget = try reader.seconds("GATEWAY_RETRY_BUDGET_SECONDS", default: configuration.retryBudget, range: 0...600)
        configuration.maxRetryAfter = try reader.seconds("GATEWAY_MAX_RETRY_AFTER_SECONDS", default: configuration.maxRetryAfter, range: 0...600)
        configuration.timeouts.connect = try reader.seconds(
            "GATEWAY_CONNECT_TIMEOUT_SECONDS",
            default: configuration.timeouts.connect,
            range: 0.1...300
        )
        configuration.timeouts.firstByte = try reader.seconds("GATEWAY_FIRST_BYTE_TIMEOUT_SECONDS", default: .seconds(120), range: 0.1...3600)
        configuration.timeouts.idle = try reader.seconds("GATEWAY_IDLE_TIMEOUT_SECONDS", default: .seconds(120), range: 1...3600)
        configuration.timeouts.total = try reader.seconds("GATEWAY_TIMEOUT_SECONDS", default: .seconds(600), range: 1...86_400)
        let keepAlive = try reader.seconds("GATEWAY_STREAM_KEEPALIVE_SECONDS", default: .seconds(15), range: 0...3600)
        configuration.streamKeepAlive = keepAlive == .zero ? nil : keepAlive
        configuration.maxConcurrentStreams = try reader.int(
            "GATEWAY_MAX_CONCURRENT_STREAMS",
            default: configuration.maxConcurrentStreams,
            range: 1...100_000
        )
        configuration.anthropicDefaultMaxTokens = try reader.int(
            "ANTHROPIC_DEFAULT_MAX_TOKENS",
            default: configuration.anthropicDefaultMaxTokens,
            range: 1...1_000_000
        )
        settings.configuration = configuration
        return settings
    }

    /// The routes' text: inline in `MODEL_ROUTES` (how it arrives through SSM, like every other setting) or in the
    /// file `MODEL_ROUTES_FILE` names; `prefix` starts error messages (the file's path, nothing for inline text).
    private static func routesSource(_ reader: EnvironmentReader) throws(SettingsError) -> (variable: String, prefix: String, text: String)? {
        let inline = reader.string("MODEL_ROUTES").flatMap { $0.isEmpty ? nil : $0 }
        let path = reader.string("MODEL_ROUTES_FILE").flatMap { $0.isEmpty ? nil : $0 }
        switch (inline, path) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw SettingsError(
                variable: "MODEL_ROUTES",
                message: "set either MODEL_ROUTES (the routes themselves) or MODEL_ROUTES_FILE (a path), not both"
            )
        case (.some(let text), nil):
            return ("MODEL_ROUTES", "", text)
        case (nil, .some(let path)):
            do {
                return ("MODEL_ROUTES_FILE", "\(path): ", try String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw SettingsError(variable: "MODEL_ROUTES_FILE", message: "cannot read \(path)")
            }
        }
    }

    func makeRouter() throws(RoutesFileError) -> ModelRouter {
        try ModelRouter(providers: self.providers, routesFile: self.routesFile, environment: self.routesKeys.mapValues(\.value))
    }

    /// Names of the enabled provider accounts, for logs and health: the environment's, then the routes file's
    /// own (each enabled, or boot failed on its missing key; one may replace an environment account of its name).
    var enabledProviders: [String] {
        let environment = self.providers.map(\.name)
        return environment + (self.routesFile?.providers?.keys.sorted() ?? []).filter { !environment.contains($0) }
    }

    private static func checkURL(_ value: String, variable: String) throws(SettingsError) {
        guard let url = URL(string: value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw SettingsError(variable: variable, message: "\"\(value)\" is not an http(s) URL")
        }
    }
}
