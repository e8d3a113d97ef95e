import Foundation
import HTTPClient
import Testing

@testable import Gateway

/// Content parts below the top level: files, prompt-caching breakpoints and tool results reach each provider in its
/// own form, or are a 400 naming the part; none is dropped on the way.
@Suite struct TranslationContentTests {
    static let pdf = "data:application/pdf;base64,JVBERi0xLjQK"
    static let text = "data:text/plain;charset=utf-8;base64," + Data("Minutes of the meeting".utf8).base64EncodedString()

    static func chat(_ messages: [JSONValue], tools: JSONValue? = nil) -> JSONValue {
        var body: JSONValue = ["model": "m", "messages": .array(messages)]
        body["tools"] = tools
        return body
    }

    static func anthropic(_ body: JSONValue) throws(GatewayError) -> JSONValue {
        try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 100)
    }

    static func gemini(_ body: JSONValue) throws(GatewayError) -> JSONValue {
        try GeminiAdapter.generateBody(fromOpenAI: body, model: "gemini-2.5-flash")
    }

    @Test(
        arguments: [
            ("data:image/png;base64,iVBO", "image/png", "iVBO"),
            ("data:text/plain;charset=utf-8;base64,aGk=", "text/plain", "aGk="),
            ("data:;base64,aGk=", "text/plain", "aGk="),
            ("data:Application/PDF;base64,JVBE", "application/pdf", "JVBE"),
        ]
    )
    func dataURLsAreReadWithTheirType(_ url: String, _ type: String, _ payload: String) throws {
        let data = try #require(DataURL(url))
        #expect(data.mediaType == type && data.base64 == payload)
    }

    @Test(arguments: ["https://example.com/a.png", "data:text/plain,hello", "data:image/png;base64", "JVBERi0="])
    func onlyBase64DataURLsAreDataURLs(_ url: String) {
        #expect(DataURL(url) == nil)
    }

    /// The `openai` SDK's file part (a PDF or a text file as `file_data`) is an Anthropic `document`, its filename
    /// the title; Gemini takes both inline.
    @Test func filePartsReachAnthropicAsDocuments() throws {
        let body = Self.chat([
            [
                "role": "user",
                "content": [
                    ["type": "file", "file": ["file_data": .string(Self.pdf), "filename": "report.pdf"]],
                    ["type": "file", "file": ["file_data": .string(Self.text)]],
                    ["type": "text", "text": "Summarise both"],
                ],
            ]
        ])
        let blocks = try Self.anthropic(body)["messages"]?.arrayValue?.first?["content"]
        #expect(
            blocks == [
                [
                    "type": "document", "title": "report.pdf",
                    "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"],
                ],
                ["type": "document", "source": ["type": "text", "media_type": "text/plain", "data": "Minutes of the meeting"]],
                ["type": "text", "text": "Summarise both"],
            ]
        )
        let parts = try Self.gemini(body)["contents"]?.arrayValue?.first?["parts"]
        #expect(parts?.arrayValue?.first == ["inlineData": ["mimeType": "application/pdf", "data": "JVBERi0xLjQK"]])
        #expect(parts?.arrayValue?[1]["inlineData"]?["mimeType"] == "text/plain")
    }

    @Test(
        arguments: [
            (["file_id": "file-abc"], "messages[0].content[0].file: only file_data is supported for Anthropic models"),
            (["file_data": "JVBERi0="], "messages[0].content[0].file.file_data: expected a base64 data URL"),
            (["file_data": "data:image/png;base64,iVBO"], "messages[0].content[0].file: image/png files are not supported"),
            (["file_data": "data:text/plain;base64,%%%"], "messages[0].content[0].file.file_data: not base64-encoded UTF-8 text"),
            (["file_data": 5], "messages[0].content[0].file.file_data: expected a string"),
        ] as [([String: JSONValue], String)]
    )
    func filesAnthropicCannotReadAreRefused(_ file: [String: JSONValue], _ named: String) {
        let body = Self.chat([["role": "user", "content": [["type": "file", "file": .object(file)]]]])
        let error = #expect(throws: GatewayError.self) { try Self.anthropic(body) }
        #expect(error?.status == 400 && error?.message.hasPrefix(named) == true, "\(error?.message ?? "no error")")
    }

    /// `cache_control` on parts and tools (how LiteLLM clients mark Anthropic's prompt-caching breakpoints through
    /// the OpenAI API) reaches Anthropic where it was set; Gemini caches by itself and gets none.
    @Test func cacheBreakpointsReachAnthropicOnly() throws {
        let ephemeral: JSONValue = ["type": "ephemeral"]
        let body = Self.chat(
            [
                ["role": "system", "content": [["type": "text", "text": "A long system prompt", "cache_control": ephemeral]]],
                [
                    "role": "user",
                    "content": [
                        ["type": "text", "text": "Context"],
                        ["type": "text", "text": "Question", "cache_control": ["type": "ephemeral", "ttl": "1h"]],
                    ],
                ],
            ],
            tools: [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]], "cache_control": ephemeral]]
        )
        let anthropic = try Self.anthropic(body)
        #expect(anthropic["system"] == [["type": "text", "text": "A long system prompt", "cache_control": ephemeral]])
        #expect(
            anthropic["messages"]?.arrayValue?.first?["content"] == [
                ["type": "text", "text": "Context"], ["type": "text", "text": "Question", "cache_control": ["type": "ephemeral", "ttl": "1h"]],
            ]
        )
        #expect(anthropic["tools"]?.arrayValue?.first?["cache_control"] == ephemeral)
        #expect(!(try Self.gemini(body)).serializedString.contains("cache_control"))
        let wrong = Self.chat([["role": "user", "content": [["type": "text", "text": "x", "cache_control": "ephemeral"]]]])
        #expect(throws: GatewayError.invalid("messages[0].content[0].cache_control: expected an object", code: "invalid_type")) {
            try Self.anthropic(wrong)
        }
    }

    /// Strict function calling and Anthropic's strict tool use are the same promise, so the flag crosses both ways;
    /// Gemini has no such switch and gets the schema alone.
    @Test func strictToolsStayStrict() throws {
        let function: JSONValue = ["name": "f", "parameters": ["type": "object", "additionalProperties": false], "strict": true]
        let body = Self.chat([["role": "user", "content": "hi"]], tools: [["type": "function", "function": function]])
        #expect(try Self.anthropic(body)["tools"]?.arrayValue?.first?["strict"] == true)
        #expect(try Self.gemini(body)["tools"]?.serializedString.contains("strict") == false)
        let wrong = Self.chat([["role": "user", "content": "hi"]], tools: [["type": "function", "function": ["name": "f", "strict": "yes"]]])
        #expect(throws: GatewayError.invalid("tools[0].function.strict: expected a boolean", code: "invalid_type")) { try Self.anthropic(wrong) }

        let message: JSONValue = [
            "model": "m", "max_tokens": 100, "messages": [["role": "user", "content": "hi"]],
            "tools": [["name": "f", "input_schema": ["type": "object"], "strict": true]],
        ]
        let translated = try MessagesTranslator.translation(of: message)
        #expect(translated.body["tools"]?.arrayValue?.first?["function"]?["strict"] == true)
    }

    /// An assistant refusal replayed with the history (as the `openai` SDK returns it) is that turn's text.
    @Test func replayedRefusalsAreTheAssistantsText() throws {
        let body = Self.chat([
            ["role": "user", "content": "Do something bad"],
            ["role": "assistant", "content": [["type": "refusal", "refusal": "I can't help with that."]]],
            ["role": "user", "content": "Then something good"],
        ])
        #expect(try Self.anthropic(body)["messages"]?.arrayValue?[1]["content"] == [["type": "text", "text": "I can't help with that."]])
        #expect(try Self.gemini(body)["contents"]?.arrayValue?[1]["parts"] == [["text": "I can't help with that."]])
    }

    @Test func anthropicSystemPromptsAreTextOnly() {
        let body = Self.chat([
            ["role": "system", "content": [["type": "text", "text": "Be brief"], ["type": "image_url", "image_url": ["url": "https://x/a.png"]]]],
            ["role": "user", "content": "hi"],
        ])
        #expect(
            throws: GatewayError.invalid(
                "messages[0].content[1].type: a system message takes text parts only for Anthropic models",
                code: "unsupported_content"
            )
        ) { try Self.anthropic(body) }
    }

    static let toolTurns: [JSONValue] = [
        ["role": "user", "content": "Look at the page"],
        [
            "role": "assistant", "content": nil,
            "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "screenshot", "arguments": "{}"]]],
        ],
    ]

    /// A tool message's parts stay blocks for Anthropic, whose tool results take images; Gemini's and OpenAI's tool
    /// results are text, so an image there is a 400 rather than lost.
    @Test func toolResultPartsReachAnthropicAsBlocks() throws {
        let screenshot: JSONValue = ["type": "image_url", "image_url": ["url": "data:image/png;base64,iVBO"]]
        let body = Self.chat(
            Self.toolTurns + [["role": "tool", "tool_call_id": "call_1", "content": [["type": "text", "text": "The page:"], screenshot]]]
        )
        let result = try Self.anthropic(body)["messages"]?.arrayValue?.last?["content"]?.arrayValue?.first
        #expect(
            result == [
                "type": "tool_result", "tool_use_id": "call_1",
                "content": [
                    ["type": "text", "text": "The page:"],
                    ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBO"]],
                ],
            ]
        )
        let error = #expect(throws: GatewayError.self) { try Self.gemini(body) }
        #expect(error?.message.hasPrefix(#"messages[2].content[1].type: a tool message's "image_url" part is not supported for Gemini"#) == true)

        let textOnly = Self.chat(
            Self.toolTurns + [
                ["role": "tool", "tool_call_id": "call_1", "content": [["type": "text", "text": "a"], ["type": "text", "text": "b"]]]
            ]
        )
        let response = try Self.gemini(textOnly)["contents"]?.arrayValue?.last?["parts"]?.arrayValue?.first?["functionResponse"]
        #expect(response == ["name": "screenshot", "response": ["result": "a\nb"]])
        let plain = Self.chat(Self.toolTurns + [["role": "tool", "tool_call_id": "call_1", "content": "done"]])
        #expect(try Self.anthropic(plain)["messages"]?.arrayValue?.last?["content"]?.arrayValue?.first?["content"] == "done")
    }

    /// On `/v1/messages`, a `tool_result`'s text blocks become the tool message's text; an image or document inside
    /// one is a 400 naming it, in Anthropic's words, before anything is sent.
    @Test func messagesToolResultsMustBeTextForOtherProviders() throws {
        func body(_ content: JSONValue) -> JSONValue {
            [
                "model": "m", "max_tokens": 100,
                "messages": [
                    ["role": "user", "content": "Look"],
                    ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "shot", "input": [:]]]],
                    ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": content]]],
                ],
            ]
        }
        let text = try MessagesTranslator.translation(of: body([["type": "text", "text": "a"], ["type": "text", "text": "b"]]))
        #expect(text.body["messages"]?.arrayValue?.last == ["role": "tool", "tool_call_id": "toolu_1", "content": "a\nb"])
        let image: JSONValue = ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBO"]]
        let error = #expect(throws: GatewayError.self) { try MessagesTranslator.translation(of: body([["type": "text", "text": "a"], image])) }
        #expect(error?.status == 400)
        #expect(error?.message.hasPrefix("messages.2.content.0.content.1.type: image blocks inside a tool_result are not supported") == true)
        let wrong = #expect(throws: GatewayError.self) { try MessagesTranslator.translation(of: body(5)) }
        #expect(wrong?.message == "messages.2.content.0.content: Input should be a valid string")
    }

    /// OpenAI's `prompt_cache_breakpoint` is Anthropic's `cache_control`: 1 hour, the shortest lifetime of Anthropic's
    /// that covers OpenAI's 30 minutes, on the latest four in message order (OpenAI writes no more, Anthropic takes
    /// no more). A part's own `cache_control` wins; Gemini, which caches by itself, gets no mark.
    @Test func openAIBreakpointsAreAnthropicMarks() throws {
        let breakpoint: JSONValue = ["mode": "explicit"]
        func text(_ text: String, _ extra: [String: JSONValue] = ["prompt_cache_breakpoint": ["mode": "explicit"]]) -> JSONValue {
            .object(["type": "text", "text": .string(text)].merging(extra) { $1 })
        }
        var body = Self.chat([
            ["role": "system", "content": [text("rules")]],
            ["role": "user", "content": [text("one"), text("two", ["prompt_cache_breakpoint": ["mode": "explicit", "ttl": "12h"]])]],
            ["role": "assistant", "content": [text("three")]],
            [
                "role": "user",
                "content": [text("four", ["prompt_cache_breakpoint": breakpoint, "cache_control": ["type": "ephemeral"]]), text("five", [:])],
            ],
        ])
        body["prompt_cache_options"] = ["mode": "explicit", "ttl": "30m"]
        let anthropic = try Self.anthropic(body)
        let mark = PromptCacheBreakpoints.mark
        #expect(mark == ["type": "ephemeral", "ttl": "1h"])
        #expect(anthropic["system"] == [["type": "text", "text": "rules"]])
        #expect(
            anthropic["messages"] == [
                [
                    "role": "user",
                    "content": [["type": "text", "text": "one", "cache_control": mark], ["type": "text", "text": "two", "cache_control": mark]],
                ],
                ["role": "assistant", "content": [["type": "text", "text": "three", "cache_control": mark]]],
                [
                    "role": "user",
                    "content": [["type": "text", "text": "four", "cache_control": ["type": "ephemeral"]], ["type": "text", "text": "five"]],
                ],
            ]
        )
        #expect(anthropic["prompt_cache_options"] == nil)
        let gemini = try Self.gemini(body).serializedString
        #expect(!gemini.contains("cache") && !gemini.contains("breakpoint"), "\(gemini)")

        let fewer = Self.chat([
            [
                "role": "user",
                "content": [text("a"), ["type": "image_url", "image_url": ["url": "https://x/a.png"], "prompt_cache_breakpoint": breakpoint]],
            ]
        ])
        #expect(
            try Self.anthropic(fewer)["messages"]?.arrayValue?.first?["content"] == [
                ["type": "text", "text": "a", "cache_control": mark],
                ["type": "image", "source": ["type": "url", "url": "https://x/a.png"], "cache_control": mark],
            ]
        )
    }

    @Test(
        arguments: [
            (.string("explicit"), "messages[0].content[0].prompt_cache_breakpoint: expected an object"),
            (["mode": "implicit"], #"messages[0].content[0].prompt_cache_breakpoint.mode: expected "explicit""#),
            ([:], #"messages[0].content[0].prompt_cache_breakpoint.mode: expected "explicit""#),
            (["mode": "explicit", "ttl": "1h"], #"messages[0].content[0].prompt_cache_breakpoint.ttl: expected "30m" or "12h""#),
            (["mode": "explicit", "ttl": 30], "messages[0].content[0].prompt_cache_breakpoint.ttl: expected a string"),
        ] as [(JSONValue, String)]
    )
    func malformedBreakpointsAreRefusedForBoth(_ breakpoint: JSONValue, _ message: String) {
        let body = Self.chat([["role": "user", "content": [["type": "text", "text": "x", "prompt_cache_breakpoint": breakpoint]]]])
        let errors = [#expect(throws: GatewayError.self) { try Self.anthropic(body) }, #expect(throws: GatewayError.self) { try Self.gemini(body) }]
        for error in errors { #expect(error?.status == 400 && error?.message == message, "\(String(describing: error))") }
    }

    /// OpenAI's moderated completions add results an Anthropic or Gemini answer cannot carry, and may block: a 400
    /// unless null. OpenAI-style stream options are checked, and obfuscation padding has nothing to pad.
    @Test func moderationIsOpenAIsOwn() throws {
        var body = Self.chat([["role": "user", "content": "hi"]])
        body["moderation"] = ["model": "omni-moderation-latest", "policy": ["input": ["mode": "block"]]]
        let errors = [#expect(throws: GatewayError.self) { try Self.anthropic(body) }, #expect(throws: GatewayError.self) { try Self.gemini(body) }]
        for error in errors { #expect(error?.code == "unsupported_parameter" && error?.message.hasPrefix("moderation: not supported for") == true) }
        body["moderation"] = .null
        body["stream"] = true
        body["stream_options"] = ["include_usage": true, "include_obfuscation": false]
        _ = try Self.anthropic(body)
        _ = try Self.gemini(body)
        body["stream_options"] = ["include_obfuscation": "no"]
        #expect(throws: GatewayError.invalid("stream_options.include_obfuscation: expected a boolean", code: "invalid_type")) {
            try Self.anthropic(body)
        }
    }

    /// Cache writes cross with their counts: Anthropic's `cache_creation_input_tokens` is OpenAI's
    /// `prompt_tokens_details.cache_write_tokens`, both ways, and a passed-through answer's are read in place.
    @Test func cacheWritesAreCountedBothWays() throws {
        let anthropic = try #require(
            AnthropicAdapter.usage(["input_tokens": 5, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 0, "output_tokens": 2])
        )
        #expect(anthropic == TokenUsage(promptTokens: 305, completionTokens: 2, cachedTokens: 0, cacheWriteTokens: 300))
        #expect(anthropic.openAIObject["prompt_tokens_details"] == ["cached_tokens": 0, "cache_write_tokens": 300])
        #expect(
            anthropic.anthropicObject == ["input_tokens": 5, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 0, "output_tokens": 2]
        )

        let json = #"{"prompt_tokens": 1000, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": 600, "cache_write_tokens": 300}}"#
        let openAI = TokenUsage(promptTokens: 1000, completionTokens: 4, cachedTokens: 600, cacheWriteTokens: 300)
        #expect(TokenUsage(openAI: try JSONValue.parse(Array(json.utf8))) == openAI)
        #expect(try TokenUsage(openAIBytes: ArraySlice(json.utf8)) == openAI)
        #expect(
            openAI.anthropicObject == ["input_tokens": 100, "cache_creation_input_tokens": 300, "cache_read_input_tokens": 600, "output_tokens": 4]
        )
        let withNull = #"{"prompt_tokens": 10, "completion_tokens": 4, "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": null}}"#
        #expect(try TokenUsage(openAIBytes: ArraySlice(withNull.utf8)) == TokenUsage(promptTokens: 10, completionTokens: 4, cachedTokens: 0))
        #expect(TokenUsage(promptTokens: 10).openAIObject["prompt_tokens_details"] == nil)
    }

    /// Anthropic's request options about how it serves, bills and explains a request have no effect on the answer:
    /// accepted on `/v1/messages` and not sent elsewhere.
    @Test func anthropicServingOptionsStayBehind() throws {
        let body: JSONValue = [
            "model": "m", "max_tokens": 100, "messages": [["role": "user", "content": "hi"]],
            "speed": "fast", "diagnostics": ["previous_message_id": "msg_1"], "workspace_id": "wrkspc_1", "user_profile_id": "up_1",
        ]
        let translated = try MessagesTranslator.translation(of: body).body
        for field in ["speed", "diagnostics", "workspace_id", "user_profile_id"] { #expect(translated[field] == nil) }
    }
}
