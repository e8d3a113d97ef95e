import Foundation

/// The parts of an absolute http(s) URL that signing and routing need, parsed without Foundation's URL quirks.
public struct EndpointURL: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String
    public var host: String
    public var port: Int?
    /// The path as it goes on the wire (already percent-encoded where needed), at least "/".
    public var path: String
    /// The raw query string without "?", or "".
    public var query: String

    public init?(_ string: String) {
        guard let schemeEnd = string.range(of: "://") else { return nil }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = string[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var host = String(authority)
        var port: Int? = nil
        if authority.hasPrefix("[") {
            // IPv6 literal: [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let value = Int(authority[authority.index(after: colon)...]) else { return nil }
            port = value
        }
        guard !host.isEmpty else { return nil }
        if let port, !(1...65535).contains(port) { return nil }
        let remainder = rest[authorityEnd...]
        var path = remainder
        var query = Substring("")
        if let questionMark = remainder.firstIndex(of: "?") {
            path = remainder[..<questionMark]
            query = remainder[remainder.index(after: questionMark)...]
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.path = path.isEmpty ? "/" : String(path)
        self.query = String(query)
    }

    /// `host` or `host:port` when the port is not the scheme's default: the value of the Host header.
    public var hostHeader: String {
        guard let port else { return self.host }
        if (self.scheme == "http" && port == 80) || (self.scheme == "https" && port == 443) { return self.host }
        return "\(self.host):\(port)"
    }

    /// The host without IPv6 brackets.
    public var bareHost: String {
        self.host.hasPrefix("[") ? String(self.host.dropFirst().dropLast()) : self.host
    }

    /// The same endpoint with another path and query.
    public func with(path: String, query: String = "") -> EndpointURL {
        var copy = self
        copy.path = path.isEmpty ? "/" : path
        copy.query = query
        return copy
    }

    public var description: String {
        "\(self.scheme)://\(self.hostHeader)\(self.path)\(self.query.isEmpty ? "" : "?" + self.query)"
    }
}
