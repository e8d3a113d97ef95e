import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Wires settings and state into a Hummingbird application. Holds routing only; model and provider
/// logic live in their own modules.
struct ServerApplication {
    let settings: Settings
    let readiness: Readiness
    let logger: Logger

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(RequestIDMiddleware())
        router.middlewares.add(JSONErrorMiddleware())
        HealthRoutes(readiness: self.readiness).register(on: router)
        return router
    }

    func makeApplication(router: Router<BasicRequestContext>? = nil) -> some ApplicationProtocol {
        let readiness = self.readiness
        let logger = self.logger
        let settings = self.settings
        return Application(
            router: router ?? self.makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(settings.idleTimeout.seconds * 1000)))),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in
                readiness.set(.ready)
                logger.info("ready", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger
        )
    }

    /// Runs until SIGTERM/SIGINT: drain first, then stop accepting and let in-flight requests finish
    /// within the grace period.
    func run() async throws {
        try await self.makeServiceGroup().run()
    }

    /// The server and the drain gate in one group; graceful shutdown reaches the drain gate first
    /// (services shut down in reverse order).
    func makeServiceGroup(router: Router<BasicRequestContext>? = nil) -> ServiceGroup {
        let app = self.makeApplication(router: router)
        var configuration = ServiceGroupConfiguration(
            services: [
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
