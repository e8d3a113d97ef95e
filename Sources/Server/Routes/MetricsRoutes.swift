import Foundation
import Hummingbird
import NIOCore
import Prometheus

/// `GET /metrics`: everything recorded through swift-metrics, in Prometheus' text format, with a `# HELP` line
/// for every family (swift-metrics has no place for help text, so it is added here from one table).
struct MetricsRoutes: Sendable {
    let registry: PrometheusCollectorRegistry
    let process = ProcessMetrics()

    static let help: [String: String] = [
        "http_requests_total": "HTTP requests answered, by method, route template and status.",
        "http_request_duration_seconds": "Time from request to the last byte of the answer, by method and route template.",
        "http_requests_in_flight": "HTTP requests being handled now.",
        "ml_predictions_total": "Model requests by model and outcome (ok, cancelled, overloaded, shutting_down, invalid_input, error).",
        "ml_prediction_duration_seconds": "Time a model request waited and ran, by model.",
        "ml_batch_size": "Inputs per model run, by model.",
        "ml_queue_depth": "Model requests queued or running when a run starts, by model.",
        "gateway_requests_total":
            "LLM gateway requests by provider, model and outcome (ok or the error kind), each counted once under the deployment that answered or last tried it.",
        "gateway_upstream_errors_total": "Failed upstream attempts (retried or not), by provider, model and error kind.",
        "gateway_request_duration_seconds": "LLM gateway request duration from arrival, retries included, by provider and model.",
        "gateway_time_to_first_token_seconds": "Time to the first streamed event with generated output, by provider and model.",
        "gateway_tokens_total": "Tokens by provider, model and type (prompt, completion).",
        "gateway_retries_total": "Retried upstream attempts, by provider and the error retried (reason).",
        "gateway_fallbacks_total": "Requests answered by a fallback deployment.",
        "gateway_active_streams": "Streams being relayed now.",
        "ssm_boot_duration_seconds": "Time boot spent loading parameters from SSM.",
        "ssm_parameters_loaded": "Parameters loaded from SSM at boot.",
        "cloudwatch_log_events_shipped_total": "Log lines delivered to CloudWatch Logs.",
        "cloudwatch_log_events_dropped_total":
            "Log lines not delivered, by reason: buffer_full (oldest dropped during an outage), rejected, shutdown.",
        "process_cpu_seconds_total": "User and system CPU time of the process.",
        "process_resident_memory_bytes": "Resident memory of the process.",
        "process_virtual_memory_bytes": "Virtual memory of the process.",
        "process_open_fds": "Open file descriptors of the process.",
    ]

    func register(on router: Router<some RequestContext>) {
        router.get("/metrics") { _, _ in
            self.process.update()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16 * 1024)
            self.registry.emit(into: &bytes)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.withHelp(String(decoding: bytes, as: UTF8.self))))
            )
        }
    }

    /// Puts `# HELP name …` before each `# TYPE name …` line that has none.
    static func withHelp(_ exposition: String) -> String {
        var output = ""
        output.reserveCapacity(exposition.utf8.count + 4096)
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.dropFirst(7).split(separator: " ").first, !exposition.contains("# HELP \(name) ") {
                output += "# HELP \(name) \(Self.help[String(name)] ?? String(name).replacingOccurrences(of: "_", with: " ") + ".")\n"
            }
            output += line
            output += "\n"
        }
        return String(output.dropLast())
    }
}
