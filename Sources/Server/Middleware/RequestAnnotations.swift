import Hummingbird
import Logging
import Synchronization

/// What inner layers learn about a request that the outer ones report: the caller's key fingerprint (set by the
/// key check) and the model and provider that served it (set by routes). One per request, shared by reference
/// because Hummingbird hands each middleware its own copy of the context.
final class RequestAnnotations: Sendable {
    struct Values: Sendable {
        var keyFingerprint: String?
        var model: String?
        var provider: String?
        /// The status the request ended with when it is not the one sent (a stream cut short: 499 or the upstream's).
        var status: Int?
        /// Raised for a failed gateway request, so the line shows at `warning`/`error`.
        var level: Logger.Level?
        /// The gateway's accounting: upstream model, attempts, time to first token, tokens, error.
        var fields: Logger.Metadata = [:]
    }

    private let values = Mutex(Values())

    var current: Values { self.values.withLock { $0 } }

    func update(_ body: (inout Values) -> Void) {
        self.values.withLock { body(&$0) }
    }
}

extension Request {
    /// `/health`, `/health/live`, `/health/ready`, `/health/detailed`: the load balancer's probes, which no key,
    /// rate limit or load shedding may stop, and which log at debug.
    var isHealthCheck: Bool {
        let path = self.uri.path
        return path == "/health" || path.hasPrefix("/health/")
    }
}

extension RequestContext {
    /// Records the local model that served the request, for the access log (a no-op outside skiff's own context).
    func annotate(model: String) {
        (self as? SkiffRequestContext)?.annotations.update {
            $0.provider = "local"
            guard let current = $0.model else {
                $0.model = model
                return
            }
            if !current.split(separator: ",").contains(Substring(model)) { $0.model = current + "," + model }
        }
    }
}
