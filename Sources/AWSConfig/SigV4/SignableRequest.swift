/// A request as SigV4 sees it: the raw request target split into path and query, and headers in order.
public struct SignableRequest: Sendable {
    public var method: String
    /// The path as sent on the wire.
    public var path: String
    /// The raw query string without "?".
    public var query: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Replaces every header of that name (case-insensitively) with one value.
    public mutating func setHeader(_ name: String, _ value: String) {
        let lowered = name.lowercased()
        self.headers.removeAll { $0.name.lowercased() == lowered }
        self.headers.append((name, value))
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name.lowercased() == lowered }?.value
    }
}
