import Foundation
import Logging
import Synchronization

/// One JSON object per line on stdout — what CloudWatch and `jq` read — with the time, level, message,
/// request id and the logger's metadata as fields. With `CLOUDWATCH_LOG_GROUP` set, each line is also handed to
/// the CloudWatch shipper's buffer (`LogShipping`), which does no I/O on this path.
struct JSONLogHandler: LogHandler {
    /// The level new handlers start at; boot raises or lowers it once `LOG_LEVEL` is known (possibly from SSM).
    static let defaultLevel = Mutex<Logger.Level>(.info)
    private static let output = Mutex<Int32>(STDOUT_FILENO)

    let label: String
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level

    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.logLevel = Self.defaultLevel.withLock { $0 }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = self.metadata
        if let provided = self.metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let time = Date()
        let line = Self.format(
            time: time,
            level: event.level,
            message: "\(event.message)",
            label: self.label,
            fields: fields
        )
        Self.output.withLock { fd in
            line.utf8CString.withUnsafeBufferPointer { buffer in
                var offset = 0
                let length = buffer.count - 1  // without the NUL
                while offset < length {
                    let written = write(fd, buffer.baseAddress! + offset, length - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
        LogShipping.append(line, at: time)
    }

    /// Renders one line; "hb.request.id" becomes "request_id", the one field every request line shares.
    static func format(time: Date, level: Logger.Level, message: String, label: String, fields: Logger.Metadata) -> String {
        var out = "{\"time\":\"\(timestamp(time))\",\"level\":\"\(level.rawValue)\",\"message\":"
        appendJSONString(message, to: &out)
        out += ",\"logger\":"
        appendJSONString(label, to: &out)
        for key in fields.keys.sorted() {
            let name = key == "hb.request.id" ? "request_id" : key
            guard !["time", "level", "message", "logger"].contains(name) else { continue }
            out += ","
            appendJSONString(name, to: &out)
            out += ":"
            appendValue(fields[key]!, to: &out)
        }
        out += "}\n"
        return out
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let string): appendJSONString(string, to: &out)
        case .stringConvertible(let convertible): appendJSONString(convertible.description, to: &out)
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendJSONString(key, to: &out)
                out += ":"
                appendValue(dictionary[key]!, to: &out)
            }
            out += "}"
        }
    }

    static func appendJSONString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = time_t(interval.rounded(.down))
        let millis = Int((interval - Double(seconds)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }

    /// Installs the handler for the whole process, once, from `main`. Lines are also kept for CloudWatch until
    /// `serve` knows whether it ships them (`LogShipping`).
    static func bootstrap(level: Logger.Level) {
        Self.defaultLevel.withLock { $0 = level }
        LogShipping.keepBacklog()
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }
    }
}
