import Inference
import Logging
import ServiceLifecycle

/// Loads the configured models once the server is up (so `/health/live` answers while they load), tells
/// readiness, and on shutdown lets the batchers finish what the server's in-flight requests queued.
/// It comes before the HTTP server in the group, so it shuts down after it.
struct ModelService: Service {
    let registry: ModelRegistry
    let readiness: Readiness
    let required: [String]
    let logger: Logger

    func run() async throws {
        await self.registry.loadAll(logger: self.logger)
        let failed = self.registry.statuses.filter { self.required.contains($0.variable) && $0.state != .loaded }
        self.readiness.modelsLoaded(
            problem: failed.isEmpty
                ? nil : failed.map { "\($0.variable)=\($0.name) failed to load: \($0.reason ?? "unknown")" }.joined(separator: "; ")
        )
        try? await gracefulShutdown()
        await self.registry.shutdown()
    }
}
