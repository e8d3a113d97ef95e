import Foundation

/// `~/.aws/credentials` and `~/.aws/config` for the profile in `AWS_PROFILE` (or `default`), static keys only.
public struct SharedFileCredentialSource: AWSCredentialSource {
    public let name = "shared-files"
    let environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    var profile: String {
        self.environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? self.environment["AWS_DEFAULT_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
    }

    public func load() async throws -> AWSCredentials? {
        let files = SharedConfigFiles(environment: self.environment)
        let profile = self.profile
        let fromCredentials = files.credentials?[profile]
        let fromConfig = files.config?[profile == "default" ? "default" : "profile \(profile)"]
        for (values, file) in [(fromCredentials, files.credentialsPath), (fromConfig, files.configPath)] {
            guard let values else { continue }
            if let keyId = values["aws_access_key_id"], let secret = values["aws_secret_access_key"], !keyId.isEmpty, !secret.isEmpty {
                return AWSCredentials(
                    accessKeyId: keyId,
                    secretAccessKey: secret,
                    sessionToken: values["aws_session_token"],
                    source: "\(self.name) (\(profile))"
                )
            }
            for unsupported in ["role_arn", "credential_process", "sso_session", "sso_start_url"] where values[unsupported] != nil {
                throw AWSError(
                    .credentialsFailed,
                    "profile \(profile) in \(file) uses \(unsupported), which skiff does not support; use static keys, web identity, or an instance role"
                )
            }
        }
        if self.environment["AWS_PROFILE"] != nil && fromCredentials == nil && fromConfig == nil {
            throw AWSError(
                .credentialsFailed,
                "AWS_PROFILE=\(profile) names a profile that is in neither \(files.credentialsPath) nor \(files.configPath)"
            )
        }
        return nil
    }
}

/// Locations and contents of the shared files, honouring `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`.
struct SharedConfigFiles {
    let credentialsPath: String
    let configPath: String
    let credentials: INIFile?
    let config: INIFile?

    init(environment: [String: String]) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        self.credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        self.configPath = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        self.credentials = (try? String(contentsOfFile: self.credentialsPath, encoding: .utf8)).map(INIFile.init)
        self.config = (try? String(contentsOfFile: self.configPath, encoding: .utf8)).map(INIFile.init)
    }

    /// The profile's `region` from the config file, the SDKs' third place to look after the two variables.
    func region(profile: String) -> String? {
        self.config?[profile == "default" ? "default" : "profile \(profile)"]?["region"]
    }
}
