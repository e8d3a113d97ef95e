import Hummingbird
import Synchronization

/// At most `limit` requests in flight server-wide (`MAX_CONCURRENT_REQUESTS`); beyond it, 503 with `Retry-After`
/// at once rather than a queue that grows until clients time out. Health checks are never refused. A streamed
/// response counts until its last byte is written.
struct ConcurrencyLimitMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    let limit: Int
    let inFlight = Counter()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.isHealthCheck { return try await next(request, context) }
        let now = self.inFlight.value.add(1, ordering: .relaxed).newValue
        guard now <= self.limit else {
            self.inFlight.value.subtract(1, ordering: .relaxed)
            throw APIError(
                .serviceUnavailable,
                type: "overloaded",
                message: "the server has \(self.limit) requests in flight (MAX_CONCURRENT_REQUESTS); retry shortly",
                headers: [.retryAfter: "1"]
            )
        }
        do {
            var response = try await next(request, context)
            let counter = self.inFlight
            response.body = response.body.whenFinished { counter.value.subtract(1, ordering: .relaxed) }
            return response
        } catch {
            self.inFlight.value.subtract(1, ordering: .relaxed)
            throw error
        }
    }
}
