import HTTPTypes
import Hummingbird

/// Lets a request through with a valid key in `Authorization: Bearer …` or `X-API-Key` (what the OpenAI and
/// Anthropic SDKs send). Health checks stay open for the ALB, `/metrics` unless `METRICS_REQUIRE_KEY`, and CORS
/// preflights (browsers send them without credentials). The key itself is never logged: its fingerprint is.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    let keys: APIKeys
    let required: Bool
    let metricsRequireKey: Bool

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let presented = Self.presentedKey(request)
        if let presented, self.keys.accepts(presented) {
            context.annotations.update { $0.keyFingerprint = APIKeys.fingerprint(presented) }
            return try await next(request, context)
        }
        guard self.required, !self.isOpen(request) else { return try await next(request, context) }
        throw APIError(
            .unauthorized,
            type: "authentication_error",
            message: presented == nil
                ? "an API key is required: send Authorization: Bearer <key> or X-API-Key: <key>" : "the API key is not valid",
            headers: [.wwwAuthenticate: "Bearer realm=\"skiff\""]
        )
    }

    func isOpen(_ request: Request) -> Bool {
        if request.isHealthCheck { return true }
        if request.uri.path == "/metrics" { return !self.metricsRequireKey }
        return request.method == .options && request.headers[.accessControlRequestMethod] != nil
    }

    static func presentedKey(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingSpaces() }
        }
        return request.headers[Self.apiKeyHeader]
    }
}
