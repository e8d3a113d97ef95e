import Logging

/// Everything `serve` needs, built once from the environment after SSM has filled it.
struct Settings: Sendable, Equatable {
    /// Address to bind (`HOST`).
    var host: String = "0.0.0.0"
    /// Port to bind (`ML_SERVER_PORT`, or `PORT`).
    var port: Int = 5001
    var logLevel: Logger.Level = .info
    /// How long in-flight requests may run after SIGTERM before they are cancelled (`SHUTDOWN_GRACE_SECONDS`).
    var shutdownGrace: Duration = .seconds(25)
    /// Time `/health/ready` answers 503 after SIGTERM before the listener closes, so the ALB stops routing first
    /// (`DRAIN_DELAY_SECONDS`).
    var drainDelay: Duration = .zero
    /// Idle keep-alive timeout; above the ALB's 60 s so the ALB always closes first (`IDLE_TIMEOUT_SECONDS`).
    var idleTimeout: Duration = .seconds(75)

    init() {}

    static func from(environment: [String: String]) throws(SettingsError) -> Settings {
        let reader = EnvironmentReader(environment: environment)
        var settings = Settings()
        settings.host = reader.string("HOST", default: settings.host)
        let portVariable = reader.string("ML_SERVER_PORT") != nil ? "ML_SERVER_PORT" : "PORT"
        settings.port = try reader.int(portVariable, default: settings.port, range: 1...65535)
        settings.logLevel = try reader.logLevel("LOG_LEVEL", default: settings.logLevel)
        settings.shutdownGrace = try reader.seconds("SHUTDOWN_GRACE_SECONDS", default: settings.shutdownGrace, range: 0...3600)
        settings.drainDelay = try reader.seconds("DRAIN_DELAY_SECONDS", default: settings.drainDelay, range: 0...600)
        settings.idleTimeout = try reader.seconds("IDLE_TIMEOUT_SECONDS", default: settings.idleTimeout, range: 1...3600)
        return settings
    }
}
