import Hummingbird

/// `/health` for the ALB's cheap check, `/health/live` for "the process answers", `/health/ready` for
/// "send me traffic" (503 while starting or draining).
struct HealthRoutes: Sendable {
    let readiness: Readiness

    struct Status: ResponseEncodable {
        let status: String
        var reason: String? = nil
    }

    func register(on router: Router<some RequestContext>) {
        router.get("/health") { _, _ in Status(status: "ok") }
        router.get("/health/live") { _, _ in Status(status: "alive") }
        router.get("/health/ready") { _, _ -> EditedResponse<Status> in
            let state = self.readiness.state
            var reason: String? = nil
            if case .starting(let why) = state { reason = why }
            return EditedResponse(
                status: state == .ready ? .ok : .serviceUnavailable,
                headers: state == .ready ? [:] : [.retryAfter: "5"],
                response: Status(status: state.name, reason: reason)
            )
        }
    }
}
