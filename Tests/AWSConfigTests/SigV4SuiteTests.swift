import Foundation
import TestSupport
import Testing

@testable import AWSConfig

/// Every case of AWS's official SigV4 test suite: canonical request, string to sign and Authorization
/// header must match byte for byte. No case is skipped — including `normalize-path/get-space` and the
/// repeated-key query cases that botocore skips, because skiff parses the raw request line itself.
@Suite("SigV4 test suite")
struct SigV4SuiteTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let directory: URL
        var testDescription: String { self.name }

        func file(_ suffix: String) throws -> String {
            let base = self.directory.lastPathComponent
            return try String(contentsOf: self.directory.appendingPathComponent("\(base).\(suffix)"), encoding: .utf8)
        }
    }

    static let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        source: "test-suite"
    )

    /// Every folder holding a `.req` and a `.authz` file.
    static let cases: [Case] = {
        let root = PackagePaths.sigV4Suite
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var found: [Case] = []
        for case let url as URL in walker where url.pathExtension == "req" {
            let directory = url.deletingLastPathComponent()
            let authz = directory.appendingPathComponent(directory.lastPathComponent + ".authz")
            guard FileManager.default.fileExists(atPath: authz.path) else { continue }
            let name = directory.path.replacingOccurrences(of: root.path + "/", with: "")
            found.append(Case(name: name, directory: directory))
        }
        return found.sorted { $0.name < $1.name }
    }()

    @Test func theWholeSuiteIsPresent() {
        // 26 top-level cases, 8 path-normalisation cases, 2 session-token cases in the copy beside the project.
        #expect(Self.cases.count >= 34, "found \(Self.cases.map(\.name))")
    }

    @Test(arguments: cases)
    func matchesTheSuite(_ testCase: Case) throws {
        var request = try Self.parse(try testCase.file("req"))
        let amzDate = try #require(request.header("X-Amz-Date"))
        let date = try #require(Self.date(amzDate))
        // The session token is an input like the keys: taken from the request (or, where the suite adds it only
        // in the signed request, from there) and handed to the signer as part of the credentials.
        // "post-sts-header-after" adds the token after signing, so it is not signed.
        let signedRequest = try SigV4SuiteTests.parse(try testCase.file("sreq"))
        let token = request.header("X-Amz-Security-Token") ?? signedRequest.header("X-Amz-Security-Token")
        request.headers.removeAll { $0.name.lowercased() == "x-amz-security-token" }
        let signsToken = token != nil && !testCase.name.hasSuffix("post-sts-header-after")
        let credentials = AWSCredentials(
            accessKeyId: Self.credentials.accessKeyId,
            secretAccessKey: Self.credentials.secretAccessKey,
            sessionToken: signsToken ? token : nil,
            source: "test-suite"
        )
        let signature = SigV4Signer(service: "service", region: "us-east-1").sign(&request, credentials: credentials, date: date)
        #expect(signature.canonicalRequest == (try testCase.file("creq")).trimmingTrailingNewlines())
        #expect(signature.stringToSign == (try testCase.file("sts")).trimmingTrailingNewlines())
        #expect(signature.authorization == (try testCase.file("authz")).trimmingTrailingNewlines())
    }

    /// Reads a raw `.req` file: request line, headers (indented lines continue the previous one), body.
    static func parse(_ text: String) throws -> SignableRequest {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let (head, body): (Substring, Substring) = {
            if let blank = normalized.range(of: "\n\n") { return (normalized[..<blank.lowerBound], normalized[blank.upperBound...]) }
            return (Substring(normalized), "")
        }()
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = lines.removeFirst()
        // The target may contain spaces ("GET /example space/ HTTP/1.1"): method is the first word, protocol the last.
        let firstSpace = try #require(requestLine.firstIndex(of: " "))
        let lastSpace = try #require(requestLine.lastIndex(of: " "))
        let method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        var headers: [(name: String, value: String)] = []
        for line in lines {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let path: String
        let query: String
        if let questionMark = target.firstIndex(of: "?") {
            path = String(target[..<questionMark])
            query = String(target[target.index(after: questionMark)...])
        } else {
            path = target
            query = ""
        }
        return SignableRequest(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    static func date(_ amzDate: String) -> Date? {
        var components = DateComponents()
        let digits = Array(amzDate)
        guard digits.count == 16 else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(digits[range])) }
        components.year = number(0..<4)
        components.month = number(4..<6)
        components.day = number(6..<8)
        components.hour = number(9..<11)
        components.minute = number(11..<13)
        components.second = number(13..<15)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components)
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var copy = self
        while copy.hasSuffix("\n") || copy.hasSuffix("\r") { copy.removeLast() }
        return copy
    }
}
