import HTTPTypes
import Hummingbird

/// CORS for the origins in `ALLOWED_ORIGINS`, by Hummingbird's `CORSMiddleware` (which answers preflights itself).
/// Its origin list cannot be built from configuration at run time, so this checks the `Origin` header against the
/// list and hands allowed requests to it; other origins get no CORS headers, which browsers treat as a refusal.
struct AllowedOriginsMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    let origins: Set<String>
    let cors: CORSMiddleware<SkiffRequestContext>
    let allowsAll: Bool

    init(settings: FrontDoorSettings) {
        self.origins = Set(settings.allowedOrigins)
        self.allowsAll = self.origins.contains("*")
        self.cors = CORSMiddleware(
            allowOrigin: self.allowsAll ? .all : .originBased,
            allowHeaders: settings.allowedHeaders.compactMap { HTTPField.Name($0) },
            allowMethods: settings.allowedMethods.map { HTTPRequest.Method($0) ?? .get },
            exposedHeaders: ["X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"],
            maxAge: .seconds(600)
        )
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], self.allowsAll || self.origins.contains(origin) else {
            return try await next(request, context)
        }
        return try await self.cors.handle(request, context: context, next: next)
    }
}
