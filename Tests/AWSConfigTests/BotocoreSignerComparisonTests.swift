import Foundation
import TestSupport
import Testing

@testable import AWSConfig

/// Generated requests signed by skiff and by botocore's `SigV4Auth` must produce the same canonical request
/// and Authorization header: unicode and reserved characters in paths and queries, repeated query keys,
/// non-default ports, messy header spacing, bodies and session tokens.
@Suite("SigV4 against botocore")
struct BotocoreSignerComparisonTests {
    struct Generated: Encodable {
        let method: String
        let url: String
        let headers: [String: String]
        let body: String
        let access_key: String
        let secret_key: String
        let token: String?
        let region: String
        let service: String
        let timestamp: String
    }

    struct Signed: Decodable {
        let canonical_request: String
        let string_to_sign: String
        let authorization: String
    }

    static let alphabet: [String] = Array("abcXYZ019-_.~ $@+=!*'(),;:&é東🚀%/").map(String.init)

    static func word(_ rng: inout SplitMix, max: Int = 8) -> String {
        (0..<Int.random(in: 1...max, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }.joined()
    }

    static func generate(count: Int) -> [Generated] {
        var rng = SplitMix(state: 0x5EED)
        return (0..<count).map { index in
            let method = ["GET", "POST", "PUT", "DELETE"].randomElement(using: &rng)!
            let host = ["ssm.us-east-1.amazonaws.com", "127.0.0.1:4566", "localhost:8443", "logs.eu-west-1.amazonaws.com:443"]
                .randomElement(using: &rng)!
            let scheme = host.hasSuffix(":8443") || host.hasSuffix(":443") || !host.contains(":") ? "https" : "http"
            let segments = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                PercentEncoding.encode(word(&rng).replacingOccurrences(of: "/", with: "-"))
            }
            var path = "/" + segments.joined(separator: "/")
            if !segments.isEmpty && Bool.random(using: &rng) { path += "/" }
            var pairs: [String] = []
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                let key =
                    Bool.random(using: &rng) && !pairs.isEmpty
                    ? String(pairs.last!.split(separator: "=")[0]) : PercentEncoding.encode(word(&rng, max: 5))
                let value = Int.random(in: 0..<5, using: &rng) == 0 ? "" : PercentEncoding.encode(word(&rng))
                pairs.append("\(key)=\(value)")
            }
            let query = pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
            var headers: [String: String] = [:]
            for n in 0..<Int.random(in: 0...3, using: &rng) {
                let padding = String(repeating: " ", count: Int.random(in: 0...2, using: &rng))
                headers["X-Test-\(n)-\(index)"] = padding + "value  with \t spaces \(word(&rng, max: 4).filter { $0 != "%" })" + padding
            }
            var body = ""
            if method == "POST" || method == "PUT" {
                headers["Content-Type"] = "application/x-amz-json-1.1"
                body = "{\"Path\": \"/\(word(&rng))\", \"n\": \(index)}"
            }
            let day = Int.random(in: 1...28, using: &rng)
            let hour = Int.random(in: 0...23, using: &rng)
            return Generated(
                method: method,
                url: "\(scheme)://\(host)\(path)\(query)",
                headers: headers,
                body: body,
                access_key: "AKIA\(index)EXAMPLE",
                secret_key: "secret/\(word(&rng))+\(index)",
                token: Bool.random(using: &rng) ? "token-\(index)/+=" : nil,
                region: ["us-east-1", "eu-central-1", "ap-southeast-2"].randomElement(using: &rng)!,
                service: ["ssm", "logs", "sts"].randomElement(using: &rng)!,
                timestamp: String(format: "202611%02dT%02d1530Z", day, hour)
            )
        }
    }

    @Test func twoHundredGeneratedRequestsMatchBotocore() async throws {
        let requests = Self.generate(count: 200)
        let output = try await PythonFilter.run("botocore_sign.py", input: try JSONEncoder().encode(requests))
        let expected = try JSONDecoder().decode([Signed].self, from: output)
        try #require(expected.count == requests.count)

        for (generated, reference) in zip(requests, expected) {
            let url = try #require(EndpointURL(generated.url))
            var request = SignableRequest(
                method: generated.method,
                path: url.path,
                query: url.query,
                headers: [("Host", url.hostHeader)] + generated.headers.map { ($0.key, $0.value) },
                body: Array(generated.body.utf8)
            )
            let credentials = AWSCredentials(
                accessKeyId: generated.access_key,
                secretAccessKey: generated.secret_key,
                sessionToken: generated.token,
                source: "test"
            )
            let date = try #require(SigV4SuiteTests.date(generated.timestamp))
            let signature = SigV4Signer(service: generated.service, region: generated.region).sign(&request, credentials: credentials, date: date)
            #expect(signature.canonicalRequest == reference.canonical_request, "\(generated.method) \(generated.url)")
            #expect(signature.authorization == reference.authorization, "\(generated.method) \(generated.url)")
        }
    }
}
