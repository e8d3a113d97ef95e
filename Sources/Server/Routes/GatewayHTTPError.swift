import Gateway
import HTTPTypes
import Hummingbird
import NIOCore

/// A `GatewayError` on its way to the client: OpenAI's error body (`error.message/type/param/code`) on the
/// OpenAI routes, Anthropic's on `/v1/messages`, with the upstream's status and its `Retry-After`, and
/// `x-should-retry: false` when skiff has already spent the retries.
struct GatewayHTTPError: Error, HTTPResponseError, Sendable {
    static let shouldRetry = HTTPField.Name("x-should-retry")!
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
        // Both official SDKs obey this over their own retry rules (which would retry a 429 or 5xx twice more).
        if self.error.retriesSpent { headers[Self.shouldRetry] = "false" }
        return Response(status: self.status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}
