import Hummingbird
import Logging
import Synchronization

/// One log line per request once its response is complete (handed over when in memory, written when streamed):
/// method, route template, status, bytes, duration, the caller's key fingerprint and the model and provider that
/// served it. Health checks log at debug, so the ALB's probes do not drown everything else.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Nothing to do (not even wrapping the body) when the line would be filtered out anyway.
        guard context.logger.logLevel <= Self.level(request) else { return try await next(request, context) }
        let started = ContinuousClock.now
        do {
            var response = try await next(request, context)
            let status = response.status.code
            if let deployment = response.headers[GatewayRoutes.deploymentHeader], context.annotations.current.provider == nil {
                let parts = deployment.split(separator: "/", maxSplits: 1).map(String.init)
                context.annotations.update {
                    $0.provider = parts.first
                    $0.model = parts.count > 1 ? parts[1] : nil
                }
            }
            if let length = response.body.contentLength {
                response.body = response.body.whenFinished {
                    Self.log(request, context: context, status: status, bytes: length, started: started)
                }
            } else {
                let counted = Atomic<Int>(0)
                response.body = response.body.map { buffer in
                    counted.add(buffer.readableBytes, ordering: .relaxed)
                    return buffer
                }.whenFinished {
                    Self.log(request, context: context, status: status, bytes: counted.load(ordering: .relaxed), started: started)
                }
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            Self.log(request, context: context, status: status, bytes: nil, started: started)
            throw error
        }
    }

    static func log(_ request: Request, context: Context, status: Int, bytes: Int?, started: ContinuousClock.Instant) {
        let annotations = context.annotations.current
        let elapsed = ContinuousClock.now - started
        var metadata: Logger.Metadata = [
            "method": "\(request.method)",
            "route": "\(HTTPMetricsMiddleware.route(context))",
            "status": "\(status)",
            "duration_ms": "\(Double(elapsed.components.seconds * 1000) + Double(elapsed.components.attoseconds) / 1e15)",
        ]
        if let bytes { metadata["bytes"] = "\(bytes)" }
        if let key = annotations.keyFingerprint { metadata["key"] = "\(key)" }
        if let model = annotations.model { metadata["model"] = "\(model)" }
        if let provider = annotations.provider { metadata["provider"] = "\(provider)" }
        context.logger.log(level: Self.level(request), "request", metadata: metadata)
    }

    static func level(_ request: Request) -> Logger.Level {
        request.isHealthCheck ? .debug : .info
    }
}
