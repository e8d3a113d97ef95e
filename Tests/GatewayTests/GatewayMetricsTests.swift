import HTTPClient
import Testing

@testable import Gateway

/// Model labels: a name earns one when a provider answers it, so names no provider knows cannot use up the cap.
@Suite struct GatewayMetricsTests {
    @Test func namesGetALabelOnlyOnceServedAndWithinTheCap() {
        let metrics = GatewayMetrics(maxModelLabels: 2)
        for index in 0..<300 { #expect(metrics.modelLabel("gpt-made-up-\(index)", served: false) == "unknown") }
        #expect(metrics.modelLabel("gpt-4o-mini", served: true) == "gpt-4o-mini")
        #expect(metrics.modelLabel("claude-sonnet-4-5", served: true) == "claude-sonnet-4-5")
        #expect(metrics.modelLabel("gemini-2.5-pro", served: true) == "other")
        // A model once served keeps its name when it fails later.
        #expect(metrics.modelLabel("gpt-4o-mini", served: false) == "gpt-4o-mini")
        #expect(metrics.modelLabel("gemini-2.5-pro", served: false) == "unknown")
    }

    @Test func theRoutesFilesDeploymentsAreLabelledFromTheStart() throws {
        let openAI = ProviderConfiguration(kind: .openAI, baseURL: "http://127.0.0.1:9/v1", apiKey: Secret("k"))
        let routes = try RoutesFile.parse("models: {house: {deployments: [{provider: openai, model: gpt-house}]}}")
        let metrics = GatewayMetrics()
        _ = Gateway(router: try ModelRouter(providers: [openAI], routesFile: routes), client: HTTPClient(proxy: ProxySettings()), metrics: metrics)
        #expect(metrics.modelLabel("gpt-house", served: false) == "gpt-house")
        #expect(metrics.modelLabel("house", served: false) == "unknown")
    }
}
