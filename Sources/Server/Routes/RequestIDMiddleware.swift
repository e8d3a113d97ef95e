import Gateway
import HTTPTypes
import Hummingbird
import Logging

/// Takes `X-Request-Id` from the client (or the ALB) or makes one, puts it on every log line of the request
/// and echoes it back, so one id follows a request through the ALB, skiff and its logs. It goes back as
/// `request-id` too, the name the anthropic SDK reads (`message._request_id`, `error.request_id`).
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let supplied = request.headers[RequestIDHeaders.id].flatMap { Self.isAcceptable($0) ? $0 : nil }
        // Hummingbird's own ids vary in length; ours are always 32 hex digits.
        let id = supplied ?? RandomID.hex()
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        if let trace = request.headers[RequestIDHeaders.trace] {
            context.logger[metadataKey: "trace_id"] = .string(String(trace.prefix(128)))
        }
        do {
            var response = try await next(request, context)
            Self.stamp(&response.headers, id)
            return response
        } catch let error as APIError {
            var headers = error.headers
            Self.stamp(&headers, id)
            throw APIError(error.status, type: error.type, message: error.message, headers: headers)
        } catch var error as GatewayHTTPError {
            Self.stamp(&error.headers, id)
            throw error
        }
    }

    static func stamp(_ headers: inout HTTPFields, _ id: String) {
        headers[RequestIDHeaders.id] = id
        headers[RequestIDHeaders.anthropic] = id
    }

    /// Printable ASCII up to 128 characters; anything else is replaced rather than logged.
    static func isAcceptable(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 128 && value.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7e }
    }
}

/// The header names, parsed once (a generic type cannot hold stored statics; every request reads them).
private enum RequestIDHeaders {
    static let id = HTTPField.Name("X-Request-Id")!
    static let anthropic = HTTPField.Name("request-id")!
    static let trace = HTTPField.Name("X-Amzn-Trace-Id")!
}
