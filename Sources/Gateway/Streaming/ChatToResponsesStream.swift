import Foundation

/// OpenAI chunks (from any provider, already translated) as the Responses API's event stream, for `/v1/responses`
/// clients reaching a model OpenAI does not serve: `response.created`, one output item per run of reasoning or text
/// or per tool call (each added, its deltas, done), then `response.completed` (or `.incomplete`) with the whole
/// response. Every event carries its `sequence_number`, as the SDKs' stream helpers check.
struct ChatToResponsesStream: ChunkConverting {
    var upstream: any StreamTranslator
    /// The client's request, whose settings the response echoes.
    private let request: JSONValue
    private let id = ResponsesTranslator.newID()
    private let created = Int(Date().timeIntervalSince1970)
    private var model: String
    private var sequence = 0
    private var started = false
    /// The finished output items, in order; the open one (if any) comes next.
    private var output: [JSONValue] = []
    private var item: OpenItem?
    private var finishReason: String?

    private enum OpenItem {
        /// Reasoning: its text so far (shown as a summary) and Claude's signed blocks.
        case reasoning(text: String?, blocks: [JSONValue])
        /// An assistant message: its parts, text or refusal, the last one open.
        case message(parts: [(refusal: Bool, text: String)])
        /// A function call, by its chat index.
        case call(index: Int, callID: String, name: String, arguments: String, extra: JSONValue?)
    }

    init(upstream: any StreamTranslator, request: JSONValue, model: String) {
        self.upstream = upstream
        self.request = request
        self.model = model
    }

    mutating func opening() -> [SSEEvent] { self.start() }

    mutating func finish() throws(GatewayError) -> [SSEEvent] {
        var out = self.converted(try self.upstream.finish())
        out += self.start()
        out += self.closeItem()
        let (status, incomplete) = ResponsesTranslator.status(self.finishReason)
        let response = self.response(status: status, usage: self.upstream.usage, incomplete: incomplete)
        out.append(self.event(status == "completed" ? "response.completed" : "response.incomplete", ["response": response]))
        return out
    }

    /// OpenAI's `error` event, then `response.failed` with what was made before the failure.
    mutating func failure(_ error: GatewayError) -> [SSEEvent]? {
        var out = self.start()
        out.append(ResponsesTranslator.errorEvent(error, sequence: self.sequence))
        self.sequence += 1
        var response = self.response(status: "failed", usage: self.upstream.usage, incomplete: nil)
        response["error"] = ResponsesTranslator.errorObject(error)
        out.append(self.event("response.failed", ["response": response]))
        return out
    }

    mutating func convert(_ chunk: SSEEvent) -> [SSEEvent] {
        guard let data = try? JSONValue.parse(chunk.data) else { return [] }
        if let model = data["model"]?.stringValue { self.model = model }
        var out = self.start()
        guard let choice = data["choices"]?.arrayValue?.first else { return out }
        let delta = choice["delta"]
        if let reasoning = delta?["reasoning_content"]?.stringValue, !reasoning.isEmpty {
            out += self.reason(reasoning)
        }
        if let blocks = delta?["thinking_blocks"]?.arrayValue, !blocks.isEmpty {
            if case .reasoning(let text, let held)? = self.item {
                self.item = .reasoning(text: text, blocks: held + blocks)
            } else {
                out += self.open(.reasoning(text: nil, blocks: blocks))
            }
        }
        if let text = delta?["content"]?.stringValue, !text.isEmpty { out += self.write(text, refusal: false) }
        if let text = delta?["refusal"]?.stringValue, !text.isEmpty { out += self.write(text, refusal: true) }
        for call in delta?["tool_calls"]?.arrayValue ?? [] {
            out += self.call(call)
        }
        if let finish = choice["finish_reason"]?.stringValue {
            self.finishReason = finish
            out += self.closeItem()
        }
        return out
    }

    // MARK: Items

    private mutating func reason(_ text: String) -> [SSEEvent] {
        var out: [SSEEvent] = []
        if case .reasoning = self.item {} else { out += self.open(.reasoning(text: nil, blocks: [])) }
        guard case .reasoning(var summary, let blocks)? = self.item else { return out }
        if summary == nil {
            out.append(self.itemEvent("response.reasoning_summary_part.added", ["summary_index": 0, "part": Self.summaryPart("")]))
            summary = ""
        }
        self.item = nil  // the summary is then this function's alone, and grows in place
        summary?.append(text)
        self.item = .reasoning(text: summary, blocks: blocks)
        out.append(self.itemEvent("response.reasoning_summary_text.delta", ["summary_index": 0, "delta": .string(text)]))
        return out
    }

    private mutating func write(_ text: String, refusal: Bool) -> [SSEEvent] {
        var out: [SSEEvent] = []
        if case .message = self.item {} else { out += self.open(.message(parts: [])) }
        guard case .message(var parts)? = self.item else { return out }
        if parts.last?.refusal != refusal {
            out += self.closePart(parts)
            parts.append((refusal, ""))
            let part = refusal ? ResponsesTranslator.refusalPart("") : ResponsesTranslator.textPart("")
            out.append(self.itemEvent("response.content_part.added", ["content_index": .int(parts.count - 1), "part": part]))
        }
        self.item = nil  // the parts are then this function's alone, and the text grows in place
        parts[parts.count - 1].text += text
        self.item = .message(parts: parts)
        let index = JSONValue.int(parts.count - 1)
        out.append(
            refusal
                ? self.itemEvent("response.refusal.delta", ["content_index": index, "delta": .string(text)])
                : self.itemEvent("response.output_text.delta", ["content_index": index, "delta": .string(text), "logprobs": []])
        )
        return out
    }

    private mutating func call(_ call: JSONValue) -> [SSEEvent] {
        var out: [SSEEvent] = []
        let index = call["index"]?.intValue ?? 0
        if case .call(index, _, _, _, _)? = self.item {
        } else {
            let callID = call["id"]?.stringValue ?? "call_\(self.id)_\(index)"
            out += self.open(.call(index: index, callID: callID, name: call["function"]?["name"]?.stringValue ?? "", arguments: "", extra: nil))
        }
        guard case .call(_, let callID, let name, var arguments, var extra)? = self.item else { return out }
        self.item = nil  // the arguments are then this function's alone, and grow in place
        if let more = call["extra_content"] { extra = more }
        let piece = call["function"]?["arguments"]?.stringValue ?? ""
        arguments += piece
        self.item = .call(index: index, callID: callID, name: name, arguments: arguments, extra: extra)
        if !piece.isEmpty { out.append(self.itemEvent("response.function_call_arguments.delta", ["delta": .string(piece)])) }
        return out
    }

    /// Starts `item` as the next output item, closing the open one.
    private mutating func open(_ item: OpenItem) -> [SSEEvent] {
        var out = self.closeItem()
        self.item = item
        out.append(self.itemEvent("response.output_item.added", ["item": self.itemValue(item, done: false)], withItemID: false))
        return out
    }

    private mutating func closeItem() -> [SSEEvent] {
        guard let item = self.item else { return [] }
        var out: [SSEEvent] = []
        switch item {
        case .reasoning(let text?, _):
            out.append(self.itemEvent("response.reasoning_summary_text.done", ["summary_index": 0, "text": .string(text)]))
            out.append(self.itemEvent("response.reasoning_summary_part.done", ["summary_index": 0, "part": Self.summaryPart(text)]))
        case .reasoning:
            break
        case .message(let parts):
            out += self.closePart(parts)
        case .call(_, _, let name, let arguments, _):
            out.append(self.itemEvent("response.function_call_arguments.done", ["arguments": .string(arguments), "name": .string(name)]))
        }
        let value = self.itemValue(item, done: true)
        out.append(self.itemEvent("response.output_item.done", ["item": value], withItemID: false))
        self.output.append(value)
        self.item = nil
        return out
    }

    /// The events that end a message's last part.
    private mutating func closePart(_ parts: [(refusal: Bool, text: String)]) -> [SSEEvent] {
        guard let last = parts.last else { return [] }
        let index = JSONValue.int(parts.count - 1)
        let part = last.refusal ? ResponsesTranslator.refusalPart(last.text) : ResponsesTranslator.textPart(last.text)
        let done =
            last.refusal
            ? self.itemEvent("response.refusal.done", ["content_index": index, "refusal": .string(last.text)])
            : self.itemEvent("response.output_text.done", ["content_index": index, "text": .string(last.text), "logprobs": []])
        return [done, self.itemEvent("response.content_part.done", ["content_index": index, "part": part])]
    }

    /// The item as the response shows it: in progress when added, whole when done.
    private func itemValue(_ item: OpenItem, done: Bool) -> JSONValue {
        let itemID = self.itemID(of: item)
        let status = done ? "completed" : "in_progress"
        switch item {
        case .reasoning(let text, let blocks):
            return ResponsesTranslator.reasoningItem(id: itemID, text: done ? text ?? "" : "", blocks: done ? blocks : [])
        case .message(let parts):
            let values = done ? parts.map { $0.refusal ? ResponsesTranslator.refusalPart($0.text) : ResponsesTranslator.textPart($0.text) } : []
            return ResponsesTranslator.messageItem(id: itemID, parts: values, status: status)
        case .call(_, let callID, let name, let arguments, let extra):
            return ResponsesTranslator.functionCallItem(
                id: itemID,
                callID: callID,
                name: name,
                arguments: done ? arguments : "",
                status: status,
                extra: done ? extra : nil
            )
        }
    }

    private func itemID(of item: OpenItem) -> String {
        let prefix: String
        switch item {
        case .reasoning: prefix = "rs"
        case .message: prefix = "msg"
        case .call: prefix = "fc"
        }
        return "\(prefix)_\(self.id)_\(self.output.count)"
    }

    // MARK: Events

    private mutating func start() -> [SSEEvent] {
        guard !self.started else { return [] }
        self.started = true
        // The same response in both events, written once.
        let response = self.response(status: "in_progress", usage: nil, incomplete: nil).serialized()
        return [
            self.event("response.created") { $0.member("response", json: response) },
            self.event("response.in_progress") { $0.member("response", json: response) },
        ]
    }

    private func response(status: String, usage: TokenUsage?, incomplete: String?) -> JSONValue {
        ResponsesTranslator.envelope(
            request: self.request,
            id: self.id,
            model: self.model,
            created: self.created,
            status: status,
            output: self.output,
            usage: usage,
            incomplete: incomplete
        )
    }

    /// An event about the open item: its output index and (unless it carries the item) its id.
    private mutating func itemEvent(_ name: String, _ fields: KeyValuePairs<String, JSONValue>, withItemID: Bool = true) -> SSEEvent {
        let itemID = withItemID ? self.item.map(self.itemID(of:)) : nil
        let outputIndex = self.output.count
        return self.event(name) { writer in
            writer.member("output_index", .int(outputIndex))
            if let itemID { writer.member("item_id", .string(itemID)) }
            writer.members(fields)
        }
    }

    private mutating func event(_ name: String, _ fields: KeyValuePairs<String, JSONValue>) -> SSEEvent {
        self.event(name) { $0.members(fields) }
    }

    /// An event of the client's stream: its type, its number, then the members `write` adds.
    private mutating func event(_ name: String, _ write: (inout JSONWriter) -> Void) -> SSEEvent {
        let sequence = self.sequence
        self.sequence += 1
        return SSEEvent.typed(name) { writer in
            writer.member("sequence_number", .int(sequence))
            write(&writer)
        }
    }

    private static func summaryPart(_ text: String) -> JSONValue {
        ["type": "summary_text", "text": .string(text)]
    }
}
