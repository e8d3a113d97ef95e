import Gateway

/// Who may call and how much: API keys, rate limits, CORS, and the limits that keep one client from holding the
/// server (`MAX_CONCURRENT_REQUESTS`, `PREDICTION_TIMEOUT`, header and body read timeouts).
struct FrontDoorSettings: Sendable, Equatable {
    /// `VALID_API_KEYS` (comma-separated) plus `ML_API_KEY`.
    var apiKeys: [Secret] = []
    /// `API_KEY_REQUIRED`: default true when keys are configured.
    var apiKeyRequired = false
    /// `METRICS_REQUIRE_KEY`: `/metrics` behind the keys too.
    var metricsRequireKey = false
    /// `RATE_LIMIT_PER_MINUTE` per API key (or client IP without one); 0 turns rate limiting off.
    var rateLimitPerMinute = 0
    /// `RATE_LIMIT_BURST`: requests a quiet client may make at once (default: the per-minute rate).
    var rateLimitBurst = 0
    /// `TRUSTED_PROXY_COUNT`: `X-Forwarded-For` hops added by our own proxies (the ALB is one).
    var trustedProxyCount = 0
    /// `ALLOWED_ORIGINS`: empty means no CORS headers; `*` allows every origin.
    var allowedOrigins: [String] = []
    var allowedMethods: [String] = ["GET", "POST", "OPTIONS"]
    var allowedHeaders: [String] = ["Authorization", "Content-Type", "X-API-Key", "X-Request-Id"]
    /// `PREDICTION_TIMEOUT` (seconds) for model endpoints: past it, 504.
    var predictionTimeout: Duration = .seconds(30)
    /// `HEADER_READ_TIMEOUT_SECONDS`: a client that has not sent its whole request head by then is cut off.
    var headerReadTimeout: Duration = .seconds(10)
    /// `BODY_READ_TIMEOUT_SECONDS`: the same for the body, measured from the end of the head.
    var bodyReadTimeout: Duration = .seconds(30)

    static func from(environment: [String: String]) throws(SettingsError) -> FrontDoorSettings {
        let reader = EnvironmentReader(environment: environment)
        var settings = FrontDoorSettings()
        var keys = (reader.string("VALID_API_KEYS") ?? "").commaSeparated()
        if let single = reader.string("ML_API_KEY") { keys.append(single) }
        if let short = keys.first(where: { $0.utf8.count < 16 }) {
            throw SettingsError(
                variable: environment["ML_API_KEY"]?.trimmingSpaces() == short ? "ML_API_KEY" : "VALID_API_KEYS",
                message: "a key has \(short.utf8.count) characters; use at least 16 (keys are never echoed)"
            )
        }
        settings.apiKeys = keys.map(Secret.init)
        settings.apiKeyRequired = try reader.bool("API_KEY_REQUIRED", default: !keys.isEmpty)
        if settings.apiKeyRequired && keys.isEmpty {
            throw SettingsError(variable: "API_KEY_REQUIRED", message: "is true but neither VALID_API_KEYS nor ML_API_KEY holds a key")
        }
        settings.metricsRequireKey = try reader.bool("METRICS_REQUIRE_KEY", default: false)
        settings.rateLimitPerMinute = try reader.int("RATE_LIMIT_PER_MINUTE", default: 0, range: 0...1_000_000)
        settings.rateLimitBurst = try reader.int("RATE_LIMIT_BURST", default: settings.rateLimitPerMinute, range: 0...1_000_000)
        if settings.rateLimitPerMinute > 0 && settings.rateLimitBurst < 1 {
            throw SettingsError(variable: "RATE_LIMIT_BURST", message: "must be at least 1 when RATE_LIMIT_PER_MINUTE is set")
        }
        settings.trustedProxyCount = try reader.int("TRUSTED_PROXY_COUNT", default: 0, range: 0...16)
        settings.allowedOrigins = (reader.string("ALLOWED_ORIGINS") ?? "").commaSeparated()
        for origin in settings.allowedOrigins where origin != "*" && !(origin.hasPrefix("http://") || origin.hasPrefix("https://")) {
            throw SettingsError(variable: "ALLOWED_ORIGINS", message: "\"\(origin)\" is not an origin like https://app.example.com (or *)")
        }
        if let methods = reader.string("ALLOWED_METHODS") { settings.allowedMethods = methods.commaSeparated().map { $0.uppercased() } }
        if let headers = reader.string("ALLOWED_HEADERS") { settings.allowedHeaders = headers.commaSeparated() }
        settings.predictionTimeout = try reader.seconds("PREDICTION_TIMEOUT", default: settings.predictionTimeout, range: 0.001...3600)
        settings.headerReadTimeout = try reader.seconds("HEADER_READ_TIMEOUT_SECONDS", default: settings.headerReadTimeout, range: 0.1...600)
        settings.bodyReadTimeout = try reader.seconds("BODY_READ_TIMEOUT_SECONDS", default: settings.bodyReadTimeout, range: 0.1...3600)
        return settings
    }
}
