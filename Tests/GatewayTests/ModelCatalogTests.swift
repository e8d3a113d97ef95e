import HTTPClient
import Logging
import TestSupport
import Testing

@testable import Gateway

/// `/v1/models`' listing: callers that ask at once share one round of provider calls, and a caller cancelled
/// midway leaves no partial listing behind for the others.
@Suite struct ModelCatalogTests {
    static let logger = Logger(label: "test")

    static func catalog(_ peer: PeerProcess) throws -> ModelCatalog {
        let base = peer.string("endpoint")
        let providers = [
            ProviderConfiguration(kind: .openAI, baseURL: base + "/openai/v1", apiKey: Secret("test")),
            ProviderConfiguration(kind: .anthropic, baseURL: base + "/anthropic", apiKey: Secret("test")),
        ]
        return ModelCatalog(router: try ModelRouter(providers: providers), client: HTTPClient(proxy: ProxySettings()))
    }

    static func listings(_ peer: PeerProcess) async throws -> [String] {
        try await MockProviders.requests(peer).compactMap { $0["path"] as? String }.filter { $0.hasSuffix("/models") }
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        let peer = try await MockProviders.start()
        let catalog = try Self.catalog(peer)
        let listings = await withTaskGroup(of: [ModelCatalog.Entry].self) { group in
            for _ in 0..<16 { group.addTask { await catalog.entries(logger: Self.logger) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(listings.count == 16 && Set(listings.map { $0.map(\.id) }).count == 1)
        #expect(listings[0].contains { $0.id == "claude-mock-1" } && listings[0].contains { $0.id == "openai/mock-chat" })
        #expect(try await Self.listings(peer).sorted() == ["/anthropic/v1/models", "/openai/v1/models"])
    }

    @Test func aCancelledCallersPartialListingIsNotKept() async throws {
        let peer = try await MockProviders.start()
        let catalog = try Self.catalog(peer)
        let cancelled = Task { await catalog.entries(logger: Self.logger) }
        cancelled.cancel()
        _ = await cancelled.value
        let entries = await catalog.entries(logger: Self.logger)
        #expect(entries.contains { $0.id == "openai/mock-chat" } && entries.contains { $0.id == "claude-mock-1" }, "\(entries)")
    }
}
