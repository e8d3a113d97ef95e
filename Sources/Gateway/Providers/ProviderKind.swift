/// The upstream APIs skiff speaks. DeepSeek, xAI and Azure AI Inference take OpenAI's body format.
public enum ProviderKind: String, Sendable, CaseIterable, Codable {
    case openAI = "openai"
    case anthropic
    case gemini
    case deepSeek = "deepseek"
    case xAI = "xai"
    case azure

    /// Names accepted before the slash in `provider/model` and in routes files.
    public static func named(_ name: String) -> ProviderKind? {
        switch name.lowercased() {
        case "openai": return .openAI
        case "anthropic": return .anthropic
        case "gemini", "google": return .gemini
        case "deepseek": return .deepSeek
        case "xai", "grok": return .xAI
        case "azure", "azure_ai", "azure-ai": return .azure
        default: return nil
        }
    }

    /// Where the provider lives when no base URL is configured (the official SDKs' defaults).
    public var defaultBaseURL: String? {
        switch self {
        case .openAI: return "https://api.openai.com/v1"
        case .anthropic: return "https://api.anthropic.com"
        case .gemini: return "https://generativelanguage.googleapis.com"
        case .deepSeek: return "https://api.deepseek.com"
        case .xAI: return "https://api.x.ai/v1"
        case .azure: return nil  // per resource: AZURE_INFERENCE_ENDPOINT
        }
    }

    /// Whether the request and response bodies are OpenAI's chat completions format.
    var speaksOpenAI: Bool {
        switch self {
        case .openAI, .deepSeek, .xAI, .azure: return true
        case .anthropic, .gemini: return false
        }
    }

    /// Whether a bare model name belongs to this provider by its prefix (`gpt-4o` → OpenAI).
    public func owns(model: String) -> Bool {
        let name = model.lowercased()
        switch self {
        case .openAI:
            if ["gpt-", "chatgpt-", "text-embedding-", "omni-moderation", "davinci", "babbage"].contains(where: name.hasPrefix) {
                return true
            }
            // o1, o3-mini, o4-mini…: "o" and a digit.
            let characters = Array(name)
            return characters.count >= 2 && characters[0] == "o" && characters[1].isNumber
        case .anthropic: return name.hasPrefix("claude-")
        case .gemini: return name.hasPrefix("gemini-") || name.hasPrefix("gemma-")
        case .deepSeek: return name.hasPrefix("deepseek-")
        case .xAI: return name.hasPrefix("grok-")
        case .azure: return false  // deployments have names of their own: "azure/NAME" or a routes file
        }
    }

    /// The prefix rule, for error messages that list what is available.
    var prefixDescription: String {
        switch self {
        case .openAI: return "gpt-*, o1*/o3*/o4*, chatgpt-*, text-embedding-*"
        case .anthropic: return "claude-*"
        case .gemini: return "gemini-*, gemma-*"
        case .deepSeek: return "deepseek-*"
        case .xAI: return "grok-*"
        case .azure: return "azure/<deployment>"
        }
    }
}
