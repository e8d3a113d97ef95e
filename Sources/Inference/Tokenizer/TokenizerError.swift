/// Why a tokenizer could not be loaded, with a stable code to branch on and a message naming the file and the problem.
public struct TokenizerError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case fileNotFound, invalidFile, unsupported, missingToken, invalidConfiguration
        }
        let value: Value

        /// Neither `tokenizer.json` nor `vocab.txt` is in the directory.
        public static let fileNotFound = Code(value: .fileNotFound)
        /// A file exists but cannot be read or parsed.
        public static let invalidFile = Code(value: .invalidFile)
        /// The file describes a pipeline this tokenizer does not implement (another model, normalizer or processor).
        public static let unsupported = Code(value: .unsupported)
        /// A token the pipeline needs ([UNK], [CLS], [SEP]…) is not in the vocabulary.
        public static let missingToken = Code(value: .missingToken)
        /// Settings that cannot work together, such as a maximum length too small for the special tokens.
        public static let invalidConfiguration = Code(value: .invalidConfiguration)

        public var description: String { self.value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
