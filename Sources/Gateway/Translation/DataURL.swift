import Foundation

/// A base64 `data:` URL, the way OpenAI clients inline images and files; read once here for every provider's form.
struct DataURL: Sendable, Equatable {
    /// The media type before any parameters (`image/png`, `application/pdf`); `text/plain` when the URL names none.
    var mediaType: String
    /// The payload, still base64.
    var base64: String

    /// Nil for anything but `data:[type][;param…];base64,payload`.
    init?(_ url: String) {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return nil }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma].split(separator: ";", omittingEmptySubsequences: false)
        guard header.count >= 2, header.last == "base64" else { return nil }
        self.mediaType = header[0].isEmpty ? "text/plain" : String(header[0]).lowercased()
        self.base64 = String(url[url.index(after: comma)...])
    }

    /// The payload as UTF-8 text; nil when it is not valid base64 or not UTF-8.
    var text: String? {
        guard let data = Data(base64Encoded: self.base64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
