/// Anthropic's `thinking`, read once for every provider: `/v1/messages` clients send it, and chat clients may too
/// (as LiteLLM's do), since OpenAI's chat API has no way to ask for a model's reasoning to be shown.
struct Thinking: Sendable, Equatable {
    enum Mode: Sendable, Equatable {
        /// Reasoning within a budget of tokens (at least 1,024, as Anthropic requires).
        case enabled(budget: Int)
        /// The model decides whether and how much to reason.
        case adaptive
        /// No reasoning: `disabled`, or `between_tools`, which only adds progress notes between tool calls.
        case disabled
    }

    var mode: Mode
    /// Whether the reasoning comes back as text: not when it is off, nor with `display: "omitted"`.
    var shown: Bool
    /// The object as it came (checked), for Anthropic, which takes it as it is.
    var object: JSONValue
}

extension RequestFields {
    /// `thinking`, checked as Anthropic checks it: a known type, a whole budget of at least 1,024 tokens when
    /// enabled, a known `display`.
    func thinking(_ body: JSONValue) throws(GatewayError) -> Thinking? {
        guard let thinking = try self.object(body["thinking"], "thinking") else { return nil }
        let type = try self.choice(thinking["type"], "thinking.type", ["enabled", "disabled", "adaptive", "between_tools"])
        let display = try self.choice(thinking["display"], "thinking.display", ["summarized", "omitted"])
        let mode: Thinking.Mode
        switch try self.required(type, "thinking.type") {
        case "enabled":
            let budget = try self.int(thinking["budget_tokens"], "thinking.budget_tokens", minimum: 1024)
            mode = .enabled(budget: try self.required(budget, "thinking.budget_tokens"))
        case "adaptive": mode = .adaptive
        default: mode = .disabled
        }
        return Thinking(mode: mode, shown: mode != .disabled && display != "omitted", object: .object(thinking))
    }
}
