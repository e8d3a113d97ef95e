import HTTPTypes
import Hummingbird

/// A path skiff serves, asked with a method it does not serve, is a 405 whose `Allow` names the methods it does:
/// a 404 there reads as a typo in the path. Registered last, from the router's own list of routes.
enum MethodNotAllowedRoutes {
    /// The methods a client might try by mistake; OPTIONS stays with CORS (`ALLOWED_ORIGINS`).
    static let candidates: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete]

    static func register(on router: Router<SkiffRequestContext>) {
        var served: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in router.routes {
            served[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        for (path, methods) in served.values {
            // HEAD is generated for every GET route when the router is built (`autoGenerateHeadEndpoints`).
            let allowed = methods.contains(.get) ? methods.union([.head]) : methods
            let allow = self.candidates.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            for method in self.candidates where !allowed.contains(method) {
                router.on(path, method: method) { request, _ -> Response in
                    throw APIError(
                        .methodNotAllowed,
                        type: "method_not_allowed",
                        message: "\(request.method) is not allowed on \(request.uri.path); it answers \(allow)",
                        headers: [.allow: allow]
                    )
                }
            }
        }
    }
}
