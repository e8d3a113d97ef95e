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
            try await client.execute(uri: "/health", method: .post) { response in
                #expect((400..<500).contains(response.status.code))
                let object = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: [String: String]]
                #expect(object?["error"]?["type"] != nil)
            }
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
