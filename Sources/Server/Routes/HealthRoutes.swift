import Foundation
import Hummingbird
import Inference

/// `/health` for the ALB's cheap check, `/health/live` for "the process answers", `/health/ready` for
/// "send me traffic" (503 while starting or draining), `/health/detailed` for people: version, uptime, models,
/// providers and where the configuration came from (names and counts, never values).
struct HealthRoutes: Sendable {
    let readiness: Readiness
    var details: Details? = nil

    /// What `/health/detailed` reports besides readiness.
    struct Details: Sendable {
        let registry: ModelRegistry
        let providers: [String]
        let config: ConfigSource.Summary
        let started: Date
    }

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
        if let details = self.details {
            router.get("/health/detailed") { _, _ in self.detailed(details) }
        }
    }

    func detailed(_ details: Details) -> Response {
        let state = self.readiness.state
        var output = JSONOutput()
        output.raw("{\"status\":")
        output.string(state.name)
        if case .starting(let why) = state {
            output.raw(",\"reason\":")
            output.string(why)
        }
        output.raw(",\"version\":")
        output.string(SkiffVersion.current)
        output.raw(",\"uptime_seconds\":")
        output.number((Date().timeIntervalSince(details.started) * 10).rounded() / 10)
        output.raw(",\"models\":[")
        for (index, model) in details.registry.statuses.enumerated() {
            if index > 0 { output.raw(",") }
            output.raw("{\"role\":")
            output.string(model.role)
            output.raw(",\"variable\":")
            output.string(model.variable)
            output.raw(",\"name\":")
            output.string(model.name)
            output.raw(",\"state\":")
            output.string(model.state.rawValue)
            for (key, value) in [("version", model.version), ("variant", model.variant), ("reason", model.reason)] {
                guard let value else { continue }
                output.raw(",\"\(key)\":")
                output.string(value)
            }
            output.raw("}")
        }
        output.raw("],\"providers\":")
        output.strings(details.providers)
        output.raw(",\"config\":{\"source\":")
        output.string(details.config.ssmPath == nil ? "environment" : "ssm")
        if let path = details.config.ssmPath {
            output.raw(",\"ssm_path\":")
            output.string(path)
            output.raw(",\"parameter_count\":")
            output.number(details.config.parameterCount)
            output.raw(",\"load_seconds\":")
            output.number(details.config.loadSeconds)
            if let failed = details.config.failed {
                output.raw(",\"ssm_error\":")
                output.string(failed)
            }
        }
        output.raw("}}")
        return output.response()
    }
}
