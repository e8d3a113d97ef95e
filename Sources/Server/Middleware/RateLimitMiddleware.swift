import HTTPTypes
import Hummingbird

/// A token bucket per API key, or per client IP for callers without one (health checks are exempt). Every answer
/// carries `X-RateLimit-Limit/Remaining/Reset`; a caller past its bucket gets 429 with `Retry-After`.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    let limiter: TokenBucketLimiter
    let trustedProxies: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.isHealthCheck { return try await next(request, context) }
        let caller =
            context.annotations.current.keyFingerprint.map { "key:" + $0 }
            ?? "ip:" + ClientAddress.of(request, peer: context.peerAddress, trustedProxies: self.trustedProxies)
        let decision = self.limiter.take(caller)
        var headers: HTTPFields = [
            HTTPField.Name("X-RateLimit-Limit")!: String(self.limiter.perMinute),
            HTTPField.Name("X-RateLimit-Remaining")!: String(decision.remaining),
            HTTPField.Name("X-RateLimit-Reset")!: String(decision.resetSeconds),
        ]
        guard decision.allowed else {
            headers[.retryAfter] = String(decision.retryAfterSeconds)
            throw APIError(
                .tooManyRequests,
                type: "rate_limited",
                message: "rate limit of \(self.limiter.perMinute) requests a minute exceeded; retry in \(decision.retryAfterSeconds) s",
                headers: headers
            )
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: headers)
            return response
        } catch let error as APIError {
            var merged = error.headers
            merged.append(contentsOf: headers)
            throw APIError(error.status, type: error.type, message: error.message, headers: merged)
        } catch var error as GatewayHTTPError {
            error.headers.append(contentsOf: headers)
            throw error
        }
    }
}
