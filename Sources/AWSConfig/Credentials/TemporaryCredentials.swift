import Foundation

/// The JSON shape that instance metadata and the container credentials endpoint both return.
struct TemporaryCredentialsDocument: Decodable {
    let AccessKeyId: String
    let SecretAccessKey: String
    let Token: String?
    let Expiration: String?
    let Code: String?
    let Message: String?

    func credentials(source: String) throws -> AWSCredentials {
        if let code = self.Code, code != "Success" {
            throw AWSError(.credentialsFailed, "\(source) returned \(code)\(self.Message.map { ": \($0)" } ?? "")")
        }
        return AWSCredentials(
            accessKeyId: self.AccessKeyId,
            secretAccessKey: self.SecretAccessKey,
            sessionToken: self.Token,
            expiration: self.Expiration.flatMap(ISO8601.parse),
            source: source
        )
    }
}

/// Timestamps as AWS writes them: with or without fractional seconds, `Z` or an offset.
enum ISO8601 {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        // "2026-11-23T17:20:00.123456Z": trim sub-millisecond digits that some emitters add.
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let fraction = text[text.index(after: dot)..<zone].prefix(3)
            let trimmed = "\(text[..<dot]).\(fraction)\(text[zone...])"
            return try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        return nil
    }
}
