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
    /// Where configuration came from, for `/health/detailed` (set by `serve` after SSM).
    var configSummary = ConfigSource.Summary()
    let started = Date()
    /// Token buckets per caller, kept for the process's life (nil when `RATE_LIMIT_PER_MINUTE` is 0).
    var rateLimiter: TokenBucketLimiter?
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
        let frontDoor = settings.frontDoor
        self.rateLimiter =
            frontDoor.rateLimitPerMinute > 0
            ? TokenBucketLimiter(perMinute: frontDoor.rateLimitPerMinute, burst: frontDoor.rateLimitBurst) : nil
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
        let router = Router(context: SkiffRequestContext.self, options: .autoGenerateHeadEndpoints)
        let frontDoor = self.settings.frontDoor
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(AccessLogMiddleware())
        router.middlewares.add(HTTPMetricsMiddleware())
        router.middlewares.add(JSONErrorMiddleware())
        router.middlewares.add(RequestSizeMiddleware(limit: self.settings.maxRequestBytes))
        if !frontDoor.allowedOrigins.isEmpty { router.middlewares.add(AllowedOriginsMiddleware(settings: frontDoor)) }
        router.middlewares.add(
            APIKeyMiddleware(keys: APIKeys(frontDoor.apiKeys), required: frontDoor.apiKeyRequired, metricsRequireKey: frontDoor.metricsRequireKey)
        )
        if let limiter = self.rateLimiter {
            router.middlewares.add(RateLimitMiddleware(limiter: limiter, trustedProxies: frontDoor.trustedProxyCount))
        }
        router.middlewares.add(ConcurrencyLimitMiddleware(limit: self.settings.maxConcurrentRequests))
        HealthRoutes(
            readiness: self.readiness,
            details: .init(
                registry: self.registry,
                providers: self.settings.gateway.enabledProviders,
                config: self.configSummary,
                started: self.started
            )
        ).register(on: router)
        MetricsRoutes(registry: self.metrics).register(on: router)
        OpenAPIDocument.register(on: router)
        let embeddings = EmbeddingRoutes(registry: self.registry, settings: self.settings)
        embeddings.register(on: router)
        AnalysisRoutes(embeddings: embeddings, registry: self.registry, settings: self.settings.analysis).register(on: router)
        OpenAIEmbeddingRoutes(embeddings: embeddings, gateway: self.gateway, disconnects: self.disconnects).register(on: router)
        let registry = self.registry
        GatewayRoutes(
            gateway: self.gateway,
            catalog: ModelCatalog(router: self.gateway.router, client: self.httpClient),
            settings: self.settings,
            disconnects: self.disconnects,
            localModels: { registry.statuses.filter { $0.state == .loaded }.map(\.name) }
        ).register(on: router)
        MethodNotAllowedRoutes.register(on: router)
        return router
    }

    func makeApplication(router: Router<SkiffRequestContext>? = nil) -> some ApplicationProtocol {
        let readiness = self.readiness
        let logger = self.logger
        let settings = self.settings
        let onListening = self.onListening
        let disconnects = self.disconnects
        return Application(
            router: router ?? self.makeRouter(),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        RequestReadTimeoutHandler(
                            headTimeout: .milliseconds(Int64(settings.frontDoor.headerReadTimeout.seconds * 1000)),
                            bodyTimeout: .milliseconds(Int64(settings.frontDoor.bodyReadTimeout.seconds * 1000))
                        ),
                        ClientHangUpHandler(monitor: disconnects),
                    ],
                    idleTimeout: .milliseconds(Int64(settings.idleTimeout.seconds * 1000))
                )
            ),
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
                // Before the server, so that graceful shutdown stops them only after in-flight requests are done.
                .init(service: self.disconnects, successTerminationBehavior: .ignore),
                .init(service: StreamKeepAliveService(keepAlive: self.gateway.keepAlive), successTerminationBehavior: .ignore),
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
        // CloudWatch shipping first, so it stops last and its final upload carries the other services' last lines.
        if let cloudWatch = self.settings.cloudWatch {
            let shipper = CloudWatchLogShipper(
                configuration: .init(cloudWatch),
                environment: ProcessInfo.processInfo.environment,
                http: self.httpClient,
                logger: self.logger
            )
            configuration.services.insert(.init(service: shipper, successTerminationBehavior: .ignore, serviceName: "cloudwatch"), at: 0)
        } else {
            LogShipping.discardBacklog()
        }
        // Past the drain delay plus the grace period, whatever is still running is cancelled.
        configuration.maximumGracefulShutdownDuration = self.settings.drainDelay + self.settings.shutdownGrace
        return ServiceGroup(configuration: configuration)
    }
}
