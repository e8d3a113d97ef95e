/// OpenAI's own Responses stream to a Responses client: events pass unchanged; usage is read from the terminal
/// event, an `error` event is the stream's failure (retried when no output has gone out yet), and a stream that
/// stops before `response.completed`, `.incomplete` or `.failed` is reported.
struct ResponsesPassthroughStream: StreamTranslator {
    let deployment: Deployment
    private(set) var usage: TokenUsage?
    private var ended = false
    /// The upstream's last sequence number, so that an error skiff adds continues the count.
    private var sequence = -1

    init(deployment: Deployment) {
        self.deployment = deployment
    }

    mutating func translate(_ event: SSEEvent) throws(GatewayError) -> [SSEEvent] {
        guard JSONStructure.isComplete(event.data) else {
            throw UpstreamErrors.badResponse("a stream event is not complete JSON", deployment: self.deployment).interrupted()
        }
        self.sequence += 1  // OpenAI numbers its events from 0, one by one
        // OpenAI names each event; a compatible server may only type its data.
        var data = event.event == nil ? try? JSONValue.parse(event.data) : nil
        let name = event.event ?? data?["type"]?.stringValue ?? ""
        guard name == "error" || Self.terminal.contains(name) else { return [event] }
        if data == nil { data = try? JSONValue.parse(event.data) }
        if name == "error" {
            throw UpstreamErrors.midStream(
                data?["message"]?.stringValue,
                type: "api_error",
                code: data?["code"]?.stringValue,
                deployment: self.deployment
            )
        }
        self.ended = true
        self.usage = TokenUsage(responses: data?["response"]?["usage"])
        return [event]
    }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        guard self.ended else {
            throw UpstreamErrors.endedEarly("before response.completed", deployment: self.deployment)
        }
        return []
    }

    /// OpenAI's `error` event, numbered after the upstream's last.
    mutating func failure(_ error: GatewayError) -> [SSEEvent]? {
        self.sequence += 1
        return [ResponsesTranslator.errorEvent(error, sequence: self.sequence)]
    }

    private static let terminal: Set<String> = ["response.completed", "response.incomplete", "response.failed"]
}
