import Foundation

/// The outbound proxy, read once from the conventional variables so that every transfer (AWS and providers)
/// goes the same way. libcurl reads only some of them itself (never upper-case `HTTP_PROXY`), so skiff sets
/// the proxy per transfer explicitly instead.
public struct ProxySettings: Sendable, Equatable {
    /// Proxy for `https://` URLs (`HTTPS_PROXY` / `https_proxy`).
    public var httpsProxy: String?
    /// Proxy for `http://` URLs (`HTTP_PROXY` / `http_proxy`).
    public var httpProxy: String?
    /// Hosts reached directly (`NO_PROXY` / `no_proxy`): comma-separated names, domain suffixes, IPs or `*`.
    public var noProxy: String?

    public init(httpsProxy: String? = nil, httpProxy: String? = nil, noProxy: String? = nil) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
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
