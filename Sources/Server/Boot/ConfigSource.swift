import AWSConfig
import Foundation
import HTTPClient
import Logging

/// Boot step one: SSM → environment. Produces the environment the rest of boot reads, plus a summary
/// (path, count, duration — never values) for logs and `/health/detailed`.
struct ConfigSource: Sendable {
    /// What configuration came from where, safe to show anyone.
    struct Summary: Sendable {
        var ssmPath: String?
        var parameterCount = 0
        var shadowed: [String] = []
        var loadSeconds: Double = 0
        var failed: String?
    }

    /// Loads the plan for `settings` against `environment` (nothing is changed yet).
    static func plan(
        settings: SSMSettings,
        environment: [String: String],
        http: HTTPClient,
        logger: Logger
    ) async throws -> (plan: EnvironmentPlan, report: SSMEnvironmentLoader.Report)? {
        guard let loader = settings.loader else { return nil }
        return try await SSMEnvironmentLoader(configuration: loader, environment: environment, http: http, logger: logger).load()
    }

    /// Runs SSM loading for `serve`: on success sets the variables in this process; on failure either throws
    /// or, with `SSM_OPTIONAL=true`, warns and carries on.
    static func load(settings: SSMSettings, http: HTTPClient, logger: Logger) async throws -> ([String: String], Summary) {
        var environment = ProcessInfo.processInfo.environment
        var summary = Summary(ssmPath: settings.loader.map { SSMPath.normalize($0.path) })
        guard settings.loader != nil else {
            logger.info("SSM_PARAMETER_PATH not set; configuration comes from the process environment only")
            return (environment, summary)
        }
        do {
            guard let (plan, report) = try await Self.plan(settings: settings, environment: environment, http: http, logger: logger) else {
                return (environment, summary)
            }
            for name in plan.shadowed {
                logger.warning(
                    plan.overwrite
                        ? "SSM parameter replaces a variable already set in the environment (SSM_OVERWRITE_ENV=true)"
                        : "variable already set in the environment wins over its SSM parameter (set SSM_OVERWRITE_ENV=true to prefer SSM)",
                    metadata: ["variable": "\(name)"]
                )
            }
            for entry in plan.assignments {
                setenv(entry.variable, entry.value, 1)
                environment[entry.variable] = entry.value
            }
            summary.parameterCount = report.parameterCount
            summary.shadowed = plan.shadowed
            summary.loadSeconds = report.duration.seconds
            logger.info(
                "loaded configuration from SSM",
                metadata: [
                    "ssm.path": "\(report.path)", "ssm.count": "\(report.parameterCount)", "ssm.pages": "\(report.pages)",
                    "ssm.region": "\(report.region)", "aws.credentials.source": "\(report.credentialSource)",
                    "duration_ms": "\(Int(report.duration.seconds * 1000))",
                    "ssm.parameters": .array(plan.entries.map { .string("\($0.variable):\($0.type)") }),
                ]
            )
            return (environment, summary)
        } catch {
            guard settings.optional else { throw error }
            summary.failed = "\(error)"
            logger.warning("SSM load failed; continuing because SSM_OPTIONAL=true", metadata: ["error": "\(error)"])
            return (environment, summary)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
