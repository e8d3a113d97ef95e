/// Every failure of the AWS layer: what went wrong (`code`), the AWS error code when AWS sent one, and a
/// message that says what to check. Messages never contain credentials or parameter values.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case serviceError, networkError, noCredentials, credentialsFailed, invalidConfiguration, invalidResponse, mappingConflict
        }
        let value: Value

        /// AWS answered with an error (`awsCode` says which).
        public static let serviceError = Code(value: .serviceError)
        /// No response arrived (connection refused, timeout).
        public static let networkError = Code(value: .networkError)
        /// No provider in the chain had credentials.
        public static let noCredentials = Code(value: .noCredentials)
        /// A provider was configured but could not produce credentials.
        public static let credentialsFailed = Code(value: .credentialsFailed)
        /// A setting is missing or malformed (region, endpoint, path).
        public static let invalidConfiguration = Code(value: .invalidConfiguration)
        /// AWS's answer could not be understood.
        public static let invalidResponse = Code(value: .invalidResponse)
        /// Two parameters map to one environment variable.
        public static let mappingConflict = Code(value: .mappingConflict)

        public var description: String { self.value.rawValue }
    }

    public let code: Code
    public let message: String
    /// AWS's own error code, e.g. `AccessDeniedException`.
    public var awsCode: String?
    /// HTTP status of the failed response.
    public var status: Int?
    /// Whether trying again may help (throttling, 5xx, network).
    public var isRetryable: Bool

    public init(_ code: Code, _ message: String, awsCode: String? = nil, status: Int? = nil, isRetryable: Bool = false) {
        self.code = code
        self.message = message
        self.awsCode = awsCode
        self.status = status
        self.isRetryable = isRetryable
    }

    public var description: String { self.message }
}
