import Dispatch
import Foundation
import Logging
import Synchronization

/// Which models to serve and how, built by `Server` from the environment.
public struct ModelRegistryConfiguration: Sendable {
    /// `MODEL_DIR`.
    public var directory: URL
    /// `EMBEDDING_MODEL` (nil or empty: no embedding model).
    public var embeddingModel: String?
    /// `USE_8BIT_QUANTIZATION`: prefer a model's int8 variant.
    public var useInt8: Bool
    /// `ML_NUM_THREADS`: the shared intra-op pool.
    public var threads: Int
    /// `ML_THREAD_SPINNING`: let pool threads spin between parallel sections.
    public var spinning: Bool
    public var batching: BatchingConfiguration

    public init(
        directory: URL,
        embeddingModel: String? = "all-MiniLM-L6-v2",
        useInt8: Bool = false,
        threads: Int = 0,
        spinning: Bool = true,
        batching: BatchingConfiguration = BatchingConfiguration()
    ) {
        self.spinning = spinning
        self.directory = directory
        self.embeddingModel = embeddingModel
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
/// model or an error that says why it is not there (`model_not_loaded` with the load failure).
public final class ModelRegistry: Sendable {
    private enum Slot {
        case loading
        case loaded(EmbeddingModel)
        case failed(String)
    }

    public let configuration: ModelRegistryConfiguration
    private let embeddingSlot = Mutex<Slot?>(nil)

    public init(configuration: ModelRegistryConfiguration) {
        self.configuration = configuration
        if let name = configuration.embeddingModel, !name.isEmpty {
            self.embeddingSlot.withLock { $0 = .loading }
        }
    }

    /// Creates the ORT environment and loads every configured model off the async thread pool (session
    /// creation is blocking, CPU-bound work). A model that fails is recorded with its reason; boot goes on.
    public func loadAll(logger: Logger) async {
        guard let name = self.configuration.embeddingModel, !name.isEmpty else { return }
        let configuration = self.configuration
        let started = ContinuousClock.now
        let result: Result<EmbeddingModel, any Error> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    returning: Result {
                        let runtime = try self.runtime()
                        let location = try ModelLocation.resolve(name, in: configuration.directory)
                        return try EmbeddingModel.load(
                            location: location,
                            runtime: runtime,
                            useInt8: configuration.useInt8,
                            batching: configuration.batching,
                            logger: logger
                        )
                    }
                )
            }
            thread.name = "skiff-model-load"
            thread.start()
        }
        switch result {
        case .success(let model):
            self.embeddingSlot.withLock { $0 = .loaded(model) }
            logger.info(
                "model loaded",
                metadata: [
                    "model": "\(model.name)", "model.version": "\(model.version)", "model.variant": "\(model.variant)",
                    "model.dimensions": "\(model.dimensions)", "duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))",
                ]
            )
        case .failure(let error):
            self.embeddingSlot.withLock { $0 = .failed("\(error)") }
            logger.error("model failed to load", metadata: ["model": "\(name)", "variable": "EMBEDDING_MODEL", "error": "\(error)"])
        }
    }

    private func runtime() throws -> OnnxRuntime {
        try OnnxRuntime.shared(intraOpThreads: self.configuration.threads, spinning: self.configuration.spinning)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// The embedding model, or `.modelNotLoaded` naming the variable and the reason.
    public func embedding() throws(InferenceError) -> EmbeddingModel {
        let slot = self.embeddingSlot.withLock { $0 }
        switch slot {
        case .loaded(let model):
            return model
        case .loading:
            throw InferenceError(.modelNotLoaded, "embedding model \(self.configuration.embeddingModel ?? "") is still loading")
        case .failed(let reason):
            throw InferenceError(
                .modelNotLoaded,
                "embedding model \(self.configuration.embeddingModel ?? "") (EMBEDDING_MODEL) failed to load: \(reason)"
            )
        case nil:
            throw InferenceError(.modelNotLoaded, "no embedding model is configured (set EMBEDDING_MODEL)")
        }
    }

    public var statuses: [ModelStatus] {
        guard let name = self.configuration.embeddingModel, !name.isEmpty else { return [] }
        let slot = self.embeddingSlot.withLock { $0 }
        switch slot {
        case .loaded(let model):
            return [
                ModelStatus(
                    role: "embedding",
                    variable: "EMBEDDING_MODEL",
                    name: name,
                    state: .loaded,
                    reason: nil,
                    version: model.version,
                    variant: model.variant
                )
            ]
        case .failed(let reason):
            return [
                ModelStatus(role: "embedding", variable: "EMBEDDING_MODEL", name: name, state: .failed, reason: reason, version: nil, variant: nil)
            ]
        case .loading, nil:
            return [ModelStatus(role: "embedding", variable: "EMBEDDING_MODEL", name: name, state: .loading, reason: nil, version: nil, variant: nil)]
        }
    }

    /// Finishes queued work in every batcher.
    public func shutdown() {
        if case .loaded(let model) = self.embeddingSlot.withLock({ $0 }) { model.shutdown() }
    }
}
