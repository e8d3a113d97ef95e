import HTTPTypes
import Hummingbird

/// Refuses a body declared larger than `MAX_REQUEST_BYTES` with 413 before reading any of it. Bodies without a
/// length (chunked) are bounded while they are collected.
struct RequestSizeMiddleware: RouterMiddleware {
    typealias Context = SkiffRequestContext

    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > self.limit {
            throw APIError(
                .contentTooLarge,
                type: "request_too_large",
                message: "request body of \(declared) bytes exceeds \(self.limit) bytes (MAX_REQUEST_BYTES)"
            )
        }
        return try await next(request, context)
    }
}
