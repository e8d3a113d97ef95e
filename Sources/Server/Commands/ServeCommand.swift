import ArgumentParser
import Foundation
import Gateway
import HTTPClient
import Inference
import Logging
import Metrics
import Prometheus
import Synchronization

/// Boot (SSM → environment → settings) and serve until SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load configuration (from SSM when SSM_PARAMETER_PATH is set) and start the HTTP server."
    )

    func run() async throws {
        let bootLevel = (try? EnvironmentReader(environment: ProcessInfo.processInfo.environment).logLevel("LOG_LEVEL", default: .info)) ?? .info
        JSONLogHandler.bootstrap(level: bootLevel)
        let logger = Logger(label: "skiff")
        let started = ContinuousClock.now

        let settings: Settings
        let summary: ConfigSource.Summary
        do {
            let ssm = try SSMSettings.from(environment: ProcessInfo.processInfo.environment)
            let http = HTTPClient()
            defer { http.shutdown() }
            let (environment, loaded) = try await ConfigSource.load(settings: ssm, http: http, logger: logger)
            settings = try Settings.from(environment: environment)
            summary = loaded
        } catch {
            logger.critical("boot failed", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("skiff: boot failed: \(error)\n".utf8))
            throw ExitCode(1)
        }

        JSONLogHandler.defaultLevel.withLock { $0 = settings.logLevel }
        var appLogger = Logger(label: "skiff")
        appLogger.logLevel = settings.logLevel
        appLogger.info(
            "starting",
            metadata: [
                "version": "\(SkiffVersion.current)", "host": "\(settings.host)", "port": "\(settings.port)",
                "log_level": "\(settings.logLevel)", "shutdown_grace_s": "\(settings.shutdownGrace.seconds)",
                "idle_timeout_s": "\(settings.idleTimeout.seconds)", "drain_delay_s": "\(settings.drainDelay.seconds)",
                "model_dir": "\(settings.modelDirectory)",
                "models":
                    "\(ModelRole.allCases.compactMap { role in settings.models[role].map { "\(role.variable)=\($0)" } }.joined(separator: ","))",
                "providers": "\(settings.gateway.enabledProviders.joined(separator: ","))",
                "model_routes": "\(settings.gateway.routesFile?.models?.keys.sorted().joined(separator: ",") ?? "")",
                "boot_ms": "\(Int((ContinuousClock.now - started).seconds * 1000))",
            ]
        )
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        if summary.ssmPath != nil {
            Gauge(label: "ssm_boot_duration_seconds").record(summary.loadSeconds)
            Gauge(label: "ssm_parameters_loaded").record(summary.parameterCount)
        }
        var application = ServerApplication(settings: settings, metrics: metrics, logger: appLogger)
        application.configSummary = summary
        try await application.run()
        appLogger.info("stopped")
    }
}
