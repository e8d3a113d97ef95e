/// Incremental parser for `text/event-stream` bodies, fed chunks as they arrive. Follows the WHATWG rules:
/// CRLF, LF or CR end a line (Gemini frames with CRLF), a blank line dispatches, `:` starts a comment, one space
/// after the colon is dropped, and an event without data is not dispatched.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var eventName: String?
    private var dataLines: [String] = []
    private var hasData = false
    /// Bytes held for a line still being received; bounded so a body without line breaks cannot grow forever.
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 8 * 1024 * 1024) {
        self.maxLineBytes = maxLineBytes
    }

    /// Events completed by this chunk. Throws when a single line exceeds `maxLineBytes`.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(SSEParserError) -> [SSEEvent] {
        var events: [SSEEvent] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            if self.afterCR {
                self.afterCR = false
                if bytes[index] == 0x0A {
                    index = bytes.index(after: index)
                    continue
                }
            }
            // Copy the run up to the next line break in one go.
            let end = bytes[index...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? bytes.endIndex
            if end != index {
                self.line.append(contentsOf: bytes[index..<end])
                if self.line.count > self.maxLineBytes { throw SSEParserError(maxLineBytes: self.maxLineBytes) }
            }
            guard end != bytes.endIndex else { break }
            if bytes[end] == 0x0D { self.afterCR = true }
            if let event = self.endLine() { events.append(event) }
            index = bytes.index(after: end)
        }
        return events
    }

    /// The end of the body: a last event not followed by a blank line still counts (servers often omit it).
    public mutating func finish() -> SSEEvent? {
        var event = self.line.isEmpty ? nil : self.endLine()
        if event == nil { event = self.endLine() }
        return event
    }

    private mutating func endLine() -> SSEEvent? {
        defer { self.line.removeAll(keepingCapacity: true) }
        if self.line.isEmpty {
            guard self.hasData else {
                self.eventName = nil
                return nil
            }
            let event = SSEEvent(event: self.eventName, data: self.dataLines.joined(separator: "\n"))
            self.eventName = nil
            self.dataLines.removeAll(keepingCapacity: true)
            self.hasData = false
            return event
        }
        if self.line.first == UInt8(ascii: ":") { return nil }
        let colon = self.line.firstIndex(of: UInt8(ascii: ":"))
        let field = String(decoding: self.line[..<(colon ?? self.line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { $0 + 1 } ?? self.line.endIndex
        if valueStart < self.line.endIndex && self.line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = String(decoding: self.line[valueStart...], as: UTF8.self)
        switch field {
        case "data":
            self.dataLines.append(value)
            self.hasData = true
        case "event":
            self.eventName = value
        default:
            break  // id, retry: nothing to do for a proxy
        }
        return nil
    }
}

/// A stream line longer than the parser will hold.
public struct SSEParserError: Error, Sendable {
    public var maxLineBytes: Int
}
