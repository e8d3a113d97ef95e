/// One upstream account: the API it speaks, where it is, and the key it takes. Several may share a kind
/// (two OpenAI keys for a weighted deployment); `name` tells them apart in metrics and errors.
public struct ProviderConfiguration: Sendable, Equatable {
    public var kind: ProviderKind
    public var name: String
    /// Without a trailing slash. OpenAI, xAI: includes `/v1`; Anthropic, Gemini: without the version.
    public var baseURL: String
    public var apiKey: Secret
    /// Azure's `api-version` query value, or the `anthropic-version` header.
    public var apiVersion: String?

    public init(kind: ProviderKind, name: String? = nil, baseURL: String, apiKey: Secret, apiVersion: String? = nil) {
        self.kind = kind
        self.name = name ?? kind.rawValue
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.apiVersion = apiVersion ?? Self.defaultVersion(kind)
    }

    static func defaultVersion(_ kind: ProviderKind) -> String? {
        switch kind {
        case .azure: return "2024-05-01-preview"
        case .anthropic: return "2023-06-01"
        default: return nil
        }
    }
}

/// A model at a provider: what a client's model name resolves to.
public struct Deployment: Sendable, Equatable {
    public var provider: ProviderConfiguration
    /// The model name the provider knows.
    public var model: String
    /// Share of traffic among the deployments of one route.
    public var weight: Int

    public init(provider: ProviderConfiguration, model: String, weight: Int = 1) {
        self.provider = provider
        self.model = model
        self.weight = weight
    }

    /// `provider/model`, for logs and metrics.
    public var label: String { "\(self.provider.name)/\(self.model)" }
}
