import AWSConfig
import ArgumentParser
import Foundation
import HTTPClient
import Logging

/// `skiff config export|exec`: what boot would load, for user data scripts, debugging and other programs.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or use the environment that SSM Parameter Store would provide.",
        subcommands: [Export.self, Exec.self]
    )

    struct Options: ParsableArguments {
        @Option(name: .long, help: "SSM path to load, e.g. /myapp/production/ (default: $SSM_PARAMETER_PATH).")
        var path: String?
    }

    /// Loads the plan quietly: warnings and errors go to stderr as plain lines, stdout stays clean for eval.
    static func loadPlan(path: String?) async throws -> EnvironmentPlan {
        JSONLogHandler.bootstrap(level: .error)
        let logger = Logger(label: "skiff")
        let environment = ProcessInfo.processInfo.environment
        do {
            let settings = try SSMSettings.from(environment: environment, pathOverride: path)
            guard settings.loader != nil else {
                throw SettingsError(variable: "--path", message: "no SSM path: pass --path or set SSM_PARAMETER_PATH")
            }
            let http = HTTPClient()
            defer { http.shutdown() }
            guard let (plan, _) = try await ConfigSource.plan(settings: settings, environment: environment, http: http, logger: logger) else {
                throw SettingsError(variable: "--path", message: "no SSM path")
            }
            for name in plan.shadowed {
                FileHandle.standardError.write(
                    Data(
                        (plan.overwrite
                            ? "skiff: warning: SSM replaces \(name), which is already set (SSM_OVERWRITE_ENV=true)\n"
                            : "skiff: warning: \(name) is already set in the environment and wins over SSM\n").utf8
                    )
                )
            }
            return plan
        } catch {
            FileHandle.standardError.write(Data("skiff: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the variables boot would set, safe to eval or source whatever the values hold."
        )

        @OptionGroup var options: Options

        @Option(name: .long, help: "Output format: dotenv, json or shell.")
        var format: String = "dotenv"

        func run() async throws {
            guard let format = EnvironmentExport.Format(rawValue: self.format.lowercased()) else {
                throw ValidationError("--format must be one of: \(EnvironmentExport.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let plan = try await ConfigCommand.loadPlan(path: self.options.path)
            FileHandle.standardOutput.write(Data(EnvironmentExport.render(plan.assignments, format: format).utf8))
        }
    }

    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command with the SSM parameters in its environment; its exit code is passed through.",
            discussion: "skiff config exec --path /myapp/production/ -- ./server --flag"
        )

        @OptionGroup var options: Options

        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments, after --.")
        var command: [String] = []

        func run() async throws {
            var command = self.command
            if command.first == "--" { command.removeFirst() }
            guard let program = command.first else {
                throw ValidationError("give the command to run after --, e.g. skiff config exec --path /app/prod/ -- env")
            }
            let plan = try await ConfigCommand.loadPlan(path: self.options.path)
            for entry in plan.assignments {
                setenv(entry.variable, entry.value, 1)
            }
            // Replace this process, so signals reach the command directly and its exit code is ours.
            let argv = command.map { strdup($0) } + [nil]
            execvp(program, argv)
            let reason = String(cString: strerror(errno))
            FileHandle.standardError.write(Data("skiff: cannot run \(program): \(reason)\n".utf8))
            throw ExitCode(errno == ENOENT ? 127 : 126)
        }
    }
}
