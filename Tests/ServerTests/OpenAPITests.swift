import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import Server

/// `/openapi.json` lists exactly the routes the router has, with the methods it has.
@Suite("OpenAPI document")
struct OpenAPITests {
    /// Hummingbird's `**` (the rest of the path, slashes included) is OpenAPI's `{id}` on `/v1/models`.
    static func openAPIPath(_ path: String) -> String {
        path == "/v1/models/**" ? "/v1/models/{id}" : path
    }

    /// A route as the document names it: `get /v1/models/{id}`.
    static func documentName(_ route: Router<SkiffRequestContext>.RouteDescription) -> String {
        "\(route.method.rawValue.lowercased()) \(Self.openAPIPath(route.path.description))"
    }

    @Test func everyRouteIsDocumentedAndNothingElse() async throws {
        var settings = Settings()
        settings.embeddingModel = nil
        let router = ServerApplication(settings: settings, logger: Logger(label: "test")).makeRouter()
        let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        // Every other method on a served path is a route too, one that answers 405 (`MethodNotAllowedRoutes`).
        let others = router.routes.compactMap { route -> (name: String, uri: String, method: HTTPRequest.Method)? in
            let name = Self.documentName(route)
            let uri = route.path.description.replacingOccurrences(of: "**", with: "some-model")
            return documented.contains(name) ? nil : (name, uri, route.method)
        }
        let undocumented = try await Application(router: router).test(.router) { client in
            var answered: [String] = []
            for other in others {
                let status = try await client.execute(uri: other.uri, method: other.method) { $0.status }
                if status != .methodNotAllowed { answered.append("\(other.name) (\(status.code))") }
            }
            return answered
        }
        let routes = Set(router.routes.map(Self.documentName))
        #expect(undocumented.isEmpty, "routes missing from the document: \(undocumented.sorted())")
        #expect(documented.subtracting(routes).isEmpty, "documented but not routed: \(documented.subtracting(routes).sorted())")
        for (path, operations) in paths {
            for (method, operation) in operations {
                let operation = operation as? [String: Any] ?? [:]
                #expect(operation["operationId"] is String, "\(method) \(path) has no operationId")
                #expect((operation["responses"] as? [String: Any])?["200"] != nil, "\(method) \(path) documents no 200")
            }
        }
    }
}
