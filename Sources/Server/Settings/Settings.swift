import Inference
import Logging

/// Everything `serve` needs, built once from the environment after SSM has filled it.
struct Settings: Sendable, Equatable {
    /// Address to bind (`HOST`).
    var host: String = "0.0.0.0"
    /// Port to bind (`ML_SERVER_PORT`, or `PORT`; 0: any free port).
    var port: Int = 5001
    var logLevel: Logger.Level = .info
    /// How long in-flight requests may run after SIGTERM before they are cancelled (`SHUTDOWN_GRACE_SECONDS`).
    var shutdownGrace: Duration = .seconds(25)
    /// Time `/health/ready` answers 503 after SIGTERM before the listener closes, so the ALB stops routing first
    /// (`DRAIN_DELAY_SECONDS`).
    var drainDelay: Duration = .zero
    /// Idle keep-alive timeout; above the ALB's 60 s so the ALB always closes first (`IDLE_TIMEOUT_SECONDS`).
    var idleTimeout: Duration = .seconds(75)
    /// Largest request body accepted (`MAX_REQUEST_BYTES`).
    var maxRequestBytes: Int = 2 * 1024 * 1024

    /// Where models live (`MODEL_DIR`).
    var modelDirectory: String = "./models"
    /// The model of each role (`EMBEDDING_MODEL`, `CLASSIFIER_MODEL`, `FAST_CLASSIFIER_MODEL`, `CROSS_ENCODER_MODEL`,
    /// `TOXICITY_MODEL`); an empty variable disables the role. Only the embedding model has a default.
    var models: [ModelRole: String] = [.embedding: "all-MiniLM-L6-v2"]
    /// Prefer int8 variants (`USE_8BIT_QUANTIZATION`).
    var useInt8: Bool = false
    /// ONNX Runtime's shared intra-op threads (`ML_NUM_THREADS`; 0: one per core).
    var threads: Int = 0
    /// Let ORT's pool threads spin between parallel sections (`ML_THREAD_SPINNING`).
    var threadSpinning: Bool = true
    /// Inputs one request may carry (`MAX_CLIENT_BATCH_SIZE`).
    var maxClientBatchSize: Int = 32
    /// Padded tokens per model run (`MAX_BATCH_TOKENS`). Small runs of similar lengths waste little padding;
    /// 512 measured best for all-MiniLM-L6-v2 on 2 cores (see BENCHMARKS.md).
    var maxBatchTokens: Int = 512
    /// Inputs per model run (`MAX_BATCH_REQUESTS`).
    var maxBatchRequests: Int = 128
    /// How long a request may wait for others to share its model run (`BATCH_WINDOW_MS`).
    var batchWindow: Duration = .microseconds(500)
    /// Requests queued per model before 429s (`MAX_CONCURRENT_REQUESTS`).
    var maxConcurrentRequests: Int = 512
    /// `/similarity` scores at or above this are a match (`SIMILARITY_THRESHOLD`).
    var similarityThreshold: Double = 0.75
    /// Model variables that must load before `/health/ready` answers 200 (`REQUIRED_MODELS`; default: every
    /// configured model).
    var requiredModels: [String] = ["EMBEDDING_MODEL"]

    /// Classification, toxicity, reranking and risk.
    var analysis = AnalysisSettings()

    /// The sentence-embedding model (`EMBEDDING_MODEL`); nil when disabled.
    var embeddingModel: String? {
        get { self.models[.embedding] }
        set { self.models[.embedding] = newValue }
    }

    /// API keys, rate limits, CORS and request limits.
    var frontDoor = FrontDoorSettings()

    /// The LLM gateway: providers, routes file, retries and limits.
    var gateway = GatewaySettings()

    /// Shipping skiff's log lines to CloudWatch Logs (`CLOUDWATCH_*`); nil when `CLOUDWATCH_LOG_GROUP` is unset.
    var cloudWatch: CloudWatchSettings?

    init() {}

    static func from(environment: [String: String]) throws(SettingsError) -> Settings {
        let reader = EnvironmentReader(environment: environment)
        var settings = Settings()
        settings.host = reader.string("HOST", default: settings.host)
        let portVariable = reader.string("ML_SERVER_PORT") != nil ? "ML_SERVER_PORT" : "PORT"
        // 0 asks the OS for any free port (tests run many servers at once); the "listening" log line names it.
        settings.port = try reader.int(portVariable, default: settings.port, range: 0...65535)
        settings.logLevel = try reader.logLevel("LOG_LEVEL", default: settings.logLevel)
        settings.shutdownGrace = try reader.seconds("SHUTDOWN_GRACE_SECONDS", default: settings.shutdownGrace, range: 0...3600)
        settings.drainDelay = try reader.seconds("DRAIN_DELAY_SECONDS", default: settings.drainDelay, range: 0...600)
        settings.idleTimeout = try reader.seconds("IDLE_TIMEOUT_SECONDS", default: settings.idleTimeout, range: 1...3600)
        settings.maxRequestBytes = try reader.int("MAX_REQUEST_BYTES", default: settings.maxRequestBytes, range: 1024...1_073_741_824)

        settings.modelDirectory = reader.string("MODEL_DIR", default: settings.modelDirectory)
        for role in ModelRole.allCases {
            guard let raw = environment[role.variable] else { continue }
            let name = raw.trimmingSpaces()
            guard name.isEmpty || name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
                throw SettingsError(variable: role.variable, message: "\"\(name)\" is not a model name (letters, digits, - _ . and @version)")
            }
            settings.models[role] = name.isEmpty ? nil : name
        }
        settings.useInt8 = try reader.bool("USE_8BIT_QUANTIZATION", default: settings.useInt8)
        settings.threads = try reader.int("ML_NUM_THREADS", default: settings.threads, range: 0...256)
        settings.threadSpinning = try reader.bool("ML_THREAD_SPINNING", default: settings.threadSpinning)
        settings.maxClientBatchSize = try reader.int("MAX_CLIENT_BATCH_SIZE", default: settings.maxClientBatchSize, range: 1...10_000)
        settings.maxBatchTokens = try reader.int("MAX_BATCH_TOKENS", default: settings.maxBatchTokens, range: 16...1_048_576)
        settings.maxBatchRequests = try reader.int("MAX_BATCH_REQUESTS", default: settings.maxBatchRequests, range: 1...4096)
        let windowMilliseconds = try reader.double("BATCH_WINDOW_MS", default: 0.5, range: 0...1000)
        settings.batchWindow = .microseconds(Int64((windowMilliseconds * 1000).rounded()))
        settings.maxConcurrentRequests = try reader.int("MAX_CONCURRENT_REQUESTS", default: settings.maxConcurrentRequests, range: 1...1_000_000)
        settings.similarityThreshold = try reader.double("SIMILARITY_THRESHOLD", default: settings.similarityThreshold, range: -1...1)
        if let required = reader.string("REQUIRED_MODELS") {
            settings.requiredModels = required.commaSeparated()
            for variable in settings.requiredModels {
                guard let role = ModelRole(variable: variable) else {
                    let known = ModelRole.allCases.map(\.variable).joined(separator: ", ")
                    throw SettingsError(variable: "REQUIRED_MODELS", message: "\"\(variable)\" is not a model variable (known: \(known))")
                }
                if settings.models[role] == nil {
                    throw SettingsError(variable: "REQUIRED_MODELS", message: "requires \(variable), which is empty")
                }
            }
        } else {
            // By default every configured model must load before the instance takes traffic.
            settings.requiredModels = ModelRole.allCases.filter { settings.models[$0] != nil }.map(\.variable)
        }
        settings.analysis = try AnalysisSettings.from(environment: environment, models: settings.models)
        settings.frontDoor = try FrontDoorSettings.from(environment: environment)
        settings.gateway = try GatewaySettings.from(environment: environment)
        settings.cloudWatch = try CloudWatchSettings.from(environment: environment)
        return settings
    }
}
