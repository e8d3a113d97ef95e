/// How boot loads the environment from Parameter Store. Built by `Server` from `SSM_*` variables.
public struct SSMLoaderConfiguration: Sendable, Equatable {
    /// The hierarchy to load, e.g. `/humansa/production/`.
    public var path: String
    public var naming: EnvironmentNaming
    /// true: SSM values replace variables already set (chamber's behaviour); false: the process environment wins.
    public var overwrite: Bool
    /// Attempts per SSM call, retries included (`SSM_MAX_ATTEMPTS`).
    public var maxAttempts: Int
    /// First backoff ceiling; the SDKs' standard is one second.
    public var retryBaseDelay: Duration

    public init(
        path: String,
        naming: EnvironmentNaming = .tail,
        overwrite: Bool = false,
        maxAttempts: Int = 3,
        retryBaseDelay: Duration = .seconds(1)
    ) {
        self.path = path
        self.naming = naming
        self.overwrite = overwrite
        self.maxAttempts = maxAttempts
        self.retryBaseDelay = retryBaseDelay
    }
}
