import Testing

@testable import Gateway

@Suite struct ModelRouterTests {
    static let openAI = ProviderConfiguration(kind: .openAI, baseURL: "http://openai/v1", apiKey: Secret("k1"))
    static let anthropic = ProviderConfiguration(kind: .anthropic, baseURL: "http://anthropic", apiKey: Secret("k2"))
    static let gemini = ProviderConfiguration(kind: .gemini, baseURL: "http://gemini", apiKey: Secret("k3"))

    /// The model is a non-empty string; a wrong type is named as such, not reported missing.
    @Test(arguments: [
        (#"{"messages": []}"#, "missing_model", "model: a model name is required"),
        (#"{"model": null}"#, "missing_model", "model: a model name is required"),
        (#"{"model": ""}"#, "missing_model", "model: a model name is required"),
        (#"{"model": 123}"#, "invalid_model", "model: expected a string, not a number"),
        (#"{"model": ["gpt-4o"]}"#, "invalid_model", "model: expected a string, not an array"),
    ])
    func theModelIsANonEmptyString(_ body: String, _ code: String, _ message: String) throws {
        let error = #expect(throws: GatewayError.self) { _ = try Gateway.model(of: try JSONValue.parse(Array(body.utf8))) }
        #expect(error?.status == 400 && error?.code == code && error?.message == message, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("gpt-4o-mini", "openai", "gpt-4o-mini"),
        ("o3-mini", "openai", "o3-mini"),
        ("text-embedding-3-small", "openai", "text-embedding-3-small"),
        ("claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5"),
        ("gemini-2.5-flash", "gemini", "gemini-2.5-flash"),
        ("anthropic/my-claude", "anthropic", "my-claude"),
        ("google/gemini-x", "gemini", "gemini-x"),
        ("openai/ft:gpt-4o:org:custom", "openai", "ft:gpt-4o:org:custom"),
    ])
    func routesByPrefixAndExplicitProvider(_ model: String, _ provider: String, _ upstream: String) throws {
        let router = try ModelRouter(providers: [Self.openAI, Self.anthropic, Self.gemini])
        let plan = try router.plan(for: model)
        #expect(plan.map(\.provider.name) == [provider])
        #expect(plan.first?.model == upstream)
    }

    @Test func unknownOrDisabledModelsAre404sThatListWhatIsAvailable() throws {
        let router = try ModelRouter(providers: [Self.openAI])
        for model in ["llama-3", "claude-3-haiku", "xai/grok-2"] {
            let error = #expect(throws: GatewayError.self) { try router.plan(for: model) }
            #expect(error?.status == 404)
            #expect(error?.code == "model_not_found")
            #expect(error?.message.contains("openai (gpt-*") == true)
        }
        let disabled = #expect(throws: GatewayError.self) { try router.plan(for: "claude-3-haiku") }
        #expect(disabled?.message.contains("anthropic, which is not enabled") == true)
    }

    @Test func aliasesSpreadByWeightThenTryTheOtherDeploymentsThenFallbacks() throws {
        let file = try RoutesFile.parse(
            """
            providers:
              openai-backup: {kind: openai, api_key_env: BACKUP_KEY}
            models:
              fast:
                deployments:
                  - {provider: openai, model: gpt-4o-mini, weight: 3}
                  - {provider: openai-backup, model: gpt-4o-mini, weight: 1}
                fallbacks: [claude-3-5-haiku, fast]
              smart:
                fallbacks: [fast]
            """
        )
        // Tickets 0-2 pick the weight-3 deployment, ticket 3 the weight-1 one.
        for (ticket, first) in [(0, "openai"), (2, "openai"), (3, "openai-backup")] {
            let router = try ModelRouter(
                providers: [Self.openAI, Self.anthropic],
                routesFile: file,
                environment: ["BACKUP_KEY": "k9"],
                pick: { _ in ticket }
            )
            let plan = try router.plan(for: "fast")
            #expect(plan.first?.provider.name == first)
            #expect(plan.count == 3)
            #expect(plan.last?.label == "anthropic/claude-3-5-haiku")
            #expect(router.providers["openai-backup"]?.apiKey.value == "k9")
            // An alias of fallbacks only takes theirs; fast's fallback back to itself is cut, not looped.
            #expect(try router.plan(for: "smart").map(\.label) == plan.map(\.label))
        }
    }

    @Test func anEmptyRoutesFileRoutesNothing() throws {
        for text in ["", "# routes come later\n", "---\n"] {
            #expect(try RoutesFile.parse(text) == RoutesFile(), "\(text)")
        }
    }

    @Test func jsonRoutesFilesWorkToo() throws {
        let file = try RoutesFile.parse(#"{"models": {"best": {"deployments": [{"provider": "anthropic", "model": "claude-opus-4"}]}}}"#)
        let router = try ModelRouter(providers: [Self.anthropic], routesFile: file)
        #expect(try router.plan(for: "best").map(\.label) == ["anthropic/claude-opus-4"])
        #expect(router.aliases == ["best"])
    }

    @Test(arguments: [
        ("models: {a: {deployments: [{provider: nope, model: m}]}}", "models.a.deployments[0].provider: \"nope\" is not an enabled provider"),
        ("models: {a: {deployments: [{provider: openai, model: m, weight: 0}]}}", "weight: must be a whole number from 1 to 1000000"),
        // Two such weights used to overflow their sum and stop the process at the first request.
        (
            "models: {a: {deployments: [{provider: openai, model: m, weight: 9223372036854775807}, {provider: openai, model: n, weight: 9223372036854775807}]}}",
            "models.a.deployments[0].weight: must be a whole number from 1 to 1000000"
        ),
        // Misspelt keys used to be ignored: the fallbacks dropped, the private endpoint's key sent to the default one.
        (
            "models: {a: {deployments: [{provider: openai, model: m}], fallback: [gpt-4o]}}",
            "models.a.fallback: unknown key (known here: deployments, fallbacks)"
        ),
        ("providers: {x: {kind: openai, api_key_env: K, base-url: http://p}}", "providers.x.base-url: unknown key"),
        ("models: {a: {deployments: [{provider: openai, model: m, wieght: 2}]}}", "models.a.deployments[0].wieght: unknown key"),
        ("model: {a: {fallbacks: [gpt-4o]}}", "model: unknown key (known here: providers, models)"),
        ("models: {a: {deployments: [{provider: openai}]}}", "missing \"model\""),
        ("providers: {x: {kind: openai, api_key_env: MISSING}}", "providers.x.api_key_env: MISSING is not set"),
        ("providers: {x: {kind: cohere, api_key_env: K}}", "providers.x.kind: \"cohere\""),
        ("models: {a: {fallbacks: [llama-3]}}", "models.a"),
        ("models: [1, 2", ""),
    ])
    func badRoutesFilesSayWhatIsWrong(_ yaml: String, _ expected: String) throws {
        let error = #expect(throws: RoutesFileError.self) {
            let file = try RoutesFile.parse(yaml)
            _ = try ModelRouter(providers: [Self.openAI], routesFile: file, environment: ["K": "v"])
        }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }
}
