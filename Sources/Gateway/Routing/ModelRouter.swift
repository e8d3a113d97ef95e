import Foundation

/// Resolves the model name a client sends to the deployments to try, in order: an alias's deployments (one
/// picked by weight first, the rest after), then its fallbacks; or `provider/model`; or a provider by the model's
/// prefix. Only providers with a key are enabled.
public struct ModelRouter: Sendable {
    /// Enabled provider accounts by name (`openai`, or a routes file's own names).
    public let providers: [String: ProviderConfiguration]
    let routes: [String: Route]
    /// Chooses among weighted deployments; replaceable so tests can pin the choice.
    let pick: @Sendable (Int) -> Int
    /// The largest weight a deployment may have: ample for any split, far from overflowing a sum of many.
    static let maxWeight = 1_000_000

    struct Route: Sendable, Equatable {
        var deployments: [Deployment]
        var fallbacks: [String]
    }

    /// Builds the router and checks the routes file against the enabled providers; `environment` supplies the
    /// keys that the file's own providers name.
    public init(
        providers: [ProviderConfiguration],
        routesFile: RoutesFile? = nil,
        environment: [String: String] = [:],
        pick: @escaping @Sendable (Int) -> Int = { Int.random(in: 0..<$0) }
    ) throws(RoutesFileError) {
        var byName: [String: ProviderConfiguration] = [:]
        for provider in providers { byName[provider.name] = provider }
        for (name, entry) in (routesFile?.providers ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let kind = ProviderKind.named(entry.kind) else {
                throw RoutesFileError(
                    message:
                        "providers.\(name).kind: \"\(entry.kind)\" is not one of \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard let variable = entry.apiKeyEnv else {
                throw RoutesFileError(message: "providers.\(name): api_key_env names the variable holding its key")
            }
            guard let key = environment[variable], !key.isEmpty else {
                throw RoutesFileError(message: "providers.\(name).api_key_env: \(variable) is not set")
            }
            let inherited = byName[kind.rawValue]
            guard let base = entry.baseURL ?? inherited?.baseURL ?? kind.defaultBaseURL else {
                throw RoutesFileError(message: "providers.\(name).base_url: required for \(kind.rawValue)")
            }
            byName[name] = ProviderConfiguration(
                kind: kind,
                name: name,
                baseURL: base,
                apiKey: Secret(key),
                apiVersion: entry.apiVersion ?? inherited?.apiVersion
            )
        }
        self.providers = byName
        self.pick = pick

        var routes: [String: Route] = [:]
        for (alias, entry) in routesFile?.models ?? [:] {
            var deployments: [Deployment] = []
            for (index, item) in (entry.deployments ?? []).enumerated() {
                let at = "models.\(alias).deployments[\(index)]"
                guard let provider = byName[item.provider] else {
                    let known = byName.keys.sorted().joined(separator: ", ")
                    throw RoutesFileError(
                        message:
                            "\(at).provider: \"\(item.provider)\" is not an enabled provider (enabled: \(known.isEmpty ? "none" : known); a provider is enabled by its key variable)"
                    )
                }
                let weight = item.weight ?? 1
                guard (1...Self.maxWeight).contains(weight) else {
                    throw RoutesFileError(message: "\(at).weight: must be a whole number from 1 to \(Self.maxWeight)")
                }
                deployments.append(Deployment(provider: provider, model: item.model, weight: weight))
            }
            routes[alias] = Route(deployments: deployments, fallbacks: entry.fallbacks ?? [])
        }
        self.routes = routes
        for (alias, route) in routes {
            for fallback in route.fallbacks {
                do {
                    _ = try self.plan(for: fallback, seen: [alias])
                } catch {
                    throw RoutesFileError(message: "models.\(alias).fallbacks: \(error.message)")
                }
            }
            if route.deployments.isEmpty && route.fallbacks.isEmpty && (try? self.direct(alias)) == nil {
                throw RoutesFileError(message: "models.\(alias): no deployments or fallbacks, and \"\(alias)\" reaches no enabled provider by itself")
            }
        }
    }

    /// The deployments to try for a client's model name, best first.
    public func plan(for model: String) throws(GatewayError) -> [Deployment] {
        do {
            return try self.plan(for: model, seen: [])
        } catch {
            throw GatewayError(.modelNotFound, status: 404, type: "invalid_request_error", code: "model_not_found", message: error.message)
        }
    }

    private func plan(for model: String, seen: Set<String>) throws(RoutesFileError) -> [Deployment] {
        guard !seen.contains(model) else { return [] }  // a fallback cycle: what is already planned stands
        var plan: [Deployment] = []
        if let route = self.routes[model] {
            if route.deployments.isEmpty {
                // A route of fallbacks only: its own name first where it reaches a provider by itself.
                if let deployment = try? self.direct(model) { plan.append(deployment) }
            } else {
                var remaining = route.deployments
                while !remaining.isEmpty {
                    let chosen = self.weightedIndex(remaining.map(\.weight))
                    plan.append(remaining.remove(at: chosen))
                }
            }
            for fallback in route.fallbacks {
                for deployment in try self.plan(for: fallback, seen: seen.union([model])) where !plan.contains(deployment) {
                    plan.append(deployment)
                }
            }
            return plan
        }
        return [try self.direct(model)]
    }

    /// `provider/model` or a provider's prefix rule.
    private func direct(_ model: String) throws(RoutesFileError) -> Deployment {
        if let slash = model.firstIndex(of: "/") {
            let prefix = String(model[..<slash])
            let name = String(model[model.index(after: slash)...])
            if let provider = self.providers[prefix] ?? ProviderKind.named(prefix).flatMap({ self.providers[$0.rawValue] }), !name.isEmpty {
                return Deployment(provider: provider, model: name)
            }
            if ProviderKind.named(prefix) != nil {
                throw RoutesFileError(
                    message:
                        "The model `\(model)` does not exist or you do not have access to it: provider \(prefix) is not enabled (set its key). \(self.available())"
                )
            }
        }
        for kind in ProviderKind.allCases where kind.owns(model: model) {
            if let provider = self.providers[kind.rawValue] { return Deployment(provider: provider, model: model) }
            throw RoutesFileError(
                message:
                    "The model `\(model)` does not exist or you do not have access to it: it belongs to \(kind.rawValue), which is not enabled (set its key). \(self.available())"
            )
        }
        throw RoutesFileError(message: "The model `\(model)` does not exist or you do not have access to it. \(self.available())")
    }

    /// Index into `weights`, chosen in proportion to them.
    private func weightedIndex(_ weights: [Int]) -> Int {
        guard weights.count > 1 else { return 0 }
        var ticket = self.pick(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            if ticket < weight { return index }
            ticket -= weight
        }
        return weights.count - 1
    }

    /// What a client may ask for, for "model not found" messages.
    public func available(localModels: [String] = []) -> String {
        let kinds = Set(self.providers.values.map(\.kind))
        var parts: [String] = []
        let prefixes = ProviderKind.allCases.filter(kinds.contains).map { "\($0.rawValue) (\($0.prefixDescription))" }
        parts.append("Enabled providers: " + (prefixes.isEmpty ? "none" : prefixes.joined(separator: ", ")))
        if !self.routes.isEmpty { parts.append("aliases: " + self.aliases.joined(separator: ", ")) }
        if !localModels.isEmpty { parts.append("local models: " + localModels.joined(separator: ", ")) }
        return parts.joined(separator: "; ") + "."
    }

    /// The models the routes file's deployments name.
    var deploymentModels: Set<String> { Set(self.routes.values.flatMap { $0.deployments.map(\.model) }) }

    /// Aliases from the routes file.
    public var aliases: [String] { self.routes.keys.sorted() }

    /// Whether any provider is enabled.
    public var isEmpty: Bool { self.providers.isEmpty }
}
