/// Failures of model loading and inference, with a code the HTTP layer maps to a status.
public struct InferenceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case runtime, modelNotFound, modelNotLoaded, invalidModel, invalidInput, inputTooLong, overloaded, shuttingDown, download
        }
        let value: Value

        /// ONNX Runtime reported an error.
        public static let runtime = Code(value: .runtime)
        /// No model directory by that name.
        public static let modelNotFound = Code(value: .modelNotFound)
        /// The model is configured but failed to load (the message says why).
        public static let modelNotLoaded = Code(value: .modelNotLoaded)
        /// Files are missing or inconsistent.
        public static let invalidModel = Code(value: .invalidModel)
        /// The request's input cannot be processed.
        public static let invalidInput = Code(value: .invalidInput)
        /// An input exceeds the model's length and truncation is off.
        public static let inputTooLong = Code(value: .inputTooLong)
        /// The batch queue is full.
        public static let overloaded = Code(value: .overloaded)
        /// The batcher is stopping.
        public static let shuttingDown = Code(value: .shuttingDown)
        /// Fetching a model failed.
        public static let download = Code(value: .download)

        public var description: String { self.value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { self.message }
}
