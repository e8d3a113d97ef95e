import HTTPClient
import Testing

@testable import Gateway

/// Every field of a translated request is mapped, ignored by design, or a 400 naming it: nothing a client sends is
/// dropped without a word, and a value of the wrong type is refused rather than read as absent.
@Suite struct TranslationStrictnessTests {
    static func deployment(_ kind: ProviderKind, _ model: String) -> Deployment {
        Deployment(provider: ProviderConfiguration(kind: kind, baseURL: "http://upstream", apiKey: Secret("k")), model: model)
    }

    static let ask: JSONValue = ["model": "m", "messages": [["role": "user", "content": "hi"]]]

    static func with(_ extra: [String: JSONValue], base: JSONValue = Self.ask) -> JSONValue {
        var body = base
        for (key, value) in extra { body[key] = value }
        return body
    }

    /// The chat request as each translating adapter builds it.
    static func translated(_ body: JSONValue) throws(GatewayError) -> (anthropic: JSONValue, gemini: JSONValue) {
        (
            try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 100),
            try GeminiAdapter.generateBody(fromOpenAI: body, model: "gemini-2.5-flash")
        )
    }

    // MARK: OpenAI requests to Anthropic and Gemini

    @Test(
        arguments: [
            (
                ["functions": [["name": "f", "parameters": ["type": "object"]]]],
                "functions: the legacy function calling API is not supported; use tools"
            ),
            (["function_call": "auto"], "function_call: the legacy function calling API"),
            (["modalities": ["text", "audio"]], "modalities: not supported for"),
            (["web_search_options": ["search_context_size": "low"]], "web_search_options: not supported for"),
            (["verbosity": "low"], "verbosity: not supported for"),
            (["response_format": ["type": "bogus"]], "response_format.type: expected one of text, json_object, json_schema"),
            (["frobnicate": 1], "frobnicate: unknown parameter"),
            (["max_tokens": "10"], "max_tokens: expected an integer"),
            (["max_completion_tokens": 0], "max_completion_tokens: expected a positive integer"),
            (["tools": [["type": "function"]]], "tools[0].function: expected an object"),
            (["tools": [["type": "function", "function": ["description": "no name"]]]], "tools[0].function.name: expected a string"),
            (["tools": "x"], "tools: expected an array"),
            (["tools": [["type": "custom", "custom": ["name": "c"]]]], "tools[0].type: \"custom\" tools are not supported"),
            (["tool_choice": "sometimes"], "tool_choice: expected"),
            (["stop": 5], "stop: expected a string or an array of strings"),
            (["n": "2"], "n: expected an integer"),
            (["stream": "yes"], "stream: expected a boolean"),
            (["temperature": true], "temperature: expected a number"),
            (["top_k": "40"], "top_k: expected an integer"),
            (["reasoning_effort": "extreme"], "reasoning_effort: expected one of"),
        ] as [([String: JSONValue], String)]
    )
    func chatFieldsAreTranslatedOrRefused(_ extra: [String: JSONValue], _ named: String) {
        let body = Self.with(extra)
        let anthropic = #expect(throws: GatewayError.self) { try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 100) }
        let gemini = #expect(throws: GatewayError.self) { try GeminiAdapter.generateBody(fromOpenAI: body, model: "gemini-2.5-flash") }
        for error in [anthropic, gemini] {
            #expect(error?.status == 400 && error?.type == "invalid_request_error")
            #expect(error?.message.hasPrefix(named) == true, "\(error?.message ?? "no error")")
        }
    }

    /// The user field is Anthropic's `metadata.user_id` but means nothing to Gemini, which ignores it by design.
    @Test func userIsCheckedOnlyWhereItIsTranslated() throws {
        #expect(throws: GatewayError.invalid("user: expected a string", code: "invalid_type")) {
            try AnthropicAdapter.messagesBody(fromOpenAI: Self.with(["user": 7]), defaultMaxTokens: 1)
        }
        #expect(try GeminiAdapter.generateBody(fromOpenAI: Self.with(["user": 7]), model: "gemini-2.5-flash")["user"] == nil)
    }

    @Test func anEarlierToolCallMustCarryJSONArguments() {
        let body: JSONValue = [
            "model": "m",
            "messages": [
                ["role": "user", "content": "go"],
                ["role": "assistant", "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{not json"]]]],
                ["role": "tool", "tool_call_id": "c1", "content": "ok"],
            ],
        ]
        #expect(throws: GatewayError.invalid("messages[1].tool_calls[0].function.arguments: not valid JSON", code: "invalid_value")) {
            try AnthropicAdapter.messagesBody(fromOpenAI: body, defaultMaxTokens: 100)
        }
        #expect(throws: GatewayError.invalid("messages[1].tool_calls[0].function.arguments: not valid JSON", code: "invalid_value")) {
            try GeminiAdapter.generateBody(fromOpenAI: body, model: "gemini-2.5-flash")
        }
    }

    /// Fields with no effect on the answer, and unsupported ones at their neutral value, pass; whole doubles count as
    /// integers.
    @Test func neutralAndIgnoredFieldsPass() throws {
        let body = Self.with([
            "store": true, "metadata": ["team": "a"], "service_tier": "auto", "safety_identifier": "u1", "prompt_cache_key": "k",
            "modalities": ["text"], "verbosity": "medium", "web_search_options": nil, "functions": [], "logprobs": false,
            "max_tokens": 10.0, "stream_options": ["include_usage": true], "response_format": ["type": "text"],
        ])
        let (anthropic, gemini) = try Self.translated(body)
        #expect(anthropic["max_tokens"] == 10)
        #expect(anthropic["metadata"] == nil && anthropic["service_tier"] == nil)
        #expect(gemini["generationConfig"] == ["maxOutputTokens": 10])
    }

    @Test func topKReachesBothProviders() throws {
        let (anthropic, gemini) = try Self.translated(Self.with(["top_k": 40]))
        #expect(anthropic["top_k"] == 40)
        #expect(gemini["generationConfig"]?["topK"] == 40)
    }

    /// Gemini cannot be held to one call per turn.
    @Test func geminiRefusesSerialToolCalls() throws {
        let tools: JSONValue = [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]]
        let error = #expect(throws: GatewayError.self) {
            try GeminiAdapter.generateBody(fromOpenAI: Self.with(["tools": tools, "parallel_tool_calls": false]), model: "gemini-2.5-flash")
        }
        #expect(error?.message.hasPrefix("parallel_tool_calls:") == true && error?.code == "unsupported_parameter")
        _ = try GeminiAdapter.generateBody(fromOpenAI: Self.with(["tools": tools, "parallel_tool_calls": true]), model: "gemini-2.5-flash")
    }

    // MARK: Messages requests to OpenAI-format providers and Gemini

    static let message: JSONValue = ["model": "m", "max_tokens": 200, "messages": [["role": "user", "content": "hi"]]]

    /// What each kind of provider is sent for a Messages body: OpenAI's request (max_tokens fitted), Gemini's.
    static func sent(_ body: JSONValue, gemini model: String = "gemini-2.5-flash") throws -> (openAI: JSONValue, gemini: JSONValue) {
        let translation = try MessagesTranslator.translation(of: body)
        let openAI = try OpenAIAdapter().messagesRequest(
            translation,
            deployment: Self.deployment(.openAI, "gpt-4o"),
            stream: false,
            call: UpstreamCall()
        )
        let gemini = try GeminiAdapter().messagesRequest(
            translation,
            deployment: Self.deployment(.gemini, model),
            stream: false,
            call: UpstreamCall()
        )
        return (try JSONValue.parse(openAI.body), try JSONValue.parse(gemini.body))
    }

    @Test(
        arguments: [
            (["system": 5], "system: Input should be a valid string or a list of text blocks"),
            (["container": "container_1"], "container: not supported for non-Anthropic models"),
            (["mcp_servers": [["type": "url", "url": "https://mcp", "name": "x"]]], "mcp_servers: not supported for non-Anthropic models"),
            (["frobnicate": 1], "frobnicate: Extra inputs are not permitted"),
            (["max_tokens": "10"], "max_tokens: Input should be a valid integer"),
            (["max_tokens": nil], "max_tokens: Field required"),
            (["max_tokens": 0], "max_tokens: Input should be greater than or equal to 1"),
            (["output_config": ["format": ["type": "xml"]]], "output_config.format.type: Input should be 'json_schema'"),
            (["output_config": ["format": ["type": "json_schema"]]], "output_config.format.schema: Field required"),
            (["output_config": ["effort": "extreme"]], "output_config.effort: Input should be 'low', 'medium', 'high' or 'max'"),
            (["output_config": ["verbosity": "low"]], "output_config.verbosity: Extra inputs are not permitted"),
            (["thinking": ["type": "enabled", "budget_tokens": 100]], "thinking.budget_tokens: Input should be greater than or equal to 1024"),
            (["thinking": ["type": "enabled"]], "thinking.budget_tokens: Field required"),
            (["tools": [["type": "web_search_20250305", "name": "web_search"]]], "tools.0.type: \"web_search_20250305\" is not supported"),
            (["tools": [["name": "f"]]], "tools.0.input_schema: Field required"),
            (["stop_sequences": [1]], "stop_sequences.0: Input should be a valid string"),
            (["temperature": "hot"], "temperature: Input should be a valid number"),
        ] as [([String: JSONValue], String)]
    )
    func messagesFieldsAreTranslatedOrRefused(_ extra: [String: JSONValue], _ named: String) {
        let error = #expect(throws: GatewayError.self) { try MessagesTranslator.translation(of: Self.with(extra, base: Self.message)) }
        #expect(error?.status == 400 && error?.anthropicBody()["error"]?["type"] == "invalid_request_error")
        #expect(error?.message.hasPrefix(named) == true, "\(error?.message ?? "no error")")
    }

    @Test func structuredOutputReachesOpenAIAndGemini() throws {
        let schema: JSONValue = [
            "type": "object", "properties": ["colour": ["type": "string"]], "required": ["colour"], "additionalProperties": false,
        ]
        let (openAI, gemini) = try Self.sent(Self.with(["output_config": ["format": ["type": "json_schema", "schema": schema]]], base: Self.message))
        #expect(openAI["response_format"] == ["type": "json_schema", "json_schema": ["name": "output", "schema": schema, "strict": true]])
        #expect(gemini["generationConfig"]?["responseMimeType"] == "application/json")
        #expect(gemini["generationConfig"]?["responseJsonSchema"] == schema)
        // The structured-outputs beta's own name for it.
        let (beta, _) = try Self.sent(Self.with(["output_format": ["type": "json_schema", "schema": schema]], base: Self.message))
        #expect(beta["response_format"]?["json_schema"]?["schema"] == schema)
    }

    @Test func effortReachesOpenAIAndGemini() throws {
        let (openAI, gemini) = try Self.sent(Self.with(["output_config": ["effort": "medium"]], base: Self.message))
        #expect(openAI["reasoning_effort"] == "medium")
        #expect(gemini["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 8192])
        let (_, newer) = try Self.sent(Self.with(["output_config": ["effort": "max"]], base: Self.message), gemini: "gemini-3-pro")
        #expect(newer["generationConfig"]?["thinkingConfig"] == ["thinkingLevel": "high"])
    }

    @Test(arguments: [(1024, "low"), (5000, "medium"), (8192, "medium"), (20000, "high")])
    func thinkingBudgetsReachOpenAIAsEffortAndGeminiAsThemselves(_ budget: Int, _ effort: String) throws {
        let (openAI, gemini) = try Self.sent(Self.with(["thinking": ["type": "enabled", "budget_tokens": .int(budget)]], base: Self.message))
        #expect(openAI["reasoning_effort"] == .string(effort))
        // Asked for, so shown: Gemini's thought summaries come back as the message's thinking block.
        #expect(gemini["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": .int(budget), "includeThoughts": true])
    }

    @Test func thinkingDisabledIsNeutral() throws {
        let off = Self.with(["thinking": ["type": "disabled"]], base: Self.message)
        let (openAI, older) = try Self.sent(off)
        #expect(openAI["reasoning_effort"] == nil)
        #expect(older["generationConfig"]?["thinkingConfig"] == ["thinkingBudget": 0])
        let (_, newer) = try Self.sent(off, gemini: "gemini-3-pro")
        #expect(newer["generationConfig"]?["thinkingConfig"] == nil)
    }

    @Test func failedToolResultsSayTheyFailed() throws {
        let body = Self.with(
            [
                "messages": [
                    ["role": "user", "content": "weather?"],
                    ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "w", "input": ["c": "Paris"]]]],
                    [
                        "role": "user",
                        "content": [
                            ["type": "tool_result", "tool_use_id": "toolu_1", "is_error": true, "content": [["type": "text", "text": "boom"]]]
                        ],
                    ],
                ]
            ],
            base: Self.message
        )
        let (openAI, gemini) = try Self.sent(body)
        #expect(openAI["messages"]?.arrayValue?.last == ["role": "tool", "tool_call_id": "toolu_1", "content": "Error: boom"])
        #expect(gemini["contents"]?.arrayValue?.last?["parts"] == [["functionResponse": ["name": "w", "response": ["error": "boom"]]]])
    }

    @Test func pdfDocumentsReachGeminiInline() throws {
        let body = Self.with(
            [
                "messages": [
                    [
                        "role": "user",
                        "content": [
                            ["type": "document", "source": ["type": "base64", "media_type": "application/pdf", "data": "JVBERi0="]],
                            ["type": "text", "text": "Summarise"],
                        ],
                    ]
                ]
            ],
            base: Self.message
        )
        let (_, gemini) = try Self.sent(body)
        #expect(
            gemini["contents"]?.arrayValue?.first?["parts"] == [
                ["inlineData": ["mimeType": "application/pdf", "data": "JVBERi0="]], ["text": "Summarise"],
            ]
        )
    }

    @Test func topKReachesGeminiButNotOpenAI() throws {
        let translation = try MessagesTranslator.translation(of: Self.with(["top_k": 40], base: Self.message))
        let gemini = try GeminiAdapter().messagesRequest(
            translation,
            deployment: Self.deployment(.gemini, "gemini-2.5-flash"),
            stream: false,
            call: UpstreamCall()
        )
        #expect(try JSONValue.parse(gemini.body)["generationConfig"]?["topK"] == 40)
        let error = #expect(throws: GatewayError.self) {
            try OpenAIAdapter().messagesRequest(translation, deployment: Self.deployment(.openAI, "gpt-4o"), stream: false, call: UpstreamCall())
        }
        #expect(error?.message.hasPrefix("top_k:") == true)
    }
}
