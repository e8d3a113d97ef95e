/// One server-sent event: an optional name and its data (lines joined with "\n").
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var data: String

    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }

    /// The event framed for the wire, LF line endings, one `data:` line per line of data.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.data.utf8.count + 32)
        if let event {
            bytes.append(contentsOf: "event: ".utf8)
            bytes.append(contentsOf: event.utf8)
            bytes.append(0x0A)
        }
        // The common case, data on one line, is two bulk copies (the search a byte scan of contiguous storage:
        // `UTF8View.contains` walks the view index by index, which costs more than the copies).
        let multiline = self.data.utf8.withContiguousStorageIfAvailable { $0.contains(0x0A) } ?? self.data.utf8.contains(0x0A)
        if !multiline {
            bytes.append(contentsOf: "data: ".utf8)
            bytes.append(contentsOf: self.data.utf8)
            bytes.append(contentsOf: [0x0A, 0x0A])
            return bytes
        }
        var lineStart = true
        for unit in self.data.utf8 {
            if lineStart {
                bytes.append(contentsOf: "data: ".utf8)
                lineStart = false
            }
            bytes.append(unit)
            if unit == 0x0A { lineStart = true }
        }
        if lineStart { bytes.append(contentsOf: "data: ".utf8) }
        bytes.append(contentsOf: [0x0A, 0x0A])
        return bytes
    }
}

extension SSEEvent {
    /// A named event whose data is an object opening with its `type`, as Anthropic's and the Responses API's events
    /// do, then the members `write` adds, in that order.
    static func typed(_ name: String, _ write: (inout JSONWriter) -> Void) -> SSEEvent {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.member("type", .string(name))
        write(&writer)
        writer.endObject()
        return SSEEvent(event: name, data: String(decoding: writer.bytes, as: UTF8.self))
    }

    /// The same with members given in order.
    static func typed(_ name: String, _ fields: KeyValuePairs<String, JSONValue>) -> SSEEvent {
        self.typed(name) { $0.members(fields) }
    }
}
