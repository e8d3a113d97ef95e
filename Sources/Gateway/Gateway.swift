import Foundation
import HTTPClient
import Logging
import Synchronization

/// The LLM gateway: resolves a model name to deployments, calls them through the shared libcurl client with
/// retries and fallbacks, and translates between the client's API and the provider's. Knows nothing of inbound
/// HTTP: the server hands it bodies and gets bodies, streams and `GatewayError`s back.
public final class Gateway: Sendable {
    public let router: ModelRouter
    public let configuration: GatewayConfiguration
    let client: HTTPClient
    let metrics: GatewayMetrics
    private let openStreams = Atomic<Int>(0)
    /// Wakes silent streams so that their clients get keep-alives; the server runs its loop. Nil when disabled.
    public let keepAlive: StreamKeepAlive?

    public init(
        router: ModelRouter,
        configuration: GatewayConfiguration = GatewayConfiguration(),
        client: HTTPClient,
        metrics: GatewayMetrics = GatewayMetrics()
    ) {
        self.router = router
        self.configuration = configuration
        self.client = client
        self.metrics = metrics
        self.keepAlive = configuration.streamKeepAlive.map { StreamKeepAlive(interval: $0) }
        metrics.admit(router.deploymentModels)
    }

    /// The API the client spoke: answers and stream events go back in it.
    public enum Front: Sendable {
        case chatCompletions
        /// Anthropic's Messages API; the client's `anthropic-version` / `anthropic-beta` go on to Anthropic.
        case messages(clientHeaders: [(name: String, value: String)])
        /// OpenAI's Responses API: OpenAI's own models take it as it is; the others by translation.
        case responses
    }

    /// What one request came to, for the access log.
    public struct Outcome: Sendable {
        public var deployment: Deployment?
        public var attempts: Int
        public var usage: TokenUsage?
        public var timeToFirstToken: Duration?
        /// The provider's own id for the exchange, which its support asks for.
        public var upstreamRequestID: String?
    }

    public struct Completion: Sendable {
        public var body: [UInt8]
        public var outcome: Outcome
    }

    // MARK: Non-streaming

    /// One complete answer, in the front's format.
    public func complete(_ body: JSONValue, front: Front, call: UpstreamCall, logger: Logger) async throws(GatewayError) -> Completion {
        let started = ContinuousClock.now
        let model = try Self.model(of: body)
        let plan = try self.plan(for: model, started: started)
        // The body in chat's terms, made once if a deployment that does not speak the client's API needs it.
        var translated: MessagesTranslation?
        var chatBody: JSONValue?
        let result = try await self.attempt(plan, model: model, started: started, cancellation: call.cancellation, logger: logger) {
            deployment throws(GatewayError) -> (Completion, TokenUsage?) in
            let response: HTTPResponse
            var request: HTTPRequest
            switch front {
            case .messages(let headers) where deployment.provider.kind == .anthropic:
                request = self.nativeMessagesRequest(body, deployment: deployment, call: call, clientHeaders: headers, stream: false)
                response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
                let message = try AnthropicAdapter.message(from: response.body, deployment: deployment)
                let usage = AnthropicAdapter.usage(message["usage"])
                return Self.answer(response.body, usage: usage, deployment: deployment, response: response)
            case .messages:
                let translation = try Self.once(&translated, MessagesTranslator.translation(of: body))
                request = try self.adapter(deployment).messagesRequest(translation, deployment: deployment, stream: false, call: call)
                response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
                let completion = try self.adapter(deployment).completion(from: response.body, deployment: deployment)
                let message = MessagesTranslator.message(
                    fromCompletion: completion.body,
                    usage: completion.usage,
                    showingThinking: translation.thinking?.shown == true
                )
                return Self.answer(message.serialized(), usage: completion.usage, deployment: deployment, response: response)
            case .responses where deployment.provider.kind == .openAI:
                request = OpenAIAdapter.responsesRequest(body, deployment: deployment, call: call, stream: false)
                response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
                let usage = try OpenAIAdapter.responsesUsage(of: response.body, deployment: deployment)
                return Self.answer(response.body, usage: usage, deployment: deployment, response: response)
            case .responses:
                let chat = try Self.once(&chatBody, ResponsesTranslator.chatBody(fromResponses: body))
                request = try self.adapter(deployment).chatRequest(chat, deployment: deployment, stream: false, call: call)
                response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
                let completion = try self.adapter(deployment).completion(from: response.body, deployment: deployment)
                let answer = ResponsesTranslator.response(fromCompletion: completion.body, usage: completion.usage, request: body)
                return Self.answer(answer.serialized(), usage: completion.usage, deployment: deployment, response: response)
            case .chatCompletions:
                request = try self.adapter(deployment).chatRequest(body, deployment: deployment, stream: false, call: call)
                response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
                if deployment.provider.kind.speaksOpenAI {
                    // Already the client's format: the upstream's bytes go back as they came.
                    let usage = try OpenAIAdapter.passthroughUsage(of: response.body, deployment: deployment)
                    return Self.answer(response.body, usage: usage, deployment: deployment, response: response)
                }
                let completion = try self.adapter(deployment).completion(from: response.body, deployment: deployment)
                return Self.answer(completion.body.serialized(), usage: completion.usage, deployment: deployment, response: response)
            }
        }
        return self.succeeded(result, started: started)
    }

    /// Embeddings from an OpenAI-format provider (OpenAI, Azure, and any other that offers them).
    public func embeddings(_ body: JSONValue, call: UpstreamCall, logger: Logger) async throws(GatewayError) -> Completion {
        let started = ContinuousClock.now
        let model = try Self.model(of: body)
        let plan = try self.plan(for: model, started: started, offering: { $0 == .gemini || $0.speaksOpenAI }) { provider in
            "model \(model) is served by \(provider), which has no embeddings API"
        }
        let result = try await self.attempt(plan, model: model, started: started, cancellation: call.cancellation, logger: logger) {
            deployment throws(GatewayError) -> (Completion, TokenUsage?) in
            if deployment.provider.kind == .gemini {
                let response = try await self.send(
                    try GeminiAdapter.embeddingsRequest(body, deployment: deployment, call: call),
                    deployment: deployment,
                    cancellation: call.cancellation
                )
                let bytes = try GeminiAdapter.embeddingsResponse(response.body, request: body, deployment: deployment)
                return Self.answer(bytes, usage: nil, deployment: deployment, response: response)
            }
            var upstream = body
            upstream["model"] = .string(deployment.model)
            var headers = OpenAIAdapter.headers(deployment.provider)
            if deployment.provider.kind == .azure {
                headers += OpenAIAdapter.azureExtraParameters(upstream, defined: OpenAIAdapter.azureEmbeddingsFields)
            }
            let request = call.request(url: OpenAIAdapter.url(deployment.provider, path: "embeddings"), headers: headers, body: upstream)
            let response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
            guard let parsed = try? JSONValue.parse(response.body), parsed["data"]?.arrayValue != nil else {
                throw UpstreamErrors.badResponse("no data in the embeddings answer", deployment: deployment)
            }
            let usage = TokenUsage(openAI: parsed["usage"])
            return Self.answer(response.body, usage: usage, deployment: deployment, response: response)
        }
        return self.succeeded(result, started: started)
    }

    /// Anthropic's token count for a Messages body (`POST /v1/messages/count_tokens`), from the Anthropic deployments
    /// the model routes to, with their retries and fallbacks. Other providers have no such API: a 400 saying so.
    public func countTokens(
        _ body: JSONValue,
        clientHeaders: [(name: String, value: String)],
        call: UpstreamCall,
        logger: Logger
    ) async throws(GatewayError) -> Completion {
        let started = ContinuousClock.now
        let model = try Self.model(of: body)
        let plan = try self.plan(for: model, started: started, offering: { $0 == .anthropic }) { provider in
            "counting tokens is Anthropic's API: model \(model) is served by \(provider), which has none"
        }
        let result = try await self.attempt(plan, model: model, started: started, cancellation: call.cancellation, logger: logger) {
            deployment throws(GatewayError) -> (Completion, TokenUsage?) in
            var upstream = body
            upstream["model"] = .string(deployment.model)
            let request = AnthropicAdapter.request(
                upstream,
                deployment: deployment,
                call: call,
                clientHeaders: clientHeaders,
                path: "/v1/messages/count_tokens"
            )
            let response = try await self.send(request, deployment: deployment, cancellation: call.cancellation)
            guard (try? JSONValue.parse(response.body))?["input_tokens"]?.intValue != nil else {
                throw UpstreamErrors.badResponse("no input_tokens in the token count", deployment: deployment)
            }
            return Self.answer(response.body, usage: nil, deployment: deployment, response: response)
        }
        return self.succeeded(result, started: started)
    }

    /// One attempt's answer: the client's bytes and their accounting (the attempt count is stamped at the end).
    private static func answer(
        _ body: [UInt8],
        usage: TokenUsage?,
        deployment: Deployment,
        response: HTTPResponse
    ) -> (Completion, TokenUsage?) {
        let outcome = Outcome(deployment: deployment, attempts: 0, usage: usage, upstreamRequestID: UpstreamErrors.requestID(response.headers))
        return (Completion(body: body, outcome: outcome), usage)
    }

    /// Records a finished non-streamed request and stamps its attempt count.
    private func succeeded(_ result: Attempted<(Completion, TokenUsage?)>, started: ContinuousClock.Instant) -> Completion {
        var completion = result.value.0
        completion.outcome.attempts = result.attempts
        self.metrics.request(
            provider: result.deployment.provider.name,
            model: result.deployment.model,
            served: true,
            outcome: "ok",
            duration: ContinuousClock.now - started,
            timeToFirstToken: nil,
            usage: result.value.1
        )
        return completion
    }

    // MARK: Streaming

    /// Opens the stream and returns once the first event for the client is ready, or a keep-alive is due: until then
    /// every failure is retried or falls back, after it none can be (the client has bytes).
    public func stream(_ body: JSONValue, front: Front, call: UpstreamCall, logger: Logger) async throws(GatewayError) -> ChatStream {
        let started = ContinuousClock.now
        let model = try Self.model(of: body)
        let plan = try self.plan(for: model, started: started)
        guard self.openStreams.wrappingAdd(1, ordering: .relaxed).newValue <= self.configuration.maxConcurrentStreams else {
            self.openStreams.wrappingSubtract(1, ordering: .relaxed)
            throw self.finished(
                plan.first,
                attempts: 0,
                model: model,
                started: started,
                error: GatewayError(
                    .overloaded,
                    status: 429,
                    type: "rate_limit_error",
                    code: "too_many_streams",
                    message:
                        "skiff already has \(self.configuration.maxConcurrentStreams) upstream streams open (GATEWAY_MAX_CONCURRENT_STREAMS); retry shortly",
                    retryAfter: .seconds(1)
                )
            )
        }
        let release: @Sendable () -> Void = { [self] in
            self.openStreams.wrappingSubtract(1, ordering: .relaxed)
            self.metrics.streamClosed()
        }
        self.metrics.streamOpened()
        let includeUsage = body["stream_options"]?["include_usage"]?.boolValue ?? false
        var translated: MessagesTranslation?
        var chatBody: JSONValue?
        do {
            let result = try await self.attempt(plan, model: model, started: started, cancellation: call.cancellation, logger: logger) {
                deployment throws(GatewayError) -> (ChatStream, TokenUsage?) in
                let request: HTTPRequest
                let translator: any StreamTranslator
                switch front {
                case .messages(let headers) where deployment.provider.kind == .anthropic:
                    request = self.nativeMessagesRequest(body, deployment: deployment, call: call, clientHeaders: headers, stream: true)
                    translator = AnthropicPassthroughStream(deployment: deployment)
                case .messages:
                    let translation = try Self.once(&translated, MessagesTranslator.translation(of: body))
                    let adapter = self.adapter(deployment)
                    request = try adapter.messagesRequest(translation, deployment: deployment, stream: true, call: call)
                    translator = OpenAIToAnthropicStream(
                        upstream: adapter.streamTranslator(deployment: deployment, includeUsage: true),
                        model: deployment.model,
                        provider: deployment.provider.name,
                        showingThinking: translation.thinking?.shown == true
                    )
                case .responses where deployment.provider.kind == .openAI:
                    request = OpenAIAdapter.responsesRequest(body, deployment: deployment, call: call, stream: true)
                    translator = ResponsesPassthroughStream(deployment: deployment)
                case .responses:
                    let chat = try Self.once(&chatBody, ResponsesTranslator.chatBody(fromResponses: body))
                    let adapter = self.adapter(deployment)
                    request = try adapter.chatRequest(chat, deployment: deployment, stream: true, call: call)
                    translator = ChatToResponsesStream(
                        upstream: adapter.streamTranslator(deployment: deployment, includeUsage: true),
                        request: body,
                        model: deployment.model
                    )
                case .chatCompletions:
                    let adapter = self.adapter(deployment)
                    request = try adapter.chatRequest(body, deployment: deployment, stream: true, call: call)
                    translator = adapter.streamTranslator(deployment: deployment, includeUsage: includeUsage)
                }
                let response = try await self.open(request, deployment: deployment, cancellation: call.cancellation)
                let stream = ChatStream(
                    body: response.body,
                    upstreamRequestID: UpstreamErrors.requestID(response.headers),
                    translator: translator,
                    deployment: deployment,
                    front: front,
                    started: started,
                    metrics: self.metrics,
                    keepAlive: self.keepAlive
                )
                try await stream.prime()
                return (stream, nil)
            }
            result.value.0.attempts = result.attempts
            result.value.0.arm(release: release)
            return result.value.0
        } catch {
            release()
            throw error
        }
    }

    // MARK: Attempts

    /// The deployments for `model`; an unknown or disabled model is counted as a request before it is thrown.
    private func plan(for model: String, started: ContinuousClock.Instant) throws(GatewayError) -> [Deployment] {
        do {
            return try self.router.plan(for: model)
        } catch {
            throw self.finished(nil, attempts: 0, model: model, started: started, error: error)
        }
    }

    /// The deployments for `model` whose provider offers the API asked for: the others are passed over, fallbacks
    /// included; none left is a 400 `unsupported_model` (`refusal` given the provider that would have served it).
    private func plan(
        for model: String,
        started: ContinuousClock.Instant,
        offering offers: (ProviderKind) -> Bool,
        refusal: (String) -> String
    ) throws(GatewayError) -> [Deployment] {
        let routed = try self.plan(for: model, started: started)
        let plan = routed.filter { offers($0.provider.kind) }
        guard plan.isEmpty else { return plan }
        let refused = GatewayError.invalid(refusal(routed.first?.provider.name ?? "none"), code: "unsupported_model")
        throw self.finished(routed.first, attempts: 0, model: model, started: started, error: refused)
    }

    /// Counts a request that failed (once, however many attempts it took) under the deployment that last tried it,
    /// and notes that deployment and the attempts on the error.
    private func finished(
        _ deployment: Deployment?,
        attempts: Int,
        model: String,
        started: ContinuousClock.Instant,
        error: GatewayError
    ) -> GatewayError {
        var error = error
        error.deploymentLabel = deployment?.label
        error.upstreamModel = deployment?.model
        error.attempts = attempts
        if attempts > 0, error.provider == nil { error.provider = deployment?.provider.name }
        self.metrics.request(
            provider: deployment?.provider.name ?? "none",
            model: deployment?.model ?? "unknown",
            served: false,
            outcome: error.kind.rawValue,
            duration: ContinuousClock.now - started,
            timeToFirstToken: nil,
            usage: nil
        )
        return error
    }

    struct Attempted<Value> {
        var value: Value
        var deployment: Deployment
        var attempts: Int
    }

    /// Runs `body` against each deployment in turn with retries: connection errors, 408, 429 and 5xx are retried
    /// with exponential backoff and full jitter (or the upstream's `Retry-After`), within the retry budget; then
    /// the next deployment, when the error is one a fallback may not share.
    func attempt<Value>(
        _ plan: [Deployment],
        model: String,
        started: ContinuousClock.Instant,
        cancellation: HTTPCancellation?,
        logger: Logger,
        _ body: (Deployment) async throws(GatewayError) -> Value
    ) async throws(GatewayError) -> Attempted<Value> {
        let budgetEnd = started + self.configuration.retryBudget
        var attempts = 0
        var declinedWait = false
        var lastError: GatewayError?
        var lastDeployment: Deployment?
        deployments: for (index, deployment) in plan.enumerated() {
            if index > 0 {
                self.metrics.fallback(from: plan[index - 1].provider.name)
                logger.warning(
                    "falling back",
                    metadata: [
                        "model": "\(model)", "from": "\(plan[index - 1].label)", "to": "\(deployment.label)", "error": "\(lastError?.message ?? "")",
                    ]
                )
            }
            lastDeployment = deployment
            for attempt in 1...max(1, self.configuration.maxAttempts) {
                attempts += 1
                do throws(GatewayError) {
                    try Task.checkCancellation(orThrow: deployment)
                    if cancellation?.isCancelled == true {
                        throw GatewayError(.cancelled, status: 499, message: "the client went away", provider: deployment.provider.name)
                    }
                    return Attempted(value: try await body(deployment), deployment: deployment, attempts: attempts)
                } catch {
                    if error.kind == .cancelled { throw self.finished(deployment, attempts: attempts, model: model, started: started, error: error) }
                    lastError = error
                    // A request skiff refused itself (it cannot be translated for this provider) never reached it.
                    if error.kind != .invalidRequest {
                        self.metrics.upstreamError(provider: deployment.provider.name, model: deployment.model, kind: error.kind.rawValue)
                    }
                    guard error.isRetryable, attempt < self.configuration.maxAttempts else { break }
                    let delay = error.retryAfter ?? self.backoff(attempt: attempt)
                    if let retryAfter = error.retryAfter, retryAfter > self.configuration.maxRetryAfter {
                        declinedWait = true
                        break
                    }
                    guard ContinuousClock.now + delay <= budgetEnd else { break }
                    self.metrics.retry(provider: deployment.provider.name, reason: error.kind.rawValue)
                    logger.info(
                        "retrying upstream",
                        metadata: [
                            "deployment": "\(deployment.label)", "attempt": "\(attempt + 1)", "status": "\(error.status)",
                            "delay_ms": "\(delay.nanoseconds / 1_000_000)",
                        ]
                    )
                    guard await Self.wait(delay, unless: cancellation) else {
                        let gone = GatewayError(.cancelled, status: 499, message: "the client went away")
                        throw self.finished(deployment, attempts: attempts, model: model, started: started, error: gone)
                    }
                }
            }
            guard let error = lastError, error.allowsFallback else { break deployments }
        }
        guard var error = lastError else {
            let none = GatewayError(.modelNotFound, status: 404, code: "model_not_found", message: "no deployment for model \(model)")
            throw self.finished(nil, attempts: attempts, model: model, started: started, error: none)
        }
        if attempts > 1 { error.message += " (after \(attempts) attempts)" }
        error.retriesSpent = attempts > 1 || declinedWait
        throw self.finished(lastDeployment, attempts: attempts, model: model, started: started, error: error)
    }

    /// Waits out a retry delay in steps of at most 100 ms, so that a client that hangs up meanwhile frees its
    /// stream slot at once rather than after a `Retry-After` of many seconds; false when the call was cancelled.
    static func wait(_ delay: Duration, unless cancellation: HTTPCancellation?) async -> Bool {
        let end = ContinuousClock.now + delay
        while ContinuousClock.now < end {
            if cancellation?.isCancelled == true { return false }
            do {
                try await Task.sleep(until: min(end, ContinuousClock.now + .milliseconds(100)), clock: .continuous)
            } catch {
                return false
            }
        }
        return cancellation?.isCancelled != true
    }

    /// Full jitter: a uniform wait up to `base · 2^(attempt-1)`, capped.
    func backoff(attempt: Int) -> Duration {
        let ceiling = min(self.configuration.maxBackoff, self.configuration.retryBase * (1 << min(attempt - 1, 20)))
        let nanos = max(Int64(1), ceiling.nanoseconds)
        return .nanoseconds(Int64.random(in: 0...nanos))
    }

    // MARK: Transport

    /// A complete exchange; a non-2xx answer becomes the provider's error.
    func send(_ request: HTTPRequest, deployment: Deployment, cancellation: HTTPCancellation?) async throws(GatewayError) -> HTTPResponse {
        // A non-streamed answer's head comes only once the whole answer is written, so the first-byte timeout (a
        // stream's time to first token) does not apply; the total timeout bounds it.
        var request = request
        request.timeouts.firstByte = nil
        let response: HTTPResponse
        do {
            response = try await self.client.execute(request, cancellation: cancellation)
        } catch {
            throw Self.transportError(error, deployment: deployment)
        }
        guard (200..<300).contains(response.status) else {
            throw UpstreamErrors.error(status: response.status, headers: response.headers, body: response.body, deployment: deployment)
        }
        return response
    }

    /// The head of a stream; a non-2xx answer is read whole and becomes the provider's error.
    func open(_ request: HTTPRequest, deployment: Deployment, cancellation: HTTPCancellation?) async throws(GatewayError) -> HTTPStreamingResponse {
        let response: HTTPStreamingResponse
        do {
            response = try await self.client.stream(request, cancellation: cancellation)
        } catch {
            throw Self.transportError(error, deployment: deployment)
        }
        guard (200..<300).contains(response.status) else {
            let body = (try? await response.body.collect()) ?? []
            throw UpstreamErrors.error(status: response.status, headers: response.headers, body: body, deployment: deployment)
        }
        return response
    }

    static func transportError(_ error: any Error, deployment: Deployment) -> GatewayError {
        let name = deployment.provider.name
        guard let error = error as? HTTPClientError else {
            return GatewayError(.connection, status: 502, message: "\(name): \(error)", provider: name)
        }
        switch error.code {
        case .cancelled:
            return GatewayError(.cancelled, status: 499, message: "the client went away", provider: name)
        case .timedOut:
            return GatewayError(
                .timeout,
                status: 504,
                type: "api_error",
                code: "upstream_timeout",
                message: "\(name) timed out for model \(deployment.model): \(error.message)",
                provider: name
            )
        case .responseTooLarge:
            return GatewayError(
                .badResponse,
                status: 502,
                type: "api_error",
                code: "upstream_too_large",
                message: "\(name) sent a response larger than skiff accepts",
                provider: name
            )
        case .shutdown:
            return GatewayError(.cancelled, status: 503, type: "api_error", message: "skiff is shutting down", provider: name)
        default:
            return GatewayError(
                .connection,
                status: 502,
                type: "api_error",
                code: "upstream_unreachable",
                message: (error.code == .network ? "the connection to \(name) failed" : "could not reach \(name)")
                    + " for model \(deployment.model): \(error.message)",
                provider: name
            )
        }
    }

    func adapter(_ deployment: Deployment) -> any ProviderAdapter {
        switch deployment.provider.kind {
        case .openAI, .deepSeek, .xAI, .azure: return OpenAIAdapter()
        case .anthropic: return AnthropicAdapter(defaultMaxTokens: self.configuration.anthropicDefaultMaxTokens)
        case .gemini: return GeminiAdapter()
        }
    }

    /// A Messages client's body sent to Anthropic itself: the deployment's model name, `max_tokens` defaulted.
    func nativeMessagesRequest(
        _ body: JSONValue,
        deployment: Deployment,
        call: UpstreamCall,
        clientHeaders: [(name: String, value: String)],
        stream: Bool
    ) -> HTTPRequest {
        var upstream = body
        upstream["model"] = .string(deployment.model)
        if upstream["max_tokens"] == nil { upstream["max_tokens"] = .int(self.configuration.anthropicDefaultMaxTokens) }
        upstream["stream"] = stream ? true : nil
        return AnthropicAdapter.request(upstream, deployment: deployment, call: call, clientHeaders: clientHeaders)
    }

    /// A translation of the client's body, made at most once per request however many deployments need it.
    static func once<Value>(_ made: inout Value?, _ make: @autoclosure () throws(GatewayError) -> Value) throws(GatewayError) -> Value {
        if let made { return made }
        let value = try make()
        made = value
        return value
    }

    /// The upstream call for one client request, with this gateway's timeouts and limits.
    public func call(requestID: String?, traceID: String? = nil, cancellation: HTTPCancellation? = nil) -> UpstreamCall {
        UpstreamCall(
            timeouts: self.configuration.timeouts,
            requestID: requestID,
            traceID: traceID,
            maxResponseBytes: self.configuration.maxResponseBytes,
            cancellation: cancellation
        )
    }

    /// The request's `model`, which every route needs.
    static func model(of body: JSONValue) throws(GatewayError) -> String {
        guard body.objectValue != nil else { throw GatewayError.invalid("the body must be a JSON object") }
        guard let value = body["model"], value != .null else {
            throw GatewayError.invalid("model: a model name is required", code: "missing_model")
        }
        guard let model = value.stringValue else {
            throw GatewayError.invalid("model: expected a string, not \(value.typeName)", code: "invalid_model")
        }
        guard !model.isEmpty else { throw GatewayError.invalid("model: a model name is required", code: "missing_model") }
        return model
    }
}

extension Task where Success == Never, Failure == Never {
    /// `checkCancellation` as a `GatewayError`.
    static func checkCancellation(orThrow deployment: Deployment) throws(GatewayError) {
        if Task.isCancelled { throw GatewayError(.cancelled, status: 499, message: "the client went away", provider: deployment.provider.name) }
    }
}
