import Foundation
import Gateway
import HTTPClient
import Hummingbird
import Inference
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import UnixSignals

/// Wires settings and state into a Hummingbird application. Holds routing only; model and provider
/// logic live in their own modules.
struct ServerApplication {
    let settings: Settings
    let readiness: Readiness
    let registry: ModelRegistry
    let logger: Logger
    /// The process's outbound client (providers), shared by every route.
    let httpClient: HTTPClient
    let gateway: Gateway
    /// What `/metrics` prints; the process bootstraps swift-metrics with it.
    let metrics: PrometheusCollectorRegistry
    /// Watches the connections of requests waiting on providers.
    let disconnects = DisconnectMonitor()
    /// Called with the bound port once the listener is up (the port may have been 0: any free one).
    var onListening: (@Sendable (Int) -> Void)?

    init(
        settings: Settings,
        readiness: Readiness? = nil,
        registry: ModelRegistry? = nil,
        httpClient: HTTPClient? = nil,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger
    ) {
        self.settings = settings
        self.registry = registry ?? ModelRegistry(configuration: Self.registryConfiguration(settings))
        self.readiness = readiness ?? Readiness(waitsForModels: !settings.requiredModels.isEmpty)
        self.logger = logger
        self.httpClient = httpClient ?? HTTPClient()
        self.metrics = metrics
        // Settings built the router once already: a routes file that fails here failed boot before.
        let router = (try? settings.gateway.makeRouter()) ?? (try! ModelRouter(providers: settings.gateway.providers))
        self.gateway = Gateway(router: router, configuration: settings.gateway.configuration, client: self.httpClient)
    }

    static func registryConfiguration(_ settings: Settings) -> ModelRegistryConfiguration {
        ModelRegistryConfiguration(
            directory: URL(fileURLWithPath: settings.modelDirectory),
            models: settings.models,
            useInt8: settings.useInt8,
            threads: settings.threads,
            spinning: settings.threadSpinning,
            batching: BatchingConfiguration(
                maxBatchTokens: settings.maxBatchTokens,
                maxBatchSize: settings.maxBatchRequests,
                window: settings.batchWindow,
                maxPendingRequests: settings.maxConcurrentRequests
            )
        )
    }

    func makeRouter() -> Router<SkiffRequestContext> {
        let router = Router(context: SkiffRequestContext.self)
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(JSONErrorMiddleware())
        HealthRoutes(readiness: self.readiness).register(on: router)
        MetricsRoutes(registry: self.metrics).register(on: router)
        let embeddings = EmbeddingRoutes(registry: self.registry, settings: self.settings)
        embeddings.register(on: router)
        AnalysisRoutes(embeddings: embeddings, registry: self.registry, settings: self.settings.analysis).register(on: router)
        OpenAIEmbeddingRoutes(embeddings: embeddings, gateway: self.gateway).register(on: router)
        let registry = self.registry
        GatewayRoutes(
            gateway: self.gateway,
            catalog: ModelCatalog(router: self.gateway.router, client: self.httpClient),
            settings: self.settings,
            disconnects: self.disconnects,
            localModels: { registry.statuses.filter { $0.state == .loaded }.map(\.name) }
        ).register(on: router)
        return router
    }

    func makeApplication(router: Router<SkiffRequestContext>? = nil) -> some ApplicationProtocol {
        let readiness = self.readiness
        let logger = self.logger
        let settings = self.settings
        let onListening = self.onListening
        return Application(
            router: router ?? self.makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeout.seconds * 1000)))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                readiness.listenerStarted()
                let port = channel.localAddress?.port ?? settings.port
                logger.info("listening", metadata: ["host": "\(settings.host)", "port": "\(port)"])
                onListening?(port)
            },
            logger: logger
        )
    }

    /// Runs until SIGTERM/SIGINT: drain first, then stop accepting and let in-flight requests finish
    /// within the grace period.
    func run() async throws {
        try await self.makeServiceGroup().run()
    }

    /// Models, then the server, then the drain gate. Graceful shutdown runs in reverse: the drain gate
    /// marks the instance not ready, the server finishes in-flight requests, and only then do the model
    /// batchers stop.
    func makeServiceGroup(router: Router<SkiffRequestContext>? = nil) -> ServiceGroup {
        let app = self.makeApplication(router: router)
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: ModelService(
                        registry: self.registry,
                        readiness: self.readiness,
                        required: self.settings.requiredModels,
                        logger: self.logger
                    ),
                    successTerminationBehavior: .ignore,
                    serviceName: "models"
                ),
                // Before the server, so that graceful shutdown stops it only after in-flight requests are done.
                .init(service: self.disconnects, successTerminationBehavior: .ignore),
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(
                    service: DrainService(readiness: self.readiness, delay: self.settings.drainDelay),
                    successTerminationBehavior: .ignore,
                    serviceName: "drain"
                ),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: self.logger
        )
        // Past the drain delay plus the grace period, whatever is still running is cancelled.
        configuration.maximumGracefulShutdownDuration = self.settings.drainDelay + self.settings.shutdownGrace
        return ServiceGroup(configuration: configuration)
    }
}
