import ArgumentParser
import Foundation
import HTTPClient
import Inference
import Logging

/// `skiff models pull|list`: install models from a Hugging Face–compatible hub and see what is installed.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Install and list local models.",
        subcommands: [Pull.self, List.self]
    )

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fetch an ONNX export with its tokenizer and config from a Hugging Face–compatible hub (HF_ENDPOINT, HF_TOKEN).",
            discussion: "skiff models pull sentence-transformers/all-MiniLM-L6-v2 --revision main"
        )

        @Argument(help: "Repository id, e.g. cross-encoder/ms-marco-MiniLM-L-6-v2.")
        var repository: String

        @Option(help: "Branch, tag or commit.")
        var revision: String = "main"

        @Option(help: "Local model name (default: the repository's last part).")
        var name: String?

        @Option(name: .customLong("model-dir"), help: "Model directory (default: $MODEL_DIR or ./models).")
        var modelDirectory: String?

        func run() async throws {
            JSONLogHandler.bootstrap(level: .warning)
            let environment = ProcessInfo.processInfo.environment
            let directory = self.modelDirectory ?? environment["MODEL_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./models"
            let hub = ModelPuller.Hub(
                endpoint: environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co",
                token: environment["HF_TOKEN"]
            )
            let http = HTTPClient()
            defer { http.shutdown() }
            let puller = ModelPuller(http: http, hub: hub, modelDirectory: URL(fileURLWithPath: directory), logger: Logger(label: "skiff"))
            do {
                let installed = try await puller.pull(self.repository, revision: self.revision, name: self.name)
                let total = installed.files.values.reduce(0, +)
                print(
                    "installed \(installed.name) version \(installed.version) in \(installed.directory.path) (\(installed.files.count) files, \(total) bytes)"
                )
            } catch {
                FileHandle.standardError.write(Data("skiff: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List installed models and the version `latest` points at.")

        @Option(name: .customLong("model-dir"), help: "Model directory (default: $MODEL_DIR or ./models).")
        var modelDirectory: String?

        func run() async throws {
            let directory = self.modelDirectory ?? ProcessInfo.processInfo.environment["MODEL_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./models"
            let root = URL(fileURLWithPath: directory)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted() ?? []
            for name in names where !name.hasPrefix(".") {
                if let location = try? ModelLocation.resolve(name, in: root), let metadata = try? location.metadata() {
                    let variants = metadata.variants.map { " variants: \($0.keys.sorted().joined(separator: ","))" } ?? ""
                    print("\(name)\t\(location.version)\t\(metadata.task)\(variants)")
                } else {
                    print("\(name)\t(no usable latest version)")
                }
            }
        }
    }
}
