import ServiceLifecycle

/// First to hear SIGTERM (it is last in the service list): marks the instance not ready and waits
/// `DRAIN_DELAY_SECONDS` so the ALB stops sending new requests before the listener closes.
struct DrainService: Service {
    let readiness: Readiness
    let delay: Duration

    func run() async throws {
        try? await gracefulShutdown()
        self.readiness.startDraining()
        if self.delay > .zero {
            try? await Task.sleep(for: self.delay)
        }
    }
}
