import Foundation

/// AWS Signature Version 4 for header-based signing, written against AWS's published algorithm and test suite.
///
/// Not libcurl's `CURLOPT_AWS_SIGV4`: that one signs the wrong Host on non-default ports and skips session tokens.
public struct SigV4Signer: Sendable {
    public let service: String
    public let region: String

    /// Headers that proxies and libraries may rewrite in flight, so signing them would break the signature.
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect", "x-amzn-trace-id", "content-length", "connection"]

    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// The parts of one signature, kept apart so tests can compare each against the test suite.
    public struct Signature: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        public let signedHeaders: String
        public let signature: String
        public let authorization: String
    }

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (when the credentials carry one) and `Authorization`.
    @discardableResult
    public func sign(_ request: inout SignableRequest, credentials: AWSCredentials, date: Date) -> Signature {
        let amzDate = Self.amzDate(date)
        request.setHeader("X-Amz-Date", amzDate)
        if let token = credentials.sessionToken {
            request.setHeader("X-Amz-Security-Token", token)
        }
        let signature = self.signature(for: request, credentials: credentials, amzDate: amzDate)
        request.setHeader("Authorization", signature.authorization)
        return signature
    }

    /// Computes the signature of a request that already carries its `X-Amz-Date`.
    public func signature(for request: SignableRequest, credentials: AWSCredentials, amzDate: String) -> Signature {
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(self.region)/\(self.service)/aws4_request"
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        let canonicalRequest = [
            request.method.uppercased(),
            Self.canonicalPath(request.path),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            Digest.hex(Digest.sha256(request.body)),
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256",
            amzDate,
            scope,
            Digest.hex(Digest.sha256(Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signingKey = self.signingKey(secret: credentials.secretAccessKey, day: day)
        let signature = Digest.hex(Digest.hmacSHA256(key: signingKey, data: Array(stringToSign.utf8)))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonicalRequest,
            stringToSign: stringToSign,
            signedHeaders: signedHeaders,
            signature: signature,
            authorization: authorization
        )
    }

    func signingKey(secret: String, day: String) -> [UInt8] {
        var key = Digest.hmacSHA256(key: Array("AWS4\(secret)".utf8), data: Array(day.utf8))
        for part in [self.region, self.service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, data: Array(part.utf8))
        }
        return key
    }

    /// `20150830T123600Z`, always UTC.
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))T\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2))Z"
    }

    /// Removes `.` and `..` segments and empty segments, then percent-encodes each segment (non-S3 rules).
    static func canonicalPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        var result = "/" + segments.map { PercentEncoding.encode(String($0)) }.joined(separator: "/")
        let endsWithSlash = path.hasSuffix("/") || path.hasSuffix("/.") || path.hasSuffix("/..")
        if endsWithSlash && !segments.isEmpty { result += "/" }
        return result
    }

    /// Pairs decoded then re-encoded (so raw and pre-encoded input agree), sorted by key and then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentEncoding.encode(PercentEncoding.decode(String(parts[0])))
            let value = parts.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(String(parts[1]))) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Lower-cased names, values trimmed with inner runs of white space collapsed, repeated names joined by ",".
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (canonical: String, signed: String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let key = name.lowercased().trimmingCharacters(in: .whitespaces)
            guard !unsignedHeaders.contains(key) else { continue }
            merged[key, default: []].append(Self.normalizeHeaderValue(value))
        }
        let names = merged.keys.sorted()
        let canonical = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    static func normalizeHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }
}
