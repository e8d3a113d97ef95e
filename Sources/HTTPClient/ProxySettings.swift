import Foundation

/// The outbound proxy, read once from the conventional variables so that every transfer (AWS and providers)
/// goes the same way. libcurl reads only some of them itself (never upper-case `HTTP_PROXY`), so skiff sets
/// the proxy per transfer explicitly instead.
public struct ProxySettings: Sendable, Equatable {
    /// Proxy for `https://` URLs (`HTTPS_PROXY` / `https_proxy`).
    public var httpsProxy: String?
    /// Proxy for `http://` URLs (`HTTP_PROXY` / `http_proxy`).
    public var httpProxy: String?
    /// Hosts reached directly (`NO_PROXY` / `no_proxy`): comma-separated names, domain suffixes, IPs, CIDR ranges
    /// or `*`, in the form libcurl matches (see `init`).
    public private(set) var noProxy: String?

    /// libcurl matches names, dotted suffixes, IPs and CIDR ranges, and `*` only as the whole list; the forms other
    /// clients accept as well (`*.corp.example`, `host:port`, `*` among other entries) are rewritten into those.
    public init(httpsProxy: String? = nil, httpProxy: String? = nil, noProxy: String? = nil) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy.map(Self.curlNoProxy)
    }

    static func curlNoProxy(_ list: String) -> String {
        var entries: [String] = []
        for item in list.split(separator: ",") {
            var entry = item.trimmingCharacters(in: .whitespaces)
            if entry == "*" { return "*" }
            if entry.hasPrefix("*.") { entry.removeFirst() }
            if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                entry = String(entry[entry.index(after: entry.startIndex)..<close])  // [v6] or [v6]:port
            } else if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":"),
                entry[entry.index(after: colon)...].allSatisfy(\.isNumber)
            {
                entry = String(entry[..<colon])  // host:port: libcurl bypasses by host, on every port
            }
            if !entry.isEmpty { entries.append(entry) }
        }
        return entries.joined(separator: ",")
    }

    /// Upper-case names win over lower-case ones; empty values count as unset.
    public static func from(environment: [String: String]) -> ProxySettings {
        func value(_ name: String) -> String? {
            let found = environment[name.uppercased()] ?? environment[name.lowercased()]
            guard let found, !found.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return found.trimmingCharacters(in: .whitespaces)
        }
        return ProxySettings(httpsProxy: value("https_proxy"), httpProxy: value("http_proxy"), noProxy: value("no_proxy"))
    }

    /// The proxy for this request's scheme, or nil to connect directly.
    func proxy(for request: HTTPRequest) -> String? {
        switch request.scheme {
        case .https: self.httpsProxy
        case .http: self.httpProxy
        case .other: nil
        }
    }
}
