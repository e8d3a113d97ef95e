"""Drives a chat completion with the official `openai` SDK, unchanged, and prints what it got back as one JSON line.

Usage: openai_chat_client.py BASE_URL MODEL [--stream] [--tools] [--cache] [--thinking KIND] [--tool-loop [--then M]]
                            [--prompt TEXT] [--max-tokens N] [--max-retries N]

--cache sends the prompt as OpenAI's prompt caching has it: the system text as a part with a
`prompt_cache_breakpoint`, and `prompt_cache_options`. --thinking asks to see the model's reasoning with Anthropic's
`thinking` as an extra body field (as LiteLLM's clients do): `enabled` (a budget of 1,024 tokens), `adaptive`, or
`omitted` (adaptive, display omitted); the result has the `reasoning_content` ("reasoning") and `thinking_blocks`.
--tool-loop (with --tools) answers the tool calls and asks again, the assistant message sent back as the SDK gave
it (streamed: as assembled from the deltas, thinking blocks included); the result is then the second answer's, with
the first's under "first"; --then asks the second time of model M (a switch of model mid-conversation).

An error the SDK raises for the server's answer (a status, a cut connection, an in-stream error event) is a result:
it prints {"error": {"class", "status", "message"}, ...} and exits 0. Anything else (say, the SDK failing to parse
what it was sent) prints the same shape with "sdk_error": false and exits 1. `sdk_peer.py` calls `run` for the
tests, so the SDK is imported once for all of them.
"""

import argparse
import json

import openai

from sdk_outcome import THINKING, main, outcome

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The current weather in a city.",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]

parser = argparse.ArgumentParser()
parser.add_argument("base_url")
parser.add_argument("model")
parser.add_argument("--stream", action="store_true")
parser.add_argument("--tools", action="store_true")
parser.add_argument("--cache", action="store_true")
parser.add_argument("--thinking", choices=sorted(THINKING))
parser.add_argument("--tool-loop", action="store_true")
parser.add_argument("--then")
parser.add_argument("--prompt", default="Please say hello to the skiff tests")  # 20+ characters: 20 non-empty chunks
parser.add_argument("--max-tokens", type=int)
parser.add_argument("--max-retries", type=int, default=0)  # the SDKs' own default is 2


def usage_of(usage, details=False):
    """The counts, with the prompt's cache reads and writes when `details`."""
    if usage is None:
        return None
    counts = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
              "total_tokens": usage.total_tokens}
    prompt = usage.prompt_tokens_details
    if details and prompt is not None:
        counts.update(cached_tokens=prompt.cached_tokens, cache_write_tokens=prompt.cache_write_tokens)
    return counts


def run(argv):
    """One call as the command line describes; returns (result, True when the SDK behaved as an SDK should)."""
    args = parser.parse_args(argv)
    client = openai.OpenAI(base_url=args.base_url, api_key="test", max_retries=args.max_retries, timeout=30)
    request = {"model": args.model, "messages": [{"role": "system", "content": "You are terse."},
                                                 {"role": "user", "content": args.prompt}]}
    if args.tools:
        request["tools"] = TOOLS
    if args.cache:
        request["messages"][0]["content"] = [{"type": "text", "text": "You are terse and answer in one line.",
                                              "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"}}]
        request["prompt_cache_options"] = {"mode": "explicit", "ttl": "30m"}
    if args.max_tokens is not None:
        request["max_tokens"] = args.max_tokens
    if args.thinking:
        request["extra_body"] = {"thinking": THINKING[args.thinking]}
    result = {"text": "", "chunks": 0}

    def ask():
        """One call into `result`; returns the assistant message to send back."""
        if not args.stream:
            completion = client.chat.completions.create(**request)
            choice = completion.choices[0]
            result.update(id=completion.id, model=completion.model, text=choice.message.content,
                          finish_reason=choice.finish_reason, usage=usage_of(completion.usage, args.cache),
                          tool_calls=[{"id": c.id, "name": c.function.name,
                                       "arguments": json.loads(c.function.arguments)}
                                      for c in choice.message.tool_calls or []],
                          reasoning=getattr(choice.message, "reasoning_content", None),
                          thinking_blocks=getattr(choice.message, "thinking_blocks", None))
            return choice.message
        calls = {}  # index -> the call assembled from its deltas
        result.update(text="", chunks=0, finish_reason=None, usage=None, events=0, reasoning=None,
                      thinking_blocks=None)
        stream = client.chat.completions.create(**request, stream=True, stream_options={"include_usage": True})
        for chunk in stream:
            result["events"] += 1
            result["id"], result["model"] = chunk.id, chunk.model
            if chunk.usage is not None:
                result["usage"] = usage_of(chunk.usage, args.cache)
            for choice in chunk.choices:
                if choice.delta.content:
                    result["text"] += choice.delta.content
                    result["chunks"] += 1
                if getattr(choice.delta, "reasoning_content", None):
                    result["reasoning"] = (result["reasoning"] or "") + choice.delta.reasoning_content
                if getattr(choice.delta, "thinking_blocks", None):
                    result["thinking_blocks"] = (result["thinking_blocks"] or []) + choice.delta.thinking_blocks
                for delta in choice.delta.tool_calls or []:
                    call = calls.setdefault(delta.index, {"id": None, "name": "", "arguments": ""})
                    call["id"] = delta.id or call["id"]
                    if delta.function:
                        call["name"] += delta.function.name or ""
                        call["arguments"] += delta.function.arguments or ""
                if choice.finish_reason:
                    result["finish_reason"] = choice.finish_reason
        result["tool_calls"] = [{**c, "arguments": json.loads(c["arguments"])} for _, c in sorted(calls.items())]
        message = {"role": "assistant", "content": result["text"] or None,
                   "tool_calls": [{"id": c["id"], "type": "function",
                                   "function": {"name": c["name"], "arguments": c["arguments"]}}
                                  for _, c in sorted(calls.items())] or None}
        if result["thinking_blocks"]:
            message["thinking_blocks"] = result["thinking_blocks"]
        return message

    def exchange():
        message = ask()
        if args.tool_loop:
            result["first"] = dict(result)
            request["messages"] += [message] + [
                {"role": "tool", "tool_call_id": c["id"], "content": "sunny, 21 C"} for c in result["tool_calls"]]
            if args.then:
                request["model"] = args.then
                request.pop("extra_body", None)
            ask()

    return outcome(exchange, result, (openai.OpenAIError,))


if __name__ == "__main__":
    main(run)
