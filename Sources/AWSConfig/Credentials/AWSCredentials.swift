import Foundation

/// One set of AWS credentials and where they came from. Printing it never shows the secret or the token.
public struct AWSCredentials: Sendable, CustomStringConvertible, Equatable {
    public let accessKeyId: String
    public let secretAccessKey: String
    public let sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public let expiration: Date?
    /// Which provider produced them, e.g. "environment" or "instance-metadata", for logs and error messages.
    public let source: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil, source: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken.flatMap { $0.isEmpty ? nil : $0 }
        self.expiration = expiration
        self.source = source
    }

    /// The access key id shortened to its first four and last four characters, enough to tell keys apart in logs.
    public var redactedAccessKeyId: String {
        guard self.accessKeyId.count > 8 else { return "****" }
        return "\(self.accessKeyId.prefix(4))…\(self.accessKeyId.suffix(4))"
    }

    public var description: String {
        "AWSCredentials(accessKeyId: \(self.redactedAccessKeyId), source: \(self.source)\(self.expiration.map { ", expires: \($0)" } ?? ""))"
    }
}
