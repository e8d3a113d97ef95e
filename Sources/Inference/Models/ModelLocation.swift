import Foundation
import Logging

/// Where a model's files are: `MODEL_DIR/<name>/<version>/`, the version named by `MODEL_DIR/<name>/latest`.
public struct ModelLocation: Sendable, Equatable {
    public let name: String
    public let version: String
    public let directory: URL

    /// Resolves `name` (optionally `name@version`) under `root`.
    public static func resolve(_ reference: String, in root: URL) throws(InferenceError) -> ModelLocation {
        let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts[0]
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw InferenceError(.modelNotFound, "\"\(reference)\" is not a model name")
        }
        let modelDirectory = root.appendingPathComponent(name)
        var version: String
        if parts.count == 2 {
            version = parts[1]
        } else {
            let latest = modelDirectory.appendingPathComponent("latest")
            guard let text = try? String(contentsOf: latest, encoding: .utf8) else {
                throw InferenceError(
                    .modelNotFound,
                    "model \(name) is not installed in \(root.path) (no \(name)/latest); run `make models` or `skiff models pull`"
                )
            }
            version = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard !version.isEmpty, !version.contains("/"), version != "..", version != "." else {
            throw InferenceError(.invalidModel, "model \(name) names an invalid version \"\(version)\"")
        }
        let directory = modelDirectory.appendingPathComponent(version)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.onnx").path) else {
            throw InferenceError(.invalidModel, "model \(name) version \(version) has no model.onnx in \(directory.path)")
        }
        return ModelLocation(name: name, version: version, directory: directory)
    }

    /// The metadata file, or one derived from the sentence-transformers files when there is none.
    public func metadata() throws(InferenceError) -> ModelMetadata {
        let file = self.directory.appendingPathComponent("metadata.json")
        var metadata: ModelMetadata
        if let data = try? Data(contentsOf: file) {
            do {
                metadata = try JSONDecoder().decode(ModelMetadata.self, from: data)
            } catch {
                throw InferenceError(.invalidModel, "\(file.path) is not valid model metadata: \(error)")
            }
        } else {
            metadata = ModelMetadata(name: self.name, version: self.version, task: "embedding")
        }
        if metadata.pooling == nil { metadata.pooling = Pooling.fromSentenceTransformers(self.directory)?.rawValue }
        if metadata.normalize == nil { metadata.normalize = Pooling.normalizesInSentenceTransformers(self.directory) }
        return metadata
    }
}

extension ModelLocation {
    /// The model file to load and its variant name: the int8 file when asked for and present, else `model.onnx`.
    func modelFile(metadata: ModelMetadata, useInt8: Bool, logger: Logger) -> (file: String, variant: String) {
        guard useInt8 else { return ("model.onnx", "fp32") }
        if let int8 = metadata.variants?["int8"], FileManager.default.fileExists(atPath: self.directory.appendingPathComponent(int8).path) {
            return (int8, "int8")
        }
        logger.warning("USE_8BIT_QUANTIZATION=true but model has no int8 variant; using fp32", metadata: ["model": "\(self.name)"])
        return ("model.onnx", "fp32")
    }
}
