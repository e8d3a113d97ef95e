"""Drives a Messages call with the official `anthropic` SDK, unchanged, and prints what it got back as one JSON line.

Usage: anthropic_client.py BASE_URL MODEL [--stream] [--tools] [--thinking KIND] [--tool-loop] [--prompt TEXT]
                           [--max-tokens N] [--max-retries N]
       anthropic_client.py BASE_URL MODEL --models    (models.list two at a time, then models.retrieve(MODEL))
       anthropic_client.py BASE_URL MODEL --count-tokens    (messages.count_tokens of the same prompt)

BASE_URL is what the SDK is given (it appends /v1/messages). --stream uses `messages.stream`, the SDK's helper
that assembles the final message from the events. --thinking sends `thinking`: `enabled` (a budget of 1,024 tokens;
--max-tokens must be more), `adaptive`, or `omitted` (adaptive, display omitted); the result lists the thinking
blocks. --tool-loop (with --tools) answers the tool calls and asks again, the answer's content sent back as the SDK
gave it; the result is then the second answer's, with the first's under "first". An error the SDK raises for the server's answer is a result:
it prints {"error": {"class", "status", "message"}, ...} and exits 0. Anything else prints the same shape with
"sdk_error": false and exits 1. `sdk_peer.py` calls `run` for the tests, so the SDK is imported once for all of them.
"""

import argparse

import anthropic

from sdk_outcome import THINKING, main, outcome

TOOLS = [{"name": "get_weather", "description": "The current weather in a city.",
          "input_schema": {"type": "object", "properties": {"location": {"type": "string"}},
                           "required": ["location"]}}]

parser = argparse.ArgumentParser()
parser.add_argument("base_url")
parser.add_argument("model")
parser.add_argument("--stream", action="store_true")
parser.add_argument("--tools", action="store_true")
parser.add_argument("--prompt", default="Please say hello to the skiff tests")  # 20+ characters: 20 non-empty chunks
parser.add_argument("--max-tokens", type=int, default=256)
parser.add_argument("--max-retries", type=int, default=0)  # the SDKs' own default is 2
parser.add_argument("--models", action="store_true")
parser.add_argument("--count-tokens", action="store_true")
parser.add_argument("--thinking", choices=sorted(THINKING))
parser.add_argument("--tool-loop", action="store_true")


def describe(message):
    # A streamed message is assembled by the SDK and has no _request_id of its own.
    return {"id": message.id, "request_id": getattr(message, "_request_id", None), "model": message.model,
            "stop_reason": message.stop_reason,
            "text": "".join(b.text for b in message.content if b.type == "text"),
            "tool_uses": [{"id": b.id, "name": b.name, "input": b.input} for b in message.content
                          if b.type == "tool_use"],
            "thinking": [{"thinking": b.thinking, "signature": b.signature} if b.type == "thinking" else
                         {"redacted": b.data} for b in message.content
                         if b.type in ("thinking", "redacted_thinking")],
            "first_block": message.content[0].type if message.content else None,
            "usage": {"input_tokens": message.usage.input_tokens, "output_tokens": message.usage.output_tokens}}


def run(argv):
    """One call as the command line describes; returns (result, True when the SDK behaved as an SDK should)."""
    args = parser.parse_args(argv)
    client = anthropic.Anthropic(base_url=args.base_url, api_key="test", max_retries=args.max_retries, timeout=30)
    request = {"model": args.model, "max_tokens": args.max_tokens, "system": "You are terse.",
               "messages": [{"role": "user", "content": args.prompt}]}
    if args.tools:
        request["tools"] = TOOLS
    if args.thinking:
        request["thinking"] = THINKING[args.thinking]
    result = {"text": "", "chunks": 0}

    def ask():
        """One create or stream call into `result`; returns the message."""
        if not args.stream:
            message = client.messages.create(**request)
            result.update(describe(message))
            return message
        result.update(text="", chunks=0, thought="")
        with client.messages.stream(**request) as stream:
            for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    result["text"] += event.delta.text
                    result["chunks"] += 1
                if event.type == "content_block_delta" and event.delta.type == "thinking_delta":
                    result["thought"] += event.delta.thinking
            message = stream.get_final_message()
        final = describe(message)
        if final["text"] != result["text"]:
            raise AssertionError(f"streamed {result['text']!r} but the final message says {final['text']!r}")
        thought = "".join(b.get("thinking", "") for b in final["thinking"])
        if thought != result["thought"]:
            raise AssertionError(f"streamed thinking {result['thought']!r} but the final message says {thought!r}")
        result.update(final)
        return message

    def exchange():
        if args.models:  # pages of two, so the SDK's auto-paging (has_more, last_id → after_id) is exercised
            listed = list(client.models.list(limit=2))
            result.update(ids=[m.id for m in listed], types=sorted({m.type for m in listed}),
                          named=all(m.display_name and m.created_at for m in listed))
            retrieved = client.models.retrieve(args.model)
            result.update(retrieved=retrieved.id, retrieved_type=retrieved.type)
        elif args.count_tokens:
            counted = client.messages.count_tokens(**{k: v for k, v in request.items() if k != "max_tokens"})
            result.update(input_tokens=counted.input_tokens, request_id=counted._request_id)
        else:
            message = ask()
            if args.tool_loop:
                result["first"] = dict(result)
                request["messages"] += [
                    {"role": "assistant", "content": message.content},
                    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": b.id, "content": "sunny, 21 C"}
                                                 for b in message.content if b.type == "tool_use"]}]
                ask()

    return outcome(exchange, result, (anthropic.AnthropicError,))


if __name__ == "__main__":
    main(run)
