import Hummingbird
import Logging
import Synchronization

/// One log line per request once its response is complete (handed over when in memory, written when streamed):
/// method, route template, status, bytes, duration, the caller's key fingerprint, the model and provider that
/// served it, and for the gateway its accounting (annotated by the route). Health checks log at debug, so the
/// ALB's probes do not drown everything else; a failed gateway request logs at warning or error.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        guard context.logger.logLevel <= Self.level(request) else {
            // Below the line's usual level only a failed gateway request (its route raised the level) still shows:
            // no byte counting, and nothing formatted for the others.
            let logIfRaised: @Sendable (Int) -> Void = { status in
                guard let level = context.annotations.current.level, context.logger.logLevel <= level else { return }
                Self.log(request, context: context, status: status, bytes: nil, started: started)
            }
            do {
                var response = try await next(request, context)
                let status = response.status.code
                response.body = response.body.whenFinished { logIfRaised(status) }
                return response
            } catch {
                logIfRaised(Self.status(of: error))
                throw error
            }
        }
        do {
            var response = try await next(request, context)
            let status = response.status.code
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
            Self.log(request, context: context, status: Self.status(of: error), bytes: nil, started: started)
            throw error
        }
    }

    static func status(of error: any Error) -> Int {
        (error as? any HTTPResponseError)?.status.code ?? 500
    }

    static func log(_ request: Request, context: Context, status: Int, bytes: Int?, started: ContinuousClock.Instant) {
        let annotations = context.annotations.current
        let elapsed = ContinuousClock.now - started
        var metadata = annotations.fields
        metadata.merge([
            "method": "\(request.method)",
            "route": "\(HTTPMetricsMiddleware.route(context))",
            "status": "\(annotations.status ?? status)",
            "duration_ms": "\(Double(elapsed.components.seconds * 1000) + Double(elapsed.components.attoseconds) / 1e15)",
        ]) { $1 }
        if let bytes { metadata["bytes"] = "\(bytes)" }
        if let key = annotations.keyFingerprint { metadata["key"] = "\(key)" }
        if let model = annotations.model { metadata["model"] = "\(model)" }
        if let provider = annotations.provider { metadata["provider"] = "\(provider)" }
        context.logger.log(level: max(Self.level(request), annotations.level ?? .trace), "request", metadata: metadata)
    }

    static func level(_ request: Request) -> Logger.Level {
        request.isHealthCheck ? .debug : .info
    }
}
