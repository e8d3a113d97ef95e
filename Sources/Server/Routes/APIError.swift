import Gateway
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The one error shape every client sees: `{"error": {"type", "message"}}` with a fitting status (Anthropic's
/// `{"type": "error", "error": {…}}` on `/v1/messages`).
struct APIError: Error, HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let type: String
    let message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, type: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.message = message
        self.headers = headers
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            let type: String
            let message: String
        }
        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response: Response
        if request.uri.path.hasPrefix("/v1/messages") {
            // Anthropic's envelope and type names: the anthropic SDK reads `error.type` by them.
            let body = GatewayError.anthropicBody(status: Int(self.status.code), message: self.message)
            response = Response(
                status: self.status,
                headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: body.serialized()))
            )
        } else {
            response = try context.responseEncoder.encode(Body(error: .init(type: self.type, message: self.message)), from: request, context: context)
        }
        response.status = self.status
        response.headers.append(contentsOf: self.headers)
        return response
    }
}

/// Turns Hummingbird's own errors (unknown route, bad method, oversized body) and anything unexpected into
/// `APIError`s, so no response ever leaves with an empty or HTML body.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as GatewayHTTPError {
            throw error
        } catch let error as HTTPError {
            let type: String
            switch error.status.code {
            case 404: type = "not_found"
            case 405: type = "method_not_allowed"
            case 413: type = "request_too_large"
            case 400..<500: type = "invalid_request"
            default: type = "server_error"
            }
            let message = error.body ?? (error.status == .notFound ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            throw APIError(error.status, type: type, message: message, headers: error.headers)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, type: error.status.code < 500 ? "invalid_request" : "server_error", message: error.status.reasonPhrase)
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(String(reflecting: type(of: error)))"])
            throw APIError(.internalServerError, type: "server_error", message: "internal error")
        }
    }
}
