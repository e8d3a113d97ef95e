"""Drives OpenAI's Responses API with the official `openai` SDK, unchanged, and prints what it got back as one JSON
line.

Usage: openai_responses_client.py BASE_URL MODEL [--stream] [--tools] [--thinking KIND] [--tool-loop [--then M]]
                                 [--chain] [--prompt TEXT] [--max-tokens N] [--max-retries N]

Streamed, it uses the SDK's stream helper (`responses.stream`), which checks the events' order and numbering as it
assembles them, and reads the response from `get_final_response()`. --tool-loop (with --tools) answers the function
calls and asks again, with the first response's output items sent back as the SDK gave them (the documented way to
carry a conversation without storing it); --then asks the second time of model M. --chain asks a second question
with `previous_response_id` instead, which only a store of responses (OpenAI's) can answer. --thinking asks to see
the reasoning with Anthropic's `thinking` as an extra body field, as on chat completions.

Errors are results as in openai_chat_client.py; so is a stream's `error` event or `response.failed` (class "error
event" or "response.failed"). `sdk_peer.py` calls `run` for the tests.
"""

import argparse
import json

import openai

from sdk_outcome import THINKING, main, outcome

TOOLS = [{"type": "function", "name": "get_weather", "description": "The current weather in a city.",
          "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}]

parser = argparse.ArgumentParser()
parser.add_argument("base_url")
parser.add_argument("model")
parser.add_argument("--stream", action="store_true")
parser.add_argument("--tools", action="store_true")
parser.add_argument("--thinking", choices=sorted(THINKING))
parser.add_argument("--tool-loop", action="store_true")
parser.add_argument("--then")
parser.add_argument("--chain", action="store_true")
parser.add_argument("--prompt", default="Please say hello to the skiff tests")
parser.add_argument("--max-tokens", type=int)
parser.add_argument("--max-retries", type=int, default=0)


def summary(response):
    """What the tests compare, from a whole response."""
    items = []
    for item in response.output:
        entry = {"type": item.type, "id": item.id}
        if item.type == "message":
            entry["parts"] = [part.type for part in item.content]
        elif item.type == "function_call":
            entry.update(call_id=item.call_id, name=item.name, arguments=json.loads(item.arguments))
        elif item.type == "reasoning":
            entry.update(summary=[part.text for part in item.summary],
                         encrypted=item.encrypted_content is not None)
        items.append(entry)
    usage = response.usage
    return {"id": response.id, "model": response.model, "status": response.status, "text": response.output_text,
            "incomplete": response.incomplete_details.reason if response.incomplete_details else None,
            "items": items,
            "usage": None if usage is None else {"input_tokens": usage.input_tokens,
                                                 "output_tokens": usage.output_tokens,
                                                 "total_tokens": usage.total_tokens}}


def run(argv):
    """One call as the command line describes; returns (result, True when the SDK behaved as an SDK should)."""
    args = parser.parse_args(argv)
    client = openai.OpenAI(base_url=args.base_url, api_key="test", max_retries=args.max_retries, timeout=30)
    request = {"model": args.model, "instructions": "You are terse.",
               "input": [{"role": "user", "content": [{"type": "input_text", "text": args.prompt}]}]}
    if args.tools:
        request["tools"] = TOOLS
    if args.max_tokens is not None:
        request["max_output_tokens"] = args.max_tokens
    if args.thinking:
        request["extra_body"] = {"thinking": THINKING[args.thinking]}
    result = {}

    def ask():
        """One call into `result`; returns the response."""
        if not args.stream:
            response = client.responses.create(**request)
            result.update(summary(response))
            return response
        events, deltas, text, failure = [], 0, "", None
        with client.responses.stream(**request) as stream:
            for event in stream:
                events.append(event.type)
                if event.type == "response.output_text.delta":
                    deltas += 1
                    text += event.delta
                elif event.type == "error":
                    failure = {"class": "error event", "status": None, "code": event.code, "message": event.message}
                elif event.type == "response.failed":
                    failure = failure or {"class": "response.failed", "status": None,
                                          "message": event.response.error.message}
            result.update(events=events, deltas=deltas, streamed_text=text)
            if failure:  # the SDK's final response exists only for a completed stream
                result["error"] = failure
                return None
            response = stream.get_final_response()
        result.update(summary(response))
        return response

    def exchange():
        response = ask()
        if args.tool_loop:
            result["first"] = dict(result)
            calls = [item for item in response.output if item.type == "function_call"]
            request["input"] = request["input"] + response.output + [
                {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"} for call in calls]
            if args.then:
                request["model"] = args.then
                request.pop("extra_body", None)
            ask()
        elif args.chain:
            result["first"] = dict(result)
            request.update(previous_response_id=response.id,
                           input=[{"role": "user", "content": "And once more, please"}])
            ask()

    return outcome(exchange, result, (openai.OpenAIError,))


if __name__ == "__main__":
    main(run)
