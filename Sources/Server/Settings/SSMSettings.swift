import AWSConfig

/// The `SSM_*` variables, read from the process environment before anything else (they say where the rest lives).
struct SSMSettings: Sendable, Equatable {
    /// nil: boot skips SSM entirely.
    var loader: SSMLoaderConfiguration?
    /// `SSM_OPTIONAL=true`: a failed load is a warning, not a boot failure.
    var optional: Bool = false

    static func from(environment: [String: String], pathOverride: String? = nil) throws(SettingsError) -> SSMSettings {
        let reader = EnvironmentReader(environment: environment)
        var settings = SSMSettings()
        settings.optional = try reader.bool("SSM_OPTIONAL", default: false)
        guard let path = pathOverride ?? reader.string("SSM_PARAMETER_PATH") else { return settings }
        let variable = pathOverride == nil ? "SSM_PARAMETER_PATH" : "--path"
        guard path.hasPrefix("/"), path.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_.-".contains($0)) }) else {
            throw SettingsError(
                variable: variable,
                message: "\"\(path)\" is not an SSM path: it must start with / and use only letters, digits and . - _ /"
            )
        }
        settings.loader = SSMLoaderConfiguration(
            path: path,
            naming: try reader.choice("SSM_ENV_NAMING", default: EnvironmentNaming.tail),
            overwrite: try reader.bool("SSM_OVERWRITE_ENV", default: false),
            maxAttempts: try reader.int("SSM_MAX_ATTEMPTS", default: 3, range: 1...20),
            retryBaseDelay: .milliseconds(try reader.int("SSM_RETRY_BASE_MS", default: 1000, range: 1...60_000))
        )
        return settings
    }
}
