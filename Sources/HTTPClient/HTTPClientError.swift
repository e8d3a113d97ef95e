/// A transfer that produced no HTTP response. Responses with any status code are not errors at this layer.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String, Sendable {
            case invalidRequest, couldNotResolve, couldNotConnect, timedOut, network, tls, responseTooLarge, cancelled, shutdown
        }
        let value: Value

        /// The request cannot be sent as given (bad URL, unsupported method).
        public static let invalidRequest = Code(value: .invalidRequest)
        /// DNS lookup of the host failed.
        public static let couldNotResolve = Code(value: .couldNotResolve)
        /// Nothing accepted the connection.
        public static let couldNotConnect = Code(value: .couldNotConnect)
        /// A connect, first-byte, idle or total timeout fired.
        public static let timedOut = Code(value: .timedOut)
        /// The connection failed mid-exchange.
        public static let network = Code(value: .network)
        /// TLS handshake or certificate verification failed.
        public static let tls = Code(value: .tls)
        /// The body exceeded `HTTPRequest.maxResponseBytes`.
        public static let responseTooLarge = Code(value: .responseTooLarge)
        /// The calling task was cancelled and the transfer removed.
        public static let cancelled = Code(value: .cancelled)
        /// The client was shut down.
        public static let shutdown = Code(value: .shutdown)

        public var description: String { self.value.rawValue }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True for failures where trying again may succeed (the SDKs' "transient" network errors).
    public var isTransient: Bool {
        [.couldNotResolve, .couldNotConnect, .timedOut, .network].contains(self.code)
    }

    public var description: String { "\(self.code): \(self.message)" }
}
