import Foundation
import Gateway
import HTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The OpenAI-compatible LLM API (`/v1/chat/completions`, `/v1/responses`, `/v1/models`) and Anthropic's (`/v1/messages`),
/// served by the gateway. Routing only: bodies go to `Gateway` and its answers come back as they are.
struct GatewayRoutes: Sendable {
    let gateway: Gateway
    let catalog: ModelCatalog
    let settings: Settings
    /// Cancels upstream work for clients that hang up.
    let disconnects: DisconnectMonitor
    /// Local models listed by `/v1/models` next to the providers' (the embedding model, when loaded).
    let localModels: @Sendable () -> [String]

    func register(on router: Router<SkiffRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            try await self.serve(request, context: context, front: .chatCompletions)
        }
        router.post("/v1/responses") { request, context in
            try await self.serve(request, context: context, front: .responses)
        }
        router.post("/v1/messages") { request, context in
            try await self.serve(request, context: context, front: .messages(clientHeaders: Self.anthropicHeaders(request)))
        }
        router.post("/v1/messages/count_tokens") { request, context in
            try await self.countTokens(request, context: context)
        }
        router.get("/v1/models") { request, context in
            try await self.models(request, context: context)
        }
        router.get("/v1/models/**") { request, context in
            // The SDKs percent-encode an id's slash (`azure%2Fmy-deployment`); the path arrives undecoded.
            let id = context.parameters.getCatchAll().joined(separator: "/")
            return try await self.model(id.removingPercentEncoding ?? id, request: request, context: context)
        }
    }

    // MARK: Completions and messages

    /// The client's `anthropic-version` and `anthropic-beta`, which go on to Anthropic.
    static func anthropicHeaders(_ request: Request) -> [(name: String, value: String)] {
        request.headers.filter { ["anthropic-version", "anthropic-beta"].contains($0.name.canonicalName) }.map { ($0.name.canonicalName, $0.value) }
    }

    /// The upstream call for a request, cancelled when its client hangs up; the caller unwatches when it is done.
    func upstreamCall(_ context: SkiffRequestContext) -> (UpstreamCall, watch: UInt64?) {
        let cancellation = HTTPCancellation()
        let call = self.gateway.call(
            requestID: context.logger[metadataKey: "hb.request.id"]?.description,
            traceID: context.logger[metadataKey: "trace_id"]?.description,
            cancellation: cancellation
        )
        return (call, self.disconnects.watch(context.channel) { cancellation.cancel() })
    }

    /// The body as JSON, or the client's error in its API's shape.
    func body(of request: Request, anthropic: Bool) async throws -> JSONValue {
        do {
            return try await Self.readJSON(request, limit: self.settings.maxRequestBytes)
        } catch {
            throw GatewayHTTPError(error, anthropic: anthropic)
        }
    }

    /// A complete answer as it goes out: accounted for, with who served it.
    static func answered(_ completion: Gateway.Completion, context: SkiffRequestContext, model: String) -> Response {
        Self.annotate(context, model: model, status: 200, stream: false, outcome: completion.outcome, error: nil)
        var headers: HTTPFields = [.contentType: "application/json"]
        if let deployment = completion.outcome.deployment { headers[Self.deploymentHeader] = deployment.label }
        if let id = completion.outcome.upstreamRequestID { headers[Self.upstreamRequestIDHeader] = id }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: completion.body)))
    }

    /// Anthropic's token counting (the anthropic SDK's `messages.count_tokens`), passed through to Anthropic.
    func countTokens(_ request: Request, context: SkiffRequestContext) async throws -> Response {
        let body = try await self.body(of: request, anthropic: true)
        let (call, watch) = self.upstreamCall(context)
        defer { self.disconnects.unwatch(watch) }
        let model = body["model"]?.stringValue ?? ""
        do {
            let counted = try await self.gateway.countTokens(body, clientHeaders: Self.anthropicHeaders(request), call: call, logger: context.logger)
            return Self.answered(counted, context: context, model: model)
        } catch {
            throw Self.failed(error, context: context, model: model, stream: false, anthropic: true)
        }
    }

    func serve(_ request: Request, context: SkiffRequestContext, front: Gateway.Front) async throws -> Response {
        let anthropic: Bool
        if case .messages = front { anthropic = true } else { anthropic = false }
        let body = try await self.body(of: request, anthropic: anthropic)
        // A client that hangs up cancels the upstream call (no task of its own needed to watch for it).
        let (call, watch) = self.upstreamCall(context)
        defer { self.disconnects.unwatch(watch) }
        let gateway = self.gateway
        let logger = context.logger
        let model = body["model"]?.stringValue ?? ""

        guard body["stream"]?.boolValue == true else {
            do {
                return Self.answered(try await gateway.complete(body, front: front, call: call, logger: logger), context: context, model: model)
            } catch {
                throw Self.failed(self.explained(error, model: model), context: context, model: model, stream: false, anthropic: anthropic)
            }
        }

        let stream: ChatStream
        do {
            stream = try await gateway.stream(body, front: front, call: call, logger: logger)
        } catch {
            throw Self.failed(self.explained(error, model: model), context: context, model: model, stream: true, anthropic: anthropic)
        }
        let channel = context.channel
        let disconnects = self.disconnects
        var headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        headers[Self.deploymentHeader] = stream.deployment.label
        if let id = stream.upstreamRequestID { headers[Self.upstreamRequestIDHeader] = id }
        // The upstream already sent everything (a short or fast answer): one body, one write.
        if let body = stream.completeBody() {
            Self.annotate(context, model: model, status: Self.endStatus(of: stream), stream: true, outcome: stream.outcome, error: stream.error)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                defer {
                    stream.close()
                    Self.annotate(
                        context,
                        model: model,
                        status: Self.endStatus(of: stream),
                        stream: true,
                        outcome: stream.outcome,
                        error: stream.error
                    )
                }
                try await disconnects.watching(channel, onGone: { stream.cancelUpstream() }) {
                    while let bytes = await stream.next() {
                        try await writer.write(ByteBuffer(bytes: bytes))
                    }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// A chat request for the local embedding model is told what that model is, as OpenAI answers an embeddings
    /// model on its chat route. Looked up only once the gateway has found no such model, not on every request.
    private func explained(_ error: any Error, model: String) -> any Error {
        guard var notFound = error as? GatewayError, notFound.kind == .modelNotFound, self.localModels().contains(model) else { return error }
        notFound.message = "`\(model)` is a local embedding model, served by /v1/embeddings, not a chat model. \(self.gateway.router.available())"
        return notFound
    }

    /// The status a relayed stream ended with: 200, the upstream failure's, or 499 when the client left first.
    private static func endStatus(of stream: ChatStream) -> Int {
        stream.error.map { $0.kind == .cancelled ? 499 : $0.status } ?? (stream.isComplete ? 200 : 499)
    }

    /// Records the failure for the access log and turns it into the client's error response.
    private static func failed(_ error: any Error, context: SkiffRequestContext, model: String, stream: Bool, anthropic: Bool) -> any Error {
        let gatewayError: GatewayError
        switch error {
        case let error as GatewayError: gatewayError = error
        case is CancellationError: gatewayError = GatewayError(.cancelled, status: 499, message: "the client went away")
        default: return error
        }
        Self.annotate(context, model: model, status: gatewayError.status, stream: stream, outcome: nil, error: gatewayError)
        var failure = GatewayHTTPError(gatewayError, anthropic: anthropic)
        // Who failed, as on a success, once a deployment was tried: what its provider's support asks for.
        if (gatewayError.attempts ?? 0) > 0 {
            if let label = gatewayError.deploymentLabel { failure.headers[Self.deploymentHeader] = label }
            if let id = gatewayError.upstreamRequestID { failure.headers[Self.upstreamRequestIDHeader] = id }
        }
        return failure
    }

    static let deploymentHeader = HTTPField.Name("X-Skiff-Deployment")!
    static let upstreamRequestIDHeader = HTTPField.Name("X-Upstream-Request-Id")!

    /// What the request's access-log line adds for the gateway: who served it, what it used, how it failed. The
    /// fields are formatted only when the line will be written (at `info`, or for a failure). Never a key.
    static func annotate(
        _ context: SkiffRequestContext,
        model: String,
        status: Int,
        stream: Bool,
        outcome: Gateway.Outcome?,
        error: GatewayError?
    ) {
        let failed = error != nil && error?.kind != .cancelled
        guard failed || context.logger.logLevel <= .info else { return }
        context.annotations.update { values in
            values.model = model
            values.status = status
            if failed { values.level = status >= 500 ? .error : .warning }
            if let deployment = outcome?.deployment {
                values.provider = deployment.provider.name
                values.fields["upstream_model"] = "\(deployment.model)"
            }
            if let id = outcome?.upstreamRequestID ?? error?.upstreamRequestID { values.fields["upstream_request_id"] = "\(id)" }
            if let provider = error?.provider { values.provider = provider }
            values.fields["stream"] = "\(stream)"
            if let attempts = outcome?.attempts ?? error?.attempts { values.fields["attempts"] = "\(attempts)" }
            if outcome == nil, let upstreamModel = error?.upstreamModel, (error?.attempts ?? 0) > 0 {
                values.fields["upstream_model"] = "\(upstreamModel)"
            }
            if let ttft = outcome?.timeToFirstToken { values.fields["ttft_ms"] = "\(Self.milliseconds(ttft))" }
            if let usage = outcome?.usage {
                values.fields["prompt_tokens"] = "\(usage.promptTokens)"
                values.fields["completion_tokens"] = "\(usage.completionTokens)"
            }
            if let error {
                values.fields["error"] = "\(error.kind.rawValue)"
                values.fields["error_message"] = "\(error.message)"
            }
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", duration.secondsValue * 1000)
    }

    // MARK: Models

    /// The anthropic SDK's callers (they send `anthropic-version`) get Anthropic's shape, without the local models
    /// that `/v1/messages` cannot serve.
    static func wantsAnthropicShape(_ request: Request) -> Bool {
        request.headers[Self.anthropicVersion] != nil
    }

    static let anthropicVersion = HTTPField.Name("anthropic-version")!

    func listing(_ request: Request, context: SkiffRequestContext) async -> ModelListing {
        let local = Self.wantsAnthropicShape(request) ? [] : self.localModels().map { ModelListing.Model(id: $0, ownedBy: "skiff-local") }
        return ModelListing(models: local + (await self.catalog.entries(logger: context.logger)))
    }

    func models(_ request: Request, context: SkiffRequestContext) async throws -> Response {
        let listing = await self.listing(request, context: context)
        guard Self.wantsAnthropicShape(request) else { return Self.json(listing.openAIList()) }
        let query = request.uri.queryParameters
        do {
            return Self.json(
                try listing.anthropicPage(
                    limit: query["limit"].map(String.init),
                    afterID: query["after_id"].map(String.init),
                    beforeID: query["before_id"].map(String.init)
                )
            )
        } catch {
            throw GatewayHTTPError(error, anthropic: true)
        }
    }

    func model(_ id: String, request: Request, context: SkiffRequestContext) async throws -> Response {
        let anthropic = Self.wantsAnthropicShape(request)
        // Azure AI Inference lists no deployments, so one chat would serve (`azure/my-deployment`) is found by its
        // route; the other providers' lists say what exists.
        let routed = (try? self.gateway.router.plan(for: id))?.first.flatMap {
            $0.provider.kind == .azure ? ModelListing.Model(id: id, ownedBy: $0.provider.name) : nil
        }
        guard let found = await self.listing(request, context: context).models.first(where: { $0.id == id }) ?? routed else {
            throw GatewayHTTPError(
                GatewayError(
                    .modelNotFound,
                    status: 404,
                    type: "invalid_request_error",
                    code: "model_not_found",
                    message: "The model `\(id)` does not exist or you do not have access to it."
                ),
                anthropic: anthropic
            )
        }
        return Self.json(anthropic ? ModelListing.anthropicObject(found) : ModelListing.openAIObject(found))
    }

    static func json(_ body: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    // MARK: Helpers

    /// The body as JSON within `MAX_REQUEST_BYTES` (413 beyond it), an object, or a 400 that says why not.
    static func readJSON(_ request: Request, limit: Int) async throws(GatewayError) -> JSONValue {
        let buffer: ByteBuffer
        do {
            buffer = try await JSONRequest.collect(request, limit: limit)
        } catch {
            switch error {
            case .tooLarge:
                throw GatewayError(
                    .invalidRequest,
                    status: 413,
                    type: "invalid_request_error",
                    code: "request_too_large",
                    message: "request body exceeds \(limit) bytes (MAX_REQUEST_BYTES)"
                )
            case .unreadable:
                throw GatewayError(.invalidRequest, status: 400, code: "unreadable_body", message: "the request body could not be read to its end")
            }
        }
        guard buffer.readableBytes > 0 else {
            throw GatewayError(.invalidRequest, status: 400, code: "invalid_json", message: "request body is empty; send a JSON object")
        }
        let body: JSONValue
        do {
            body = try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw GatewayError(.invalidRequest, status: 400, code: "invalid_json", message: "request body is \(error.message)")
        }
        guard body.objectValue != nil else {
            throw GatewayError(
                .invalidRequest,
                status: 400,
                code: "invalid_json",
                message: "request body must be a JSON object, not \(body.typeName)"
            )
        }
        return body
    }
}
