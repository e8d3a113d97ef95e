import ArgumentParser

/// The `skiff` command: `serve` by default, plus the configuration and health helpers that user data
/// scripts and the Docker HEALTHCHECK need.
@main
struct Skiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skiff",
        abstract: "Local ML models and an LLM gateway behind one HTTP port, configured from SSM Parameter Store.",
        version: SkiffVersion.current,
        subcommands: [ServeCommand.self, ConfigCommand.self, ModelsCommand.self, HealthcheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

enum SkiffVersion {
    static let current = "0.1.0"
}
