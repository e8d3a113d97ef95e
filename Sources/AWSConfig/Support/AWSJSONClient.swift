import Foundation
import HTTPClient
import Logging

/// Calls an AWS service that speaks the JSON 1.1 protocol (SSM, CloudWatch Logs): signs each attempt,
/// retries in standard mode (or sends once, for callers with their own retry), and turns AWS error bodies into
/// `AWSError`.
public struct AWSJSONClient: Sendable {
    public let service: String
    public let targetPrefix: String
    public let endpoint: EndpointURL
    public let region: String
    /// How messages name the service when it cannot be reached ("CloudWatch Logs"); `service` unless given.
    public let displayName: String
    /// Whether a 2xx answer without a body reads as `{}`, as CloudWatch Logs' Create operations answer. Off for
    /// SSM, where an empty answer stays an `invalidResponse` error.
    public let acceptsEmptyBody: Bool
    let http: HTTPClient
    let credentials: any AWSCredentialProvider
    let retry: RetryPolicy
    let timeouts: HTTPTimeouts
    let clock: @Sendable () -> Date

    public init(
        service: String,
        targetPrefix: String,
        endpoint: EndpointURL,
        region: String,
        displayName: String? = nil,
        acceptsEmptyBody: Bool = false,
        http: HTTPClient,
        credentials: any AWSCredentialProvider,
        retry: RetryPolicy = RetryPolicy(),
        timeouts: HTTPTimeouts = HTTPTimeouts(connect: .seconds(5), total: .seconds(30)),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.service = service
        self.targetPrefix = targetPrefix
        self.endpoint = endpoint
        self.region = region
        self.displayName = displayName ?? service
        self.acceptsEmptyBody = acceptsEmptyBody
        self.http = http
        self.credentials = credentials
        self.retry = retry
        self.timeouts = timeouts
        self.clock = clock
    }

    /// Sends `operation` with a JSON body and decodes the JSON answer, retrying as `retry` says.
    public func call<Input: Encodable, Output: Decodable>(
        _ operation: String,
        _ input: Input,
        as output: Output.Type,
        logger: Logger
    ) async throws -> Output {
        let body = try Self.encode(input)
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await self.attempt(operation, body: body, as: Output.self)
            } catch let error as AWSError where error.isRetryable && attempt < self.retry.maxAttempts {
                let delay = self.retry.delay(beforeRetry: attempt)
                logger.warning(
                    "AWS call failed, retrying",
                    metadata: [
                        "aws.service": "\(self.service)", "aws.operation": "\(operation)", "aws.error": "\(error.awsCode ?? error.code.description)",
                        "attempt": "\(attempt)", "max_attempts": "\(self.retry.maxAttempts)", "backoff_ms": "\(delay.wholeMillisecondsForLog)",
                    ]
                )
                try await Task.sleep(for: delay)
            } catch var error as AWSError where error.isRetryable {
                error = AWSError(
                    error.code,
                    "\(error.message) (gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"))",
                    awsCode: error.awsCode,
                    status: error.status,
                    isRetryable: true
                )
                throw error
            }
        }
    }

    /// Sends `operation` once, ignoring `retry`: for callers that retry on their own schedule (the CloudWatch log
    /// shipper) and decide from `AWSError.isRetryable`.
    public func callOnce<Input: Encodable, Output: Decodable>(_ operation: String, _ input: Input, as output: Output.Type) async throws -> Output {
        try await self.attempt(operation, body: Self.encode(input), as: Output.self)
    }

    private static func encode(_ input: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return Array(try encoder.encode(input))
    }

    /// One signed request and its decoded answer.
    private func attempt<Output: Decodable>(_ operation: String, body: [UInt8], as output: Output.Type) async throws -> Output {
        let response = try await self.send(operation, body: body)
        let json = response.body.isEmpty && self.acceptsEmptyBody ? Data("{}".utf8) : Data(response.body)
        do {
            return try JSONDecoder().decode(Output.self, from: json)
        } catch {
            throw AWSError(.invalidResponse, "\(self.service) \(operation) returned a body that is not the expected JSON: \(error)")
        }
    }

    private func send(_ operation: String, body: [UInt8]) async throws -> HTTPResponse {
        let credentials = try await self.credentials.credentials()
        var signable = SignableRequest(
            method: "POST",
            path: self.endpoint.path,
            query: self.endpoint.query,
            headers: [
                ("Host", self.endpoint.hostHeader),
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "\(self.targetPrefix).\(operation)"),
            ],
            body: body
        )
        SigV4Signer(service: self.service, region: self.region).sign(&signable, credentials: credentials, date: self.clock())
        let request = HTTPRequest(
            method: "POST",
            url: self.endpoint.description,
            headers: signable.headers + [("User-Agent", "skiff")],
            body: body,
            timeouts: self.timeouts
        )
        let response: HTTPResponse
        do {
            response = try await self.http.execute(request)
        } catch let error as HTTPClientError {
            throw AWSError(
                .networkError,
                "could not reach \(self.displayName) at \(self.endpoint.hostHeader): \(error.message)",
                isRetryable: error.isTransient
            )
        }
        guard (200..<300).contains(response.status) else {
            throw Self.serviceError(response, service: self.service, operation: operation)
        }
        return response
    }

    /// Reads `__type`/`code` and `message` from an error body, or `x-amzn-ErrorType` from the headers.
    static func serviceError(_ response: HTTPResponse, service: String, operation: String) -> AWSError {
        var awsCode = response.header("x-amzn-ErrorType")
        var message: String? = nil
        if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
            awsCode = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String) ?? awsCode
            message = (object["message"] as? String) ?? (object["Message"] as? String)
        } else if let xmlCode = XMLField.first("Code", in: response.bodyText) {
            awsCode = xmlCode
            message = XMLField.first("Message", in: response.bodyText)
        }
        // "com.amazonaws.ssm#AccessDeniedException" and "AccessDeniedException:http://..." both name the same code.
        if let raw = awsCode {
            var code = Substring(raw)
            if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
            if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
            awsCode = String(code)
        }
        let retryable = RetryPolicy.isRetryable(status: response.status, awsCode: awsCode)
        let detail = message.map { ": \($0)" } ?? ""
        return AWSError(
            .serviceError,
            "\(service) \(operation) failed with \(awsCode ?? "HTTP \(response.status)") (HTTP \(response.status))\(detail)",
            awsCode: awsCode,
            status: response.status,
            isRetryable: retryable
        )
    }
}

extension Duration {
    var wholeMillisecondsForLog: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
