import Dispatch
import Foundation
import Logging
import Synchronization

/// Which models to serve and how, built by `Server` from the environment.
public struct ModelRegistryConfiguration: Sendable {
    /// `MODEL_DIR`.
    public var directory: URL
    /// The model name (optionally `name@version`) for each role that has one.
    public var models: [ModelRole: String]
    /// `USE_8BIT_QUANTIZATION`: prefer a model's int8 variant.
    public var useInt8: Bool
    /// `ML_NUM_THREADS`: the shared intra-op pool.
    public var threads: Int
    /// `ML_THREAD_SPINNING`: let pool threads spin between parallel sections.
    public var spinning: Bool
    public var batching: BatchingConfiguration

    public init(
        directory: URL,
        models: [ModelRole: String] = [.embedding: "all-MiniLM-L6-v2"],
        useInt8: Bool = false,
        threads: Int = 0,
        spinning: Bool = true,
        batching: BatchingConfiguration = BatchingConfiguration()
    ) {
        self.spinning = spinning
        self.directory = directory
        self.models = models.filter { !$0.value.isEmpty }
        self.useInt8 = useInt8
        self.threads = threads
        self.batching = batching
    }
}

/// What `/health/detailed` and `/info` report about one configured model.
public struct ModelStatus: Sendable, Equatable {
    public enum State: String, Sendable { case loading, loaded, failed }
    public let role: String
    public let variable: String
    public let name: String
    public let state: State
    public let reason: String?
    public let version: String?
    public let variant: String?
}

/// The models this process serves, loaded at boot. Endpoints ask it for a model by role and get either the
/// model or an error that says why it is not there (`model_not_loaded` with the load failure or the fix).
public final class ModelRegistry: Sendable {
    private enum Loaded: Sendable {
        case embedding(EmbeddingModel)
        case classifier(ClassifierModel)

        var version: String {
            switch self {
            case .embedding(let model): model.version
            case .classifier(let model): model.version
            }
        }

        var variant: String {
            switch self {
            case .embedding(let model): model.variant
            case .classifier(let model): model.variant
            }
        }

        func shutdown() async {
            switch self {
            case .embedding(let model): await model.shutdown()
            case .classifier(let model): await model.shutdown()
            }
        }
    }

    private enum Slot: Sendable {
        case loading
        case loaded(Loaded)
        case failed(String)
    }

    public let configuration: ModelRegistryConfiguration
    private let slots: Mutex<[ModelRole: Slot]>

    public init(configuration: ModelRegistryConfiguration) {
        self.configuration = configuration
        self.slots = Mutex(configuration.models.mapValues { _ in Slot.loading })
    }

    /// Whether `role` has a model configured (loaded or not).
    public func isConfigured(_ role: ModelRole) -> Bool { self.configuration.models[role] != nil }

    /// Creates the ORT environment and loads every configured model, one after another, on a thread of its own
    /// (session creation is blocking, CPU-bound work). A model that fails is recorded with its reason; boot goes on.
    public func loadAll(logger: Logger) async {
        for role in ModelRole.allCases {
            guard let name = self.configuration.models[role] else { continue }
            let started = ContinuousClock.now
            let result = await self.load(role, name: name, logger: logger)
            switch result {
            case .success(let model):
                self.slots.withLock { $0[role] = .loaded(model) }
                logger.info(
                    "model loaded",
                    metadata: [
                        "model": "\(name)", "model.role": "\(role.rawValue)", "model.version": "\(model.version)",
                        "model.variant": "\(model.variant)", "duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))",
                    ]
                )
            case .failure(let error):
                self.slots.withLock { $0[role] = .failed("\(error)") }
                logger.error("model failed to load", metadata: ["model": "\(name)", "variable": "\(role.variable)", "error": "\(error)"])
            }
        }
    }

    private func load(_ role: ModelRole, name: String, logger: Logger) async -> Result<Loaded, any Error> {
        let configuration = self.configuration
        let loaded: Result<Loaded, any Error> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result {
                        let runtime = try OnnxRuntime.shared(intraOpThreads: configuration.threads, spinning: configuration.spinning)
                        let location = try ModelLocation.resolve(name, in: configuration.directory)
                        if role == .embedding {
                            return .embedding(
                                try EmbeddingModel.load(
                                    location: location,
                                    runtime: runtime,
                                    useInt8: configuration.useInt8,
                                    batching: configuration.batching,
                                    logger: logger
                                )
                            )
                        }
                        return .classifier(
                            try ClassifierModel.load(
                                location: location,
                                runtime: runtime,
                                useInt8: configuration.useInt8,
                                batching: configuration.batching,
                                logger: logger
                            )
                        )
                    }
                )
            }
            thread.name = "skiff-model-load"
            thread.start()
        }
        if case .success(.classifier(let model)) = loaded, let problem = Self.unsuitable(model, for: role) {
            await model.shutdown()
            return .failure(InferenceError(.invalidModel, problem))
        }
        return loaded
    }

    /// Why a classifier cannot serve `role`, if it cannot.
    static func unsuitable(_ model: ClassifierModel, for role: ModelRole) -> String? {
        switch role {
        case .classifier, .fastClassifier:
            let configuration = model.configuration
            if configuration.index(ofLabelStartingWith: "entail") == nil || configuration.index(ofLabelStartingWith: "contra") == nil {
                return "\(model.name) is not an NLI model: its id2label \(configuration.labels) has no entailment and contradiction labels"
            }
        case .crossEncoder:
            if model.labels.count > 2 {
                return "\(model.name) is not a cross-encoder: it has \(model.labels.count) labels (expected one relevance logit)"
            }
        case .toxicity, .embedding:
            break
        }
        return nil
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private func loaded(_ role: ModelRole) throws(InferenceError) -> Loaded {
        let slot = self.slots.withLock { $0[role] }
        let name = self.configuration.models[role] ?? ""
        switch slot {
        case .loaded(let model):
            return model
        case .loading:
            throw InferenceError(.modelNotLoaded, "\(role.variable)=\(name) is still loading")
        case .failed(let reason):
            throw InferenceError(.modelNotLoaded, "\(role.variable)=\(name) failed to load: \(reason)")
        case nil:
            throw InferenceError(.modelNotLoaded, "no \(role.rawValue.replacingOccurrences(of: "_", with: " ")) model is configured: \(role.remedy)")
        }
    }

    /// The embedding model, or `.modelNotLoaded` naming the variable and the reason.
    public func embedding() throws(InferenceError) -> EmbeddingModel {
        guard case .embedding(let model) = try self.loaded(.embedding) else {
            throw InferenceError(.runtime, "EMBEDDING_MODEL holds a classifier")
        }
        return model
    }

    /// The classifier serving `role`, or `.modelNotLoaded` naming the variable and the reason.
    public func classifier(_ role: ModelRole) throws(InferenceError) -> ClassifierModel {
        guard case .classifier(let model) = try self.loaded(role) else {
            throw InferenceError(.runtime, "\(role.variable) holds an embedding model")
        }
        return model
    }

    public var statuses: [ModelStatus] {
        let slots = self.slots.withLock { $0 }
        return ModelRole.allCases.compactMap { role in
            guard let name = self.configuration.models[role] else { return nil }
            let status = { (state: ModelStatus.State, reason: String?, loaded: Loaded?) in
                ModelStatus(
                    role: role.rawValue,
                    variable: role.variable,
                    name: name,
                    state: state,
                    reason: reason,
                    version: loaded?.version,
                    variant: loaded?.variant
                )
            }
            switch slots[role] {
            case .loaded(let model): return status(.loaded, nil, model)
            case .failed(let reason): return status(.failed, reason, nil)
            case .loading, nil: return status(.loading, nil, nil)
            }
        }
    }

    /// Finishes queued work in every batcher.
    public func shutdown() async {
        for slot in self.slots.withLock({ Array($0.values) }) {
            if case .loaded(let model) = slot { await model.shutdown() }
        }
    }
}
