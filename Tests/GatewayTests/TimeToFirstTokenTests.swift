import Foundation
import Logging
import TestSupport
import Testing

@testable import Gateway

/// Time to first token counts to the first event with generated output, not to the stream's opening event.
@Suite struct TimeToFirstTokenTests {
    @Test func whichClientEventsCarryOutput() {
        let openAI: [(String, Bool)] = [
            (#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#, false),
            (#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{"reasoning_content":"think"}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{"thinking_blocks":[{"type":"redacted_thinking","data":"x"}]}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{"thinking_blocks":[]}}]}"#, false),
            (#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f"}}]}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#, false),
            (#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#, false),
            ("[DONE]", false),
            (#"{"choices":[{"delta":{"content":null,"refusal":null,"tool_calls":[ ]}}]}"#, false),
            (#"{"choices":[{"delta":{"refusal":"no"}}]}"#, true),
            (#"{"choices":[{"delta":{"content":"\""}}]}"#, true),
            (#"{"choices":[{"delta":{"tool_calls":[ {"index":0} ]}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{"role":"assistant"}}, {"index":1,"delta":{"content":"x"}}]}"#, true),
            (#"{"choices":[{"index":0,"delta":{"role":"assistant"}}, {"index":1,"delta":{"content":""}}]}"#, false),
            (#"{"choices":[{"delta":{"role":"assistant","name":"content: \"x\""}}],"content":"top-level"}"#, false),
            (#"{"choices":[{"message":{"content":"not a delta"}}]}"#, false),
            (#"{"choices":{"delta":{"content":"not in an array"}}}"#, false),
            (#"{"choices":[{"delta":{"content":"cut short"#, false),
        ]
        for (data, expected) in openAI {
            #expect(ChatStream.carriesOutput(SSEEvent(data: data), front: .chatCompletions) == expected, "\(data)")
        }
        let messages = Gateway.Front.messages(clientHeaders: [])
        #expect(!ChatStream.carriesOutput(SSEEvent(event: "message_start", data: #"{"type":"message_start"}"#), front: messages))
        #expect(!ChatStream.carriesOutput(SSEEvent(event: "content_block_start", data: #"{"type":"content_block_start"}"#), front: messages))
        #expect(ChatStream.carriesOutput(SSEEvent(event: "content_block_delta", data: #"{"type":"content_block_delta"}"#), front: messages))
    }

    /// The mocks send their opening event at once and wait 60 ms before each content event, so the time to first
    /// token is at least that wait, through each provider and both fronts.
    @Test(arguments: [
        ("gpt-delay-60", false), ("claude-delay-60", false), ("gemini-delay-60", false), ("gpt-delay-60", true), ("claude-delay-60", true),
    ])
    func itWaitsForTheFirstContent(_ model: String, _ anthropicFront: Bool) async throws {
        let peer = try await MockProviders.start()
        let gateway = try GatewayRetryTests.gateway(peer)
        let front: Gateway.Front = anthropicFront ? .messages(clientHeaders: []) : .chatCompletions
        var body = GatewayRetryTests.chat(model, stream: true)
        if anthropicFront { body["max_tokens"] = 64 }
        let stream = try await gateway.stream(body, front: front, call: UpstreamCall(), logger: GatewayRetryTests.logger)
        var bytes = 0
        while let chunk = await stream.next() { bytes += chunk.count }
        #expect(stream.isComplete && bytes > 0)
        let firstToken = try #require(stream.outcome.timeToFirstToken)
        #expect(firstToken >= .milliseconds(60), "time to first token \(firstToken)")
    }
}
