import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import Server

@Suite("Routes in process")
struct RoutesTests {
    static func app(_ readiness: Readiness) -> some ApplicationProtocol {
        ServerApplication(settings: Settings(), readiness: readiness, logger: Logger(label: "test")).makeApplication()
    }

    @Test func healthEndpointsFollowReadiness() async throws {
        let readiness = Readiness(waitsForModels: false)
        let router = ServerApplication(settings: Settings(), readiness: readiness, logger: Logger(label: "test")).makeRouter()
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("starting"))
                #expect(response.headers[.retryAfter] != nil)
            }
            readiness.listenerStarted()
            try await client.execute(uri: "/health/ready", method: .get) { #expect($0.status == .ok) }
            readiness.startDraining()
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("draining"))
            }
            // Liveness is unaffected by draining.
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func unknownRoutesAndMethodsGetTheJSONErrorShape() async throws {
        let router = ServerApplication(settings: Settings(), readiness: Readiness(), logger: Logger(label: "test")).makeRouter()
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: [String: String]]
                #expect(object?["error"]?["type"] == "not_found")
                #expect(object?["error"]?["message"]?.contains("/nope") == true)
            }
            // A path skiff serves, with a method it does not: 405 naming the methods it does.
            try await client.execute(uri: "/health", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: [String: String]]
                #expect(object?["error"]?["type"] == "method_not_allowed")
                #expect(object?["error"]?["message"]?.contains("GET, HEAD") == true)
            }
            try await client.execute(uri: "/v1/chat/completions", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
            }
            try await client.execute(uri: "/v1/models/gpt-4o", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
            // The Anthropic front answers in Anthropic's envelope, as its SDK reads it.
            try await client.execute(uri: "/v1/messages", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                #expect(object?["type"] as? String == "error")
            }
            // An unknown path stays a 404 whatever the method.
            try await client.execute(uri: "/nope", method: .delete) { #expect($0.status == .notFound) }
            // HEAD is answered wherever GET is: GET's status and headers, no body.
            try await client.execute(uri: "/health", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/embed", method: .head) { #expect($0.status == .methodNotAllowed) }
        }
    }

    @Test func requestIDsAreEchoedOrMade() async throws {
        let router = ServerApplication(settings: Settings(), readiness: Readiness(), logger: Logger(label: "test")).makeRouter()
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "client-id-1"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "client-id-1")
            }
            try await client.execute(uri: "/nope", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "client-id-2"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "client-id-2")
            }
            try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "bad id with spaces"]) { response in
                let id = response.headers[HTTPField.Name("X-Request-Id")!]
                #expect(id != nil && id != "bad id with spaces")
                #expect(id?.count == 32)
            }
        }
    }
}
