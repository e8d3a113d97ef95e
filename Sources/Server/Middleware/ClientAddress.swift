import HTTPTypes
import Hummingbird

/// The caller's IP for rate limiting: the connection's peer, or, behind `trustedProxies` proxies of our own (the ALB
/// is one), the `X-Forwarded-For` entry the outermost of them added. Entries further left were written by the
/// client and are never believed.
enum ClientAddress {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func of(_ request: Request, peer: String?, trustedProxies: Int) -> String {
        guard trustedProxies > 0 else { return peer ?? "unknown" }
        let hops = request.headers[values: Self.forwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { String($0).trimmingSpaces() }
            .filter { !$0.isEmpty }
        // Each proxy appends the address it received the request from; the last `trustedProxies` entries are ours.
        guard hops.count >= trustedProxies else { return peer ?? "unknown" }
        return hops[hops.count - trustedProxies]
    }
}
