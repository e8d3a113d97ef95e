/// The `CLOUDWATCH_*` variables: whether and where skiff ships its own log lines.
struct CloudWatchSettings: Sendable, Equatable {
    /// The log group (`CLOUDWATCH_LOG_GROUP`), created if missing.
    var logGroup: String
    /// The log stream (`CLOUDWATCH_LOG_STREAM`); nil: the EC2 instance id, else the host name.
    var logStream: String? = nil
    /// Time between uploads (`CLOUDWATCH_FLUSH_SECONDS`).
    var flushInterval: Duration = .seconds(5)
    /// Lines kept while CloudWatch is slow or unreachable (`CLOUDWATCH_BUFFER_EVENTS`); past it the oldest go.
    var bufferEvents: Int = 10_000

    init(logGroup: String, logStream: String? = nil, flushInterval: Duration = .seconds(5), bufferEvents: Int = 10_000) {
        self.logGroup = logGroup
        self.logStream = logStream
        self.flushInterval = flushInterval
        self.bufferEvents = bufferEvents
    }

    /// nil when `CLOUDWATCH_LOG_GROUP` is unset or empty: no shipping.
    static func from(environment: [String: String]) throws(SettingsError) -> CloudWatchSettings? {
        let reader = EnvironmentReader(environment: environment)
        guard let group = reader.string("CLOUDWATCH_LOG_GROUP") else { return nil }
        // CloudWatch's own rules for the names, checked here so a typo stops boot instead of every upload failing.
        guard group.utf8.count <= 512, group.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-/#".contains($0)) }) else {
            throw SettingsError(
                variable: "CLOUDWATCH_LOG_GROUP",
                message: "\"\(group)\" is not a log group name (up to 512 letters, digits and . _ - / #)"
            )
        }
        var settings = CloudWatchSettings(logGroup: group)
        if let stream = reader.string("CLOUDWATCH_LOG_STREAM") {
            guard stream.utf8.count <= 512, !stream.contains(":"), !stream.contains("*") else {
                throw SettingsError(
                    variable: "CLOUDWATCH_LOG_STREAM",
                    message: "\"\(stream)\" is not a log stream name (up to 512 characters, no : or *)"
                )
            }
            settings.logStream = stream
        }
        settings.flushInterval = try reader.seconds("CLOUDWATCH_FLUSH_SECONDS", default: settings.flushInterval, range: 0.1...3600)
        settings.bufferEvents = try reader.int("CLOUDWATCH_BUFFER_EVENTS", default: settings.bufferEvents, range: 10...10_000_000)
        return settings
    }
}
