import Foundation
import HTTPClient
import Logging
import Synchronization

/// The models behind `/v1/models`: each enabled provider's own list (fetched concurrently, cached for a few
/// minutes so a busy `/v1/models` does not hammer providers) plus the routes file's aliases. Ids that the prefix
/// rules would not route back to their provider are listed as `provider/id`, so every listed id works.
public final class ModelCatalog: Sendable {
    public struct Entry: Sendable, Equatable {
        public var id: String
        public var ownedBy: String
        /// When the provider released it (Unix seconds) and its display name, as the provider lists them.
        public var created: Int?
        public var displayName: String?

        public init(id: String, ownedBy: String, created: Int? = nil, displayName: String? = nil) {
            self.id = id
            self.ownedBy = ownedBy
            self.created = created
            self.displayName = displayName
        }
    }

    private let router: ModelRouter
    private let client: HTTPClient
    private let ttl: Duration
    /// The last listing and until when it stands (`ttl` when every provider answered, a few seconds otherwise),
    /// and, while a refresh runs, the callers waiting for it: concurrent calls share one round of provider calls.
    private let state = Mutex<State>(State())

    private struct State {
        var cached: (entries: [Entry], until: ContinuousClock.Instant)?
        var waiters: [CheckedContinuation<[Entry]?, Never>]?
    }

    public init(router: ModelRouter, client: HTTPClient, ttl: Duration = .seconds(300)) {
        self.router = router
        self.client = client
        self.ttl = ttl
    }

    /// Provider models and aliases; a provider that cannot be listed is left out (and logged), never an error.
    public func entries(logger: Logger) async -> [Entry] {
        while true {
            enum Step { case cached([Entry]), wait, refresh }
            let step = self.state.withLock { state -> Step in
                if let cached = state.cached, ContinuousClock.now < cached.until { return .cached(cached.entries) }
                if state.waiters != nil { return .wait }
                state.waiters = []
                return .refresh
            }
            switch step {
            case .cached(let entries):
                return entries
            case .refresh:
                return await self.refresh(logger: logger)
            case .wait:
                // nil: the refresh was cancelled with its caller; go round and refresh (or wait) again.
                let shared = await withCheckedContinuation { continuation in
                    let finished = self.state.withLock { state -> [Entry]?? in
                        guard state.waiters != nil else { return .some(state.cached?.entries) }
                        state.waiters?.append(continuation)
                        return .none
                    }
                    if let finished { continuation.resume(returning: finished) }
                }
                if let shared { return shared }
            }
        }
    }

    /// Lists every provider concurrently, caches the result (unless this caller was cancelled midway: its partial
    /// listing must not stand for others) and hands it to the callers that waited.
    private func refresh(logger: Logger) async -> [Entry] {
        var entries: [Entry] = self.router.aliases.map { Entry(id: $0, ownedBy: "skiff") }
        let providers = self.router.providers.values.sorted { $0.name < $1.name }
        let results = await withTaskGroup(of: (Int, [Entry]?).self) { group in
            for (index, provider) in providers.enumerated() {
                group.addTask { (index, await self.list(provider, logger: logger)) }
            }
            var results: [(Int, [Entry]?)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }
        }
        var seen = Set(entries.map(\.id))
        for entry in results.flatMap({ $0.1 ?? [] }) where seen.insert(entry.id).inserted { entries.append(entry) }
        // A provider that could not be listed is asked again soon rather than missing for the whole ttl.
        let complete = results.allSatisfy { $0.1 != nil }
        let cancelled = Task.isCancelled
        let waiters = self.state.withLock { state in
            if !cancelled { state.cached = (entries, ContinuousClock.now + (complete ? self.ttl : .seconds(15))) }
            defer { state.waiters = nil }
            return state.waiters ?? []
        }
        for waiter in waiters { waiter.resume(returning: cancelled ? nil : entries) }
        return entries
    }

    /// One provider's models, or nil when it could not be listed.
    private func list(_ provider: ProviderConfiguration, logger: Logger) async -> [Entry]? {
        var request: HTTPRequest
        switch provider.kind {
        case .openAI, .deepSeek, .xAI:
            request = HTTPRequest(url: provider.baseURL + "/models", headers: OpenAIAdapter.headers(provider))
        case .anthropic:
            request = HTTPRequest(
                url: provider.baseURL + "/v1/models?limit=1000",
                headers: [(name: "x-api-key", value: provider.apiKey.value), (name: "anthropic-version", value: provider.apiVersion ?? "2023-06-01")]
            )
        case .gemini:
            request = HTTPRequest(
                url: provider.baseURL + "/v1beta/models?pageSize=1000",
                headers: [(name: "x-goog-api-key", value: provider.apiKey.value)]
            )
        case .azure:
            // Azure AI Inference lists no models, but `/info` names the endpoint's own (single-model endpoints).
            request = HTTPRequest(url: OpenAIAdapter.url(provider, path: "info"), headers: OpenAIAdapter.headers(provider))
        }
        request.timeouts = HTTPTimeouts(connect: .seconds(3), total: .seconds(5))
        do {
            let response = try await self.client.execute(request)
            if provider.kind == .azure {
                // A multi-model endpoint has no one model to name: its deployments come from the routes file.
                let name = response.status == 200 ? (try? JSONValue.parse(response.body))?["model_name"]?.stringValue : nil
                return name.map { [Entry(id: "\(provider.name)/\($0)", ownedBy: provider.name)] } ?? []
            }
            guard response.status == 200 else {
                logger.warning("could not list models", metadata: ["provider": "\(provider.name)", "status": "\(response.status)"])
                return nil
            }
            let body = try JSONValue.parse(response.body)
            let items = body["data"]?.arrayValue ?? body["models"]?.arrayValue ?? []
            return items.compactMap { item in
                var id = item["id"]?.stringValue ?? item["name"]?.stringValue ?? ""
                if id.hasPrefix("models/") { id.removeFirst("models/".count) }
                guard !id.isEmpty else { return nil }
                let routable = provider.name == provider.kind.rawValue && provider.kind.owns(model: id)
                // OpenAI's `created` (seconds), Anthropic's `created_at` (RFC 3339); Anthropic's and Gemini's names.
                let created = item["created"]?.intValue ?? item["created_at"]?.stringValue.flatMap(Self.unixSeconds)
                let displayName = item["display_name"]?.stringValue ?? item["displayName"]?.stringValue
                return Entry(id: routable ? id : "\(provider.name)/\(id)", ownedBy: provider.name, created: created, displayName: displayName)
            }
        } catch {
            logger.warning("could not list models", metadata: ["provider": "\(provider.name)", "error": "\(error)"])
            return nil
        }
    }

    /// An RFC 3339 timestamp (`2025-02-19T00:00:00Z`, fractional seconds allowed) as Unix seconds.
    static func unixSeconds(_ text: String) -> Int? {
        let date = (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        return date.map { Int($0.timeIntervalSince1970) }
    }
}
