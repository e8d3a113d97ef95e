/// The AWS SDKs' "standard" retry mode: a fixed number of attempts, exponential backoff with full jitter.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first.
    public var maxAttempts: Int
    /// Backoff ceiling before the first retry; doubles per retry (botocore: 1 s).
    public var baseDelay: Duration
    /// Backoff cap (botocore: 20 s).
    public var maxDelay: Duration

    public init(maxAttempts: Int = 3, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Full jitter: a uniformly random wait in [0, min(maxDelay, baseDelay × 2^(retry-1))].
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(0, retry - 1), 30)
        let ceiling = min(self.maxDelay, self.baseDelay * (1 << exponent))
        return ceiling * Double.random(in: 0...1)
    }

    /// AWS error codes that mean "slow down" in any service.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ]

    /// AWS error codes for failures on AWS's side that are worth another attempt.
    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable"]

    static func isRetryable(status: Int, awsCode: String?) -> Bool {
        if let awsCode, throttlingCodes.contains(awsCode) || transientCodes.contains(awsCode) { return true }
        return status == 429 || [500, 502, 503, 504].contains(status)
    }
}
