import Dispatch
import Hummingbird
import Metrics
import Synchronization

/// `http_requests_total{method,route,status}`, `http_request_duration_seconds{method,route}` and
/// `http_requests_in_flight`. Hummingbird's own `MetricsMiddleware` records under dotted names and label keys
/// (`http.route`) that are not valid Prometheus names, so skiff records its own. Routes are templates
/// (`/v1/models/{id}`), never raw paths, and unknown paths count as `unmatched`: the label set stays bounded.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    let inFlight = Meter(label: "http_requests_in_flight")
    let handles = Handles()

    /// The counter and timer of each (method, route, status), made once: creating them costs a registry lookup.
    final class Handles: Sendable {
        private let cache = Mutex<[String: (Counter, Timer)]>([:])

        func get(method: String, route: String, status: Int) -> (Counter, Timer) {
            let key = method + " " + route + " " + String(status)
            if let found = self.cache.withLock({ $0[key] }) { return found }
            let made = (
                Counter(label: "http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))]),
                Timer(label: "http_request_duration_seconds", dimensions: [("method", method), ("route", route)], preferredDisplayUnit: .seconds)
            )
            return self.cache.withLock { cache in
                if let found = cache[key] { return found }
                cache[key] = made
                return made
            }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        self.inFlight.increment()
        do {
            var response = try await next(request, context)
            let status = response.status.code
            response.body = response.body.whenFinished {
                self.record(request, context: context, status: status, started: started)
            }
            return response
        } catch {
            self.record(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, started: started)
            throw error
        }
    }

    func record(_ request: Request, context: Context, status: Int, started: UInt64) {
        self.inFlight.decrement()
        let (counter, timer) = self.handles.get(method: request.method.rawValue, route: Self.route(context), status: status)
        counter.increment()
        timer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
    }

    /// The matched route's template; `unmatched` for paths no route takes (Hummingbird calls them "NotFound").
    static func route(_ context: Context) -> String {
        guard let path = context.endpointPath, path.hasPrefix("/") else { return "unmatched" }
        return path
    }
}
