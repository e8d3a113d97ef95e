import Gateway
import HTTPTypes
import Hummingbird
import NIOCore

/// A `GatewayError` on its way to the client: OpenAI's error body (`error.message/type/param/code`) on the
/// OpenAI routes, Anthropic's on `/v1/messages`, with the upstream's status and its `Retry-After`.
struct GatewayHTTPError: Error, HTTPResponseError, Sendable {
    let error: GatewayError
    let anthropic: Bool
    var headers: HTTPFields = [:]

    init(_ error: GatewayError, anthropic: Bool = false) {
        self.error = error
        self.anthropic = anthropic
    }

    var status: HTTPResponse.Status {
        // 499 (client closed) never reaches a client; anything outside HTTP's range becomes a 502.
        (400...599).contains(self.error.status) ? HTTPResponse.Status(code: self.error.status) : .badGateway
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = self.anthropic ? self.error.anthropicBody() : self.error.openAIBody()
        var headers = self.headers
        headers[.contentType] = "application/json"
        if let retryAfter = self.error.retryAfter {
            headers[.retryAfter] = String(max(1, Int((retryAfter.secondsValue).rounded(.up))))
        }
        return Response(status: self.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}
