import Testing

@testable import Gateway

@Suite struct SSEParserTests {
    /// Feeds `text` split at every possible point into two chunks, and byte by byte: framing must not depend on
    /// where the network cut the body.
    func parseAllWays(_ text: String) throws -> [[SSEEvent]] {
        let bytes = Array(text.utf8)
        var results: [[SSEEvent]] = []
        for split in 0...bytes.count {
            var parser = SSEParser()
            var events = try parser.feed(bytes[..<split])
            events += try parser.feed(bytes[split...])
            if let last = parser.finish() { events.append(last) }
            results.append(events)
        }
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for byte in bytes { events += try parser.feed([byte]) }
        if let last = parser.finish() { events.append(last) }
        results.append(events)
        return results
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func framesWithEveryLineEnding(_ end: String) throws {
        let text =
            "event: message_start\(end)data: {\"a\":1}\(end)\(end): a comment\(end)data: first\(end)data:second\(end)\(end)data: [DONE]\(end)\(end)"
        for events in try self.parseAllWays(text) {
            #expect(
                events == [
                    SSEEvent(event: "message_start", data: "{\"a\":1}"),
                    SSEEvent(data: "first\nsecond"),
                    SSEEvent(data: "[DONE]"),
                ]
            )
        }
    }

    @Test func ignoresEventsWithoutDataAndUnknownFields() throws {
        let text = "event: ping\n\nid: 7\nretry: 100\ndata: x\n\n"
        for events in try self.parseAllWays(text) {
            #expect(events == [SSEEvent(data: "x")])
        }
    }

    @Test func keepsALastEventWithoutTheBlankLine() throws {
        for events in try self.parseAllWays("data: a\n\ndata: tail") {
            #expect(events == [SSEEvent(data: "a"), SSEEvent(data: "tail")])
        }
    }

    @Test func refusesEndlessLines() throws {
        var parser = SSEParser(maxLineBytes: 16)
        #expect(throws: SSEParserError.self) { _ = try parser.feed(Array(repeating: UInt8(ascii: "a"), count: 17)) }
    }

    @Test func encodesWhatItParses() throws {
        let events = [SSEEvent(event: "content_block_delta", data: "{\"x\":\"a\\nb\"}"), SSEEvent(data: "line one\nline two"), SSEEvent(data: "")]
        var parser = SSEParser()
        let bytes = events.flatMap { $0.encoded() }
        #expect(try parser.feed(bytes) == events)
    }
}

@Suite struct JSONValueTests {
    @Test func keepsIntegersDoublesAndBooleansApart() throws {
        let value = try JSONValue.parse(#"{"i":1,"d":1.5,"t":true,"f":false,"z":0,"n":null,"big":10000000000000000000,"e":1e3}"#)
        #expect(value["i"] == .int(1))
        #expect(value["d"] == .double(1.5))
        #expect(value["t"] == .bool(true))
        #expect(value["f"] == .bool(false))
        #expect(value["z"] == .int(0))
        #expect(value["n"] == .null)
        #expect(value["big"] == .double(1e19))
        #expect(value["e"] == .double(1000))
    }

    @Test func serializesSoThatItParsesBackEqual() throws {
        let original: JSONValue = [
            "text": "quote \" backslash \\ newline \n tab \t bell \u{07} emoji 🚀 é",
            "numbers": [1, -2, 3.25, 1e-7, 0],
            "nested": ["a": [true, false, nil], "b": [:]],
        ]
        #expect(try JSONValue.parse(original.serialized()) == original)
    }

    @Test func rejectsInvalidJSONWithAMessage() {
        #expect(throws: JSONError.self) { try JSONValue.parse("{\"a\":") }
        #expect(throws: JSONError.self) { try JSONValue.parse("") }
    }

    @Test(arguments: [
        (#"{"a":[1,2,{"b":"}"}]}"#, true),
        (#"{"a":"\"}"}"#, true),
        (#"{"a":[1,2"#, false),
        (#"{"a":"unterminated}"#, false),
        (#"{"a":1}}"#, false),
        (#"{"a":1}{"b":2}"#, false),
        ("", false),
    ])
    func structureCheckCatchesCutChunks(_ text: String, _ complete: Bool) {
        #expect(JSONStructure.isComplete(text) == complete)
    }

    @Test func membersAreTheTopLevelValuesOfOneCompleteObject() throws {
        let text = #" {"id":"x", "choices" : [ {"a":"],}\"","usage":{"b":1}} ] ,"usage":{"prompt_tokens":3},"n":null} "#
        let members = try #require(JSONStructure.members(["choices", "usage", "n", "absent"], of: Array(text.utf8)))
        #expect(
            members.mapValues { String(decoding: $0, as: UTF8.self) } == [
                "choices": #"[ {"a":"],}\"","usage":{"b":1}} ]"#, "usage": #"{"prompt_tokens":3}"#, "n": "null",
            ]
        )
        for text in [#"{"choices":[1"#, #"[{"choices":[]}]"#, #""choices""#, #"{"a":1}{"b":2}"#, "", "  "] {
            #expect(JSONStructure.members(["choices"], of: Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func elementsAreTheValuesOfOneCompleteArray() throws {
        let text = Array(#"{"choices": [ {"a":"],"} , [1, 2] ,"x,y", 3 ,null ]}"#.utf8)
        let choices = try #require(JSONStructure.members(["choices"], of: text)?["choices"])
        let elements = try #require(JSONStructure.elements(of: choices))
        #expect(elements.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":"],"}"#, "[1, 2]", #""x,y""#, "3", "null"])
        // A slice's members are found at the slice's own indices.
        #expect(JSONStructure.members(["a"], of: elements[0]).map { String(decoding: $0["a"]!, as: UTF8.self) } == #""],""#)
        #expect(try #require(JSONStructure.elements(of: Array(" [ ] ".utf8)[...])).isEmpty)
        for text in [#"{"a":[]}"#, "[1, 2", #"[1]]"#, #""[]""#, ""] {
            #expect(JSONStructure.elements(of: Array(text.utf8)[...]) == nil, "\(text)")
        }
    }

    @Test(arguments: [
        (#"{"id":"x","usage":null,"choices":[]}"#, false, false),
        (#"{"id":"x","usage": {"prompt_tokens":1},"choices":[]}"#, false, true),
        (#"{"error":{"message":"boom"}}"#, true, false),
        (#"{"error":null,"x":1}"#, false, false),
        (#"{"choices":[{"delta":{"content":""usage":{ and "error":1"}}]}"#, false, false),
        (#"{"choices":[{"usage":{"a":1},"error":"nested"}]}"#, false, false),
    ])
    func findsTopLevelErrorsAndUsageOnly(_ text: String, _ error: Bool, _ usage: Bool) {
        let summary = JSONStructure.summarize(text)
        #expect(summary == JSONStructure.Summary(isComplete: true, hasError: error, hasUsage: usage))
    }
}
