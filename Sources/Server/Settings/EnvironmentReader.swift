import Logging

/// Typed reads of environment variables; each failure is a `SettingsError` naming the variable and its value.
struct EnvironmentReader {
    let environment: [String: String]

    func string(_ name: String) -> String? {
        guard let value = self.environment[name]?.trimmingSpaces(), !value.isEmpty else { return nil }
        return value
    }

    func string(_ name: String, default value: String) -> String {
        self.string(name) ?? value
    }

    func bool(_ name: String, default value: Bool) throws(SettingsError) -> Bool {
        guard let raw = self.string(name) else { return value }
        switch raw.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError(variable: name, message: "\"\(raw)\" is not a boolean (use true or false)")
        }
    }

    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws(SettingsError) -> Int {
        guard let raw = self.string(name) else { return value }
        guard let parsed = Int(raw) else {
            throw SettingsError(variable: name, message: "\"\(raw)\" is not a whole number")
        }
        guard range.contains(parsed) else {
            throw SettingsError(variable: name, message: "\(parsed) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return parsed
    }

    func double(_ name: String, default value: Double, range: ClosedRange<Double>) throws(SettingsError) -> Double {
        guard let raw = self.string(name) else { return value }
        guard let parsed = Double(raw), parsed.isFinite else {
            throw SettingsError(variable: name, message: "\"\(raw)\" is not a number")
        }
        guard range.contains(parsed) else {
            throw SettingsError(variable: name, message: "\(raw) is outside \(range.lowerBound)…\(range.upperBound)")
        }
        return parsed
    }

    /// Seconds, fractions allowed ("0.5").
    func seconds(_ name: String, default value: Duration, range: ClosedRange<Double>) throws(SettingsError) -> Duration {
        guard let raw = self.string(name) else { return value }
        guard let parsed = Double(raw), parsed.isFinite else {
            throw SettingsError(variable: name, message: "\"\(raw)\" is not a number of seconds")
        }
        guard range.contains(parsed) else {
            throw SettingsError(variable: name, message: "\(raw) is outside \(range.lowerBound)…\(range.upperBound) seconds")
        }
        return .milliseconds(Int64((parsed * 1000).rounded()))
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, default value: T) throws(SettingsError) -> T where T.RawValue == String {
        guard let raw = self.string(name) else { return value }
        guard let parsed = T(rawValue: raw.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(variable: name, message: "\"\(raw)\" is not one of: \(allowed)")
        }
        return parsed
    }

    func logLevel(_ name: String, default value: Logger.Level) throws(SettingsError) -> Logger.Level {
        guard let raw = self.string(name) else { return value }
        let aliases: [String: Logger.Level] = ["warn": .warning, "fatal": .critical]
        guard let level = Logger.Level(rawValue: raw.lowercased()) ?? aliases[raw.lowercased()] else {
            let allowed = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingsError(variable: name, message: "\"\(raw)\" is not a log level (\(allowed))")
        }
        return level
    }
}

extension String {
    /// "a, b,,c" → ["a", "b", "c"]: how list-valued variables are written.
    func commaSeparated() -> [String] {
        self.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
    }

    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
