"""A fast OpenAI-compatible mock upstream for the gateway benchmark: a raw asyncio Protocol HTTP/1.1 server (uvloop
when installed), no framework, so that the gateways in front of it, not the mock, are what gets measured. One
process serves tens of thousands of requests per second on one core.

  POST /v1/chat/completions   {"stream": false} → one fixed chat.completion with usage (Content-Length);
                              {"stream": true}  → SSE over chunked transfer encoding: a role chunk, 20 content
                              chunks, a finish chunk, a usage chunk when stream_options.include_usage is true, then
                              `data: [DONE]`. The answer's text is fixed (ANSWER); `model` echoes the request's.
  GET  /v1/models             a list naming gpt-4o-mini (and every model asked for so far)
  GET  /health                200 {"status":"ok"}
  GET  /_abandoned            {"abandoned": [{"at": T, "path": P}, …]}: when (time.monotonic() of this machine) a
                              connection closed with an answer to P still unsent or half-sent: a gateway that let its
                              client's hang-up reach its upstream (with --delay-ms or --chunk-delay-ms, when answers
                              take time)

Any `Authorization: Bearer <key>` is accepted; none is a 401 in OpenAI's error shape. Request bodies may come
with Content-Length or chunked; requests may be pipelined on a keep-alive connection (answered in order);
`Expect: 100-continue` is honoured; `Connection: close` (or HTTP/1.0 without keep-alive) closes after the answer.

--delay-ms waits that long before the first byte of every answer (a model's time to first token);
--delay-jitter-ms spreads that wait uniformly over delay ± jitter, as real providers' latencies spread (a fixed delay
keeps a closed-loop load generator's connections in lock-step, so every gateway sees its requests in bursts);
--chunk-delay-ms waits that long between a stream's events (shows whether a gateway streams or buffers);
--repeat N makes the answer the twenty words N times (20 × N content chunks), a long answer whose cost per token shows.

Usage: .venv-bench/bin/python Benchmarks/gateway/mock_upstream.py [--port 0] [--delay-ms 0] [--delay-jitter-ms 0]
       [--chunk-delay-ms 0] [--repeat 1]
Binds 127.0.0.1, prints one JSON line {"port": N} to stdout once listening, serves until SIGTERM/SIGINT.
"""

import argparse
import asyncio
import json
import random
import signal
import sys
import time

CHUNKS = 20  # content events in a streamed answer
WORDS = ("Hello", "from", "the", "mock", "upstream:", "this", "answer", "is", "always", "the", "same", "twenty",
         "words,", "so", "every", "gateway", "relays", "identical", "bytes", "back.")
ANSWER = " ".join(WORDS)


def answer(repeat=1):
    """The answer's text when it is the twenty words `repeat` times (--repeat): a long answer, 20 × repeat chunks."""
    return " ".join(WORDS * repeat)
PROMPT_TOKENS = 9
CREATED = 1700000000
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 8 * 1024 * 1024


def _json(value):
    return json.dumps(value, separators=(",", ":")).encode()


def _head(status, reason, content_type, length=None, close=False):
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Type: {content_type}"]
    lines.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    if content_type.startswith("text/event-stream"):
        lines.append("Cache-Control: no-cache")
    lines.append("Connection: close" if close else "Connection: keep-alive")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def simple(status, reason, body, close=False):
    """A whole response with a JSON body and Content-Length, as one piece."""
    return [_head(status, reason, "application/json", len(body), close) + body]


def error(status, reason, message, kind, close=False):
    return simple(status, reason, _json({"error": {"message": message, "type": kind, "param": None,
                                                   "code": None}}), close)


def completion(model, repeat=1):
    tokens = CHUNKS * repeat
    usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": tokens, "total_tokens": PROMPT_TOKENS + tokens}
    return simple(200, "OK", _json({
        "id": "chatcmpl-mock", "object": "chat.completion", "created": CREATED, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer(repeat), "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": usage, "service_tier": "default", "system_fingerprint": "fp_mock"}))


def stream(model, include_usage, repeat=1):
    """The pieces of a streamed answer: each SSE event is one HTTP chunk; the first piece carries the headers."""
    base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": CREATED, "model": model,
            "service_tier": "default", "system_fingerprint": "fp_mock"}
    if include_usage:
        base["usage"] = None

    def event(choices, **extra):
        data = b"data: " + _json(dict(base, choices=choices, **extra)) + b"\n\n"
        return b"%x\r\n%s\r\n" % (len(data), data)

    def choice(delta, finish=None):
        return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]

    words = [word if k == 0 else " " + word for k, word in enumerate(WORDS * repeat)]
    pieces = [_head(200, "OK", "text/event-stream; charset=utf-8")
              + event(choice({"role": "assistant", "content": "", "refusal": None}))]
    pieces += [event(choice({"content": word})) for word in words]
    pieces.append(event(choice({}, "stop")))
    if include_usage:
        pieces.append(event([], usage={"prompt_tokens": PROMPT_TOKENS, "completion_tokens": CHUNKS * repeat,
                                       "total_tokens": PROMPT_TOKENS + CHUNKS * repeat}))
    done = b"data: [DONE]\n\n"
    pieces.append(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
    return pieces


class Mock:
    """What the server answers, with every answer's bytes built once and cached by what varies in it."""

    def __init__(self, delay_ms, chunk_delay_ms, jitter_ms=0, repeat=1):
        self.repeat = repeat
        self.delay = delay_ms / 1000
        self.jitter = min(jitter_ms, delay_ms) / 1000
        self.gap = chunk_delay_ms / 1000
        self.cache = {}
        self.models = {"gpt-4o-mini"}
        self.abandoned = []

    def chat(self, body):
        try:
            request = json.loads(body)
            model = request["model"]
            if not isinstance(model, str) or not isinstance(request.get("messages"), list):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(400, "Bad Request", "expected JSON with a string 'model' and a list 'messages'",
                         "invalid_request_error")
        streaming = request.get("stream") is True
        options = request.get("stream_options")
        usage = streaming and isinstance(options, dict) and options.get("include_usage") is True
        key = (model, streaming, usage)
        answer = self.cache.get(key)
        if answer is None:
            if len(self.cache) > 1000:
                self.cache.clear()
            answer = self.cache[key] = stream(model, usage, self.repeat) if streaming else completion(model, self.repeat)
            if len(self.models) < 1000:
                self.models.add(model)
        return answer

    def models_list(self):
        return simple(200, "OK", _json({"object": "list", "data": [
            {"id": m, "object": "model", "created": CREATED, "owned_by": "mock"} for m in sorted(self.models)]}))

    def answer(self, method, path, headers, body):
        path = path.split("?", 1)[0]
        if path == "/health":
            return simple(200, "OK", b'{"status":"ok"}')
        if path == "/_abandoned":
            return simple(200, "OK", _json({"abandoned": self.abandoned}))
        if path not in ("/v1/chat/completions", "/v1/models", "/chat/completions", "/models"):
            return error(404, "Not Found", f"no route for {method} {path}", "invalid_request_error")
        if not headers.get(b"authorization", b"").lower().startswith(b"bearer "):
            return error(401, "Unauthorized", "missing 'Authorization: Bearer <key>'", "invalid_request_error")
        if path.endswith("/models"):
            return self.models_list() if method == "GET" else error(405, "Method Not Allowed", "use GET",
                                                                    "invalid_request_error")
        if method != "POST":
            return error(405, "Method Not Allowed", "use POST", "invalid_request_error")
        return self.chat(body)


class Connection(asyncio.Protocol):
    """One keep-alive connection: parses every complete request in the buffer (pipelining) and answers in order.
    Without delays the answers are written at once, from data_received; with them, a writer task per connection
    sends one answer after the other."""

    def __init__(self, mock):
        self.mock = mock
        self.buffer = bytearray()
        self.transport = None
        self.closing = False  # a request asked to close, or was malformed: read nothing more
        self.continued = False  # 100 Continue already sent for the request being read
        self.answers = None  # the writer task's queue, when there are delays
        self.writer = None
        self.path = "(unparsed)"  # the path of the request parse() last answered
        self.unsent = []  # the paths of answers handed to the writer task and not yet written to the end

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.transport = None
        if self.unsent:
            self.mock.abandoned.append({"at": time.monotonic(), "path": self.unsent[0]})
        if self.writer:
            self.writer.cancel()

    def data_received(self, data):
        if self.closing:
            return
        self.buffer += data
        answers = []
        while self.buffer and not self.closing:
            pieces = self.parse()
            if pieces is None:
                break
            answers.append((self.path, pieces))
        if answers:
            self.send(answers)

    def parse(self):
        """One request off the front of the buffer, as the pieces of its answer (None: wait for more bytes).
        A None piece at the end of an answer means: close the connection after it."""
        self.path = "(unparsed)"
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return self.fail(431, "Request Header Fields Too Large") if len(self.buffer) > MAX_HEADER_BYTES else None
        lines = bytes(self.buffer[:end]).split(b"\r\n")
        try:
            method, target, version = lines[0].decode("latin-1").split(" ")
        except ValueError:
            return self.fail(400, "Bad Request")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            body, consumed = self.dechunk(start)
            if body is None:
                return self.fail(400, "Bad Request") if consumed < 0 else self.wait_for_body(headers)
        else:
            try:
                length = int(headers.get(b"content-length", b"0"))
            except ValueError:
                return self.fail(400, "Bad Request")
            if length < 0 or length > MAX_BODY_BYTES:
                return self.fail(413, "Payload Too Large")
            if len(self.buffer) - start < length:
                return self.wait_for_body(headers)
            body, consumed = bytes(self.buffer[start:start + length]), start + length
        del self.buffer[:consumed]
        self.continued = False
        connection = headers.get(b"connection", b"").lower()
        self.path = target.split("?", 1)[0]
        pieces = self.mock.answer(method, target, headers, body)
        if connection == b"close" or (version == "HTTP/1.0" and connection != b"keep-alive"):
            self.closing = True
            head = pieces[0].replace(b"\r\nConnection: keep-alive\r\n", b"\r\nConnection: close\r\n", 1)
            pieces = [head] + pieces[1:] + [None]
        return pieces

    def dechunk(self, start):
        """A chunked body from `start`: (body, end offset), (None, 0) when incomplete, (None, -1) when malformed."""
        body, at = bytearray(), start
        while True:
            eol = self.buffer.find(b"\r\n", at)
            if eol < 0:
                return None, 0
            try:
                size = int(bytes(self.buffer[at:eol]).split(b";", 1)[0], 16)
            except ValueError:
                return None, -1
            if size == 0:  # the last chunk: optional trailers, then an empty line
                close = self.buffer.find(b"\r\n\r\n", eol)
                return (bytes(body), close + 4) if close >= 0 else (None, 0)
            if len(self.buffer) < eol + 2 + size + 2:
                return None, 0
            body += self.buffer[eol + 2:eol + 2 + size]
            at = eol + 2 + size + 2
            if len(body) > MAX_BODY_BYTES:
                return None, -1

    def wait_for_body(self, headers):
        """The body is not all here yet; a client that sent `Expect: 100-continue` is told to send it."""
        if not self.continued and headers.get(b"expect", b"").lower() == b"100-continue":
            self.continued = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return None

    def fail(self, status, reason):
        self.closing = True
        self.buffer.clear()
        return error(status, reason, reason, "invalid_request_error", close=True) + [None]

    def send(self, answers):
        """Writes (path, pieces) answers now, or hands them to the writer task when answers take time."""
        if self.mock.delay or self.mock.gap:
            if self.writer is None:
                self.answers = asyncio.Queue()
                self.writer = asyncio.get_running_loop().create_task(self.write_slowly())
            for path, pieces in answers:
                self.answers.put_nowait(pieces)
                self.unsent.append(path)
            return
        pieces = [piece for _, pieces in answers for piece in pieces]
        self.transport.write(b"".join(piece for piece in pieces if piece is not None))
        if pieces[-1] is None:
            self.transport.close()

    async def write_slowly(self):
        """Waits `delay` before each answer's first byte and `gap` between the pieces of a stream."""
        while self.transport is not None:
            pieces = await self.answers.get()
            if self.mock.delay:
                await asyncio.sleep(self.mock.delay + random.uniform(-self.mock.jitter, self.mock.jitter))
            for k, piece in enumerate(pieces):
                if self.transport is None:
                    return
                if piece is None:
                    self.unsent.pop(0)
                    self.transport.close()
                    return
                if k and self.mock.gap:
                    await asyncio.sleep(self.mock.gap)
                    if self.transport is None:
                        return
                self.transport.write(piece)
            self.unsent.pop(0)


async def serve(args):
    loop = asyncio.get_running_loop()
    mock = Mock(args.delay_ms, args.chunk_delay_ms, args.delay_jitter_ms, args.repeat)
    server = await loop.create_server(lambda: Connection(mock), "127.0.0.1", args.port, backlog=1024,
                                      reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port, "delay_ms": args.delay_ms, "delay_jitter_ms": args.delay_jitter_ms,
                      "chunk_delay_ms": args.chunk_delay_ms}),
          flush=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    async with server:
        await stop


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--delay-ms", type=float, default=0, help="wait before the first byte of every answer")
    parser.add_argument("--delay-jitter-ms", type=float, default=0,
                        help="spread each wait uniformly over delay ± this (at most the delay)")
    parser.add_argument("--chunk-delay-ms", type=float, default=0, help="wait between a stream's events")
    parser.add_argument("--repeat", type=int, default=1, help="answer with the twenty words this many times")
    parser.add_argument("--no-uvloop", action="store_true", help="use asyncio's default event loop")
    args = parser.parse_args()
    if not args.no_uvloop:
        try:
            import uvloop
            uvloop.install()
        except ImportError:
            print("mock_upstream: uvloop not installed, using asyncio's loop", file=sys.stderr)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
