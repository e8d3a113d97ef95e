import Foundation
import Logging
import Testing

@testable import Server

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test func oneParsableObjectPerLine() throws {
        let line = JSONLogHandler.format(
            time: Date(timeIntervalSince1970: 1_795_000_000.5),
            level: .warning,
            message: "quote \" backslash \\ newline \n control \u{1} unicode ü",
            label: "skiff",
            fields: ["hb.request.id": "abc123", "count": "3", "nested": ["a": "1", "b": ["x", "y"]]]
        )
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "quote \" backslash \\ newline \n control \u{1} unicode ü")
        #expect(object["request_id"] as? String == "abc123")
        #expect(object["count"] as? String == "3")
        #expect((object["nested"] as? [String: Any])?["b"] as? [String] == ["x", "y"])
        #expect(object["time"] as? String == "2026-11-18T11:06:40.500Z")
    }

    @Test func reservedKeysCannotBeOverwrittenByMetadata() throws {
        let line = JSONLogHandler.format(time: Date(), level: .info, message: "real", label: "skiff", fields: ["message": "fake", "level": "fake"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "real")
        #expect(object["level"] as? String == "info")
    }
}
