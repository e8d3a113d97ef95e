import Foundation
import Testing

@testable import Gateway

/// How long an upstream asks the gateway to wait, in each form providers use, and values that are not a real delay.
@Suite struct RetryAfterTests {
    static func delay(_ headers: [(name: String, value: String)]) -> Duration? {
        UpstreamErrors.retryAfter(headers: headers)
    }

    @Test func secondsAndMillisecondsHeaders() {
        #expect(Self.delay([("Retry-After", "2")]) == .seconds(2))
        #expect(Self.delay([("retry-after", " 0.5 ")]) == .milliseconds(500))
        // OpenAI and Azure also send retry-after-ms, which is the finer of the two.
        #expect(Self.delay([("Retry-After", "2"), ("retry-after-ms", "1250")]) == .milliseconds(1250))
        #expect(Self.delay([("Content-Type", "application/json")]) == nil)
    }

    @Test func anHTTPDateCountsFromNow() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inThirty = formatter.string(from: Date().addingTimeInterval(30))
        let delay = try #require(Self.delay([("Retry-After", inThirty)]))
        #expect(delay > .seconds(27) && delay <= .seconds(30))
        // A date already past means: retry now, in each of the three forms HTTP allows.
        #expect(Self.delay([("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")]) == .zero)
        #expect(Self.delay([("Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT")]) == .zero)
        #expect(Self.delay([("Retry-After", "Sun Nov  6 08:49:37 1994")]) == .zero)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"))
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"))
    }

    @Test func valuesThatAreNoDelayAreIgnoredAndHugeOnesCapped() {
        // Each of these used to be converted unchecked; "inf" and "1e30" stopped the process.
        for value in ["inf", "-inf", "nan", "-1", "soon", ""] {
            #expect(Self.delay([("Retry-After", value)]) == nil, "Retry-After: \(value)")
        }
        #expect(Self.delay([("retry-after-ms", "inf"), ("Retry-After", "3")]) == .seconds(3))
        #expect(Self.delay([("Retry-After", "1e30")]) == .seconds(86_400))
        #expect(Self.delay([("retry-after-ms", "1e300")]) == .seconds(86_400))
    }

    @Test func geminiRetryInfo() throws {
        func detail(_ delay: String) throws -> JSONValue {
            try JSONValue.parse(#"{"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "\#(delay)"}]}"#)
        }
        #expect(UpstreamErrors.geminiRetryDelay(try detail("7s")) == .seconds(7))
        #expect(UpstreamErrors.geminiRetryDelay(try detail("0.25s")) == .milliseconds(250))
        #expect(UpstreamErrors.geminiRetryDelay(try detail("1e30s")) == .seconds(86_400))
        #expect(UpstreamErrors.geminiRetryDelay(try detail("infs")) == nil)
        #expect(UpstreamErrors.geminiRetryDelay(try detail("7")) == nil)
        #expect(UpstreamErrors.geminiRetryDelay(nil) == nil)
    }
}
