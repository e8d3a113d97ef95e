"""Mock LLM providers for skiff's tests: one loopback process that speaks the wire format of every upstream skiff
proxies to, so each provider's base URL can point at a prefix of it. Standard library only.

  /openai/v1/chat/completions, /openai/v1/embeddings, /openai/v1/models   OpenAI (Authorization: Bearer KEY)
  /openai/v1/responses                          OpenAI's Responses API, with stored responses (previous_response_id)
  /deepseek/…, /deepseek/v1/…, /xai/v1/…        the same format and paths, as DeepSeek and xAI speak it
  /azure/chat/completions?api-version=…, /azure/embeddings?api-version=…, /azure/info?api-version=…
                                                Azure AI Inference (api-key: KEY or Bearer), OpenAI bodies
  /anthropic/v1/messages, …/messages/count_tokens, /anthropic/v1/models  Anthropic Messages (x-api-key or Bearer,
                                                anthropic-version)
  /gemini/v1beta/models (GET), /gemini/v1beta/models/MODEL:generateContent, …:batchEmbedContents,
                                                …:streamGenerateContent?alt=sse
                                                (CRLF-framed events; without
                                                alt=sse one JSON array)  Gemini (x-goog-api-key, or ?key=)

The model name picks the behaviour, so tests need no control channel. Words combine ("m-tool-delay-20"):

  tool, parallel   a tool call to the request's first tool (get_weather with none), two calls with parallel;
                   once the conversation ends with a tool result, a normal answer echoing that result
  ratelimit[-N]    429 with Retry-After: 1 for the first N (default 1) requests with this path and body, then
                   success (POST /_reset forgets them)
  retryafter-S     the Retry-After of those 429s (default 1 s)
  error500         500 with the provider's error body; status-NNN does the same with any status
  slowfirst-MS     wait MS before the first byte of the response (errors included)
  delay-MS         wait MS before each content event of a stream
  think-MS         streams: wait MS after the opening events, before the first content event (a reasoning model)
  breakstream      the connection is cut halfway through the body (streams: mid-event), without HTTP's last chunk
  truncated        streams: the body ends cleanly halfway, without the stream's terminating event
  streamerror      streams: the provider's in-stream error event halfway through, then the body ends
  earlyerror[-N]   streams: for the first N (default 1) requests with this path and body, the in-stream error event
                   right after the opening events, before any content (Anthropic's overloaded_error after a 200)
  malformed        200 whose body (streams: the first content event's data) is JSON cut in half
  blocked          a refused prompt: Gemini promptFeedback.blockReason SAFETY, Anthropic stop_reason refusal,
                   OpenAI format 400 code content_filter (Azure's shape)
  unsafe           a filtered answer: Gemini finishReason SAFETY, Anthropic refusal, finish_reason content_filter
  reasoner         OpenAI format: the answer's reasoning as `reasoning_content` (DeepSeek's reasoner), streamed as
                   4 deltas before the content
  redacted         Anthropic with thinking on: a redacted_thinking block after the thinking block
  anything else    "echo: <last user text>", cut to the request's max tokens (finish length/max_tokens/MAX_TOKENS)

Tokens are words: prompt = words of every message and system text, completion = words of the answer (of the
arguments' JSON for tool calls). Reasoning is "Thinking about: <last user text>": Anthropic gives it as a thinking
block (streamed as 4 thinking_delta events and a signature_delta) when `thinking` is enabled or adaptive, its text
empty with display "omitted"; Gemini as a thought part (its own first chunk when streamed) when
thinkingConfig.includeThoughts; its words count as output. Anthropic checks replayed reasoning as it does: each
thinking block's signature must be the one it gave for that text, each redacted_thinking block's data its own, and
with thinking on, an assistant turn with tool_use answered by the last message must start with its thinking.
Anthropic's prompt caching is kept: the words up to a request's last
`cache_control` mark are written (cache_creation_input_tokens) on the first request with that prefix and read
(cache_read_input_tokens) on the next, and input_tokens leaves them out. A streamed text answer has exactly 20 content events (non-empty when the answer
has 20 characters or more): OpenAI sends a role chunk with "" content first, then 20 chunks, a finish chunk, the
usage chunk if stream_options.include_usage, [DONE]; Anthropic 20 text_delta events; Gemini 20 chunks, the last
with finishReason (usageMetadata on each, cumulative).

The Responses API answers with the same behaviours (a `reasoner` model gives a reasoning item with a summary first),
streamed as OpenAI's numbered events; it stores every response unless `store` is false, and checks input items as
OpenAI does: only the properties each type defines, ids it issued (`*_mock…`, else 404 "not found"), reasoning
`encrypted_content` of its own.

Like the real services, it rejects with the provider's 4xx error body: a missing or wrong key; Anthropic without
anthropic-version or max_tokens, with a "system" message role or an unknown top-level field; Gemini with an
unknown field (top level or generationConfig) or a role other than user/model; OpenAI and Azure with an assistant
message (or its tool call) holding a property their API does not define; Azure without api-version or with a
chat field its API does not define (unless the extra-parameters header allows it); OpenAI format with stream_options
but no stream; OpenAI's reasoning models (o1…, gpt-5…) with max_tokens.

Control: GET /_requests lists every provider request in order (method, path, query, headers with secrets
redacted, auth_ok and auth_via: whether and in which header the right key came, body, status, outcome);
POST /_reset clears them, the rate limits and the counts; GET /_stats gives {"client_disconnects": N, ...},
the responses the client abandoned before they ended. Every provider's key is "test" unless --key PROVIDER=KEY.
Prints its endpoint as one JSON line; serves on loopback until stdin closes.
"""

import argparse
import base64
import hashlib
import http.server
import json
import math
import re
import select
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from loopback import LoopbackServer, serve_until_stdin_closes

# What an assistant message and its tool calls may hold for OpenAI and Azure, which refuse any other property.
OPENAI_ASSISTANT_FIELDS = {"role", "content", "name", "tool_calls", "function_call", "refusal", "audio", "annotations"}
OPENAI_TOOL_CALL_FIELDS = {"id", "type", "function"}

# The chat request fields Azure AI Inference defines; any other is a 400 unless the extra-parameters header allows it.
AZURE_CHAT_FIELDS = {"messages", "model", "stream", "frequency_penalty", "presence_penalty", "temperature", "top_p",
                     "max_tokens", "response_format", "stop", "tools", "tool_choice", "seed", "modalities"}

CHUNKS = 20  # content events in a streamed text answer; the benchmark relies on it
SECRET_HEADERS = {"authorization", "api-key", "x-api-key", "x-goog-api-key", "proxy-authorization", "cookie"}
OPENAI_LIKE = {"/openai/v1": "openai", "/deepseek/v1": "deepseek", "/deepseek": "deepseek", "/xai/v1": "xai"}
MODELS = ["mock-chat", "mock-tool", "mock-embed"]

LOCK = threading.Lock()
REQUESTS = []
RATE_LIMITED = {}  # request key -> 429s already answered
CACHED_PREFIXES = set()  # Anthropic prompt caching: the prefixes written so far
EARLY_ERRORS = {}  # request key -> streams already failed before their content
STORED_RESPONSES = {}  # OpenAI's Responses API: response id -> its conversation (input and output items)
STATS = {"requests": 0, "client_disconnects": 0}
KEYS = {}  # provider -> the key it accepts


class ClientGone(Exception):
    """The client closed its connection before the response was complete."""


# --- what the model name asks for -------------------------------------------------------------------------------

@dataclass
class Behaviour:
    tool: bool = False
    parallel: bool = False
    ratelimit: int = 0
    retryafter: int = 1
    status: int = 0
    slowfirst: int = 0
    delay: int = 0
    think: int = 0
    breakstream: bool = False
    truncated: bool = False
    streamerror: bool = False
    earlyerror: int = 0
    malformed: bool = False
    blocked: bool = False
    unsafe: bool = False
    reasoner: bool = False
    redacted: bool = False

    @classmethod
    def of(cls, model):
        name = str(model or "").lower()

        def number(word, default=0):
            found = re.search(word + r"-(\d+)", name)
            return int(found.group(1)) if found else (default if word in name else 0)

        return cls(tool="tool" in name or "parallel" in name, parallel="parallel" in name,
                   ratelimit=number("ratelimit", 1), retryafter=number("retryafter") or 1, status=500 if "error500" in name else number("status"),
                   slowfirst=number("slowfirst"), delay=number("delay"), think=number("think"), breakstream="breakstream" in name,
                   truncated="truncated" in name, streamerror="streamerror" in name,
                   earlyerror=number("earlyerror", 1), malformed="malformed" in name,
                   blocked="blocked" in name, unsafe="unsafe" in name, reasoner="reasoner" in name,
                   redacted="redacted" in name)


# --- the conversation, whatever format it came in ---------------------------------------------------------------

@dataclass
class Ask:
    prompt_words: int = 0
    last_text: str = ""
    after_tool: bool = False  # the conversation ends with a tool result
    tools: list = field(default_factory=list)  # [(name, first parameter name)]
    max_tokens: int = None


@dataclass
class Answer:
    text: str = ""
    calls: list = field(default_factory=list)  # [(id suffix, name, arguments dict)]
    finish: str = "stop"  # stop, length, tool, filtered
    prompt_tokens: int = 0
    completion_tokens: int = 0


def words(text):
    return len(text.split())


def text_of(content):
    """Text of an OpenAI or Anthropic content value: a string, or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and part.get("type") == "text":
                texts.append(str(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "tool_result":
                texts.append(text_of(part.get("content")))
        return "\n".join(texts)
    return json.dumps(content)


def first_param(schema):
    properties = (schema or {}).get("properties") if isinstance(schema, dict) else None
    return next(iter(properties), "query") if isinstance(properties, dict) and properties else "query"


def answer(ask, behaviour):
    result = Answer(prompt_tokens=ask.prompt_words)
    if behaviour.blocked or behaviour.unsafe:
        result.finish = "filtered"
        return result
    if behaviour.tool and not ask.after_tool:
        tools = ask.tools or [("get_weather", "location")]
        for index in range(2 if behaviour.parallel else 1):
            name, param = tools[index % len(tools)]
            suffix = hashlib.sha1(f"{index}:{ask.last_text}".encode()).hexdigest()[:24]
            result.calls.append((suffix, name, {param: ask.last_text}))
        result.finish = "tool"
        result.completion_tokens = sum(words(json.dumps(args)) for _, _, args in result.calls)
        return result
    text = "echo: " + ask.last_text
    if isinstance(ask.max_tokens, int) and words(text) > ask.max_tokens:
        text, result.finish = " ".join(text.split()[:max(ask.max_tokens, 0)]), "length"
    result.text, result.completion_tokens = text, words(text)
    return result


def reasoning_of(ask):
    return "Thinking about: " + ask.last_text


def signature(thinking):
    """The signature Anthropic's mock gives a thinking block's text, and checks when the block comes back."""
    return "sig_" + hashlib.sha256(("thinking:" + thinking).encode()).hexdigest()[:32]


REDACTED = "red_" + hashlib.sha256(b"redacted").hexdigest()[:32]  # a redacted_thinking block's data


def pieces(text, count=CHUNKS):
    """`count` slices of `text` that join back to it (non-empty while it has at least `count` characters)."""
    return [text[len(text) * i // count:len(text) * (i + 1) // count] for i in range(count)]


def vector(text, dims):
    values, counter = [], 0
    while len(values) < dims:
        values.extend((b - 127.5) / 127.5 for b in hashlib.sha256(f"{counter}:{text}".encode()).digest())
        counter += 1
    values = values[:dims]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


@dataclass
class Frame:
    """One stream event before framing: OpenAI and Gemini ignore `event`, Anthropic names it."""
    payload: str
    event: str = None
    content: bool = False
    delay: int = 0


class Reject(Exception):
    """A provider error to send back: (status, message, kind)."""

    def __init__(self, status, message, kind=None):
        super().__init__(message)
        self.status, self.message, self.kind = status, message, kind


# --- HTTP -------------------------------------------------------------------------------------------------------

class Server(LoopbackServer):

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a client hanging up is routine here
            super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    # Writing, with every failure to write taken as the client having gone.

    def send(self, data):
        try:
            self.wfile.write(data)
        except OSError as error:
            raise ClientGone() from error

    def head(self, status, content_type, headers, length=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for k, v in headers:
            self.send_header(k, v)
        try:
            self.end_headers()
        except OSError as error:
            raise ClientGone() from error
        self.record["status"] = status

    def reply(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else dumps(body).encode()
        self.head(status, content_type, headers, len(data))
        self.send(data)

    def gone(self):
        """Whether the client has closed its side (pipelined bytes waiting to be read are not that)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def pause(self, ms):
        """Sleep, but notice at once a client that hangs up meanwhile."""
        deadline = time.monotonic() + ms / 1000
        while (left := deadline - time.monotonic()) > 0:
            try:
                readable, _, _ = select.select([self.connection], [], [], left)
                if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                    raise ClientGone()
            except OSError as error:
                raise ClientGone() from error
            if readable:  # pipelined bytes, not a hang-up: nothing more to watch for
                time.sleep(max(0.0, deadline - time.monotonic()))
                return

    def cut(self, data):
        """Send `data`, then drop the connection without ending the body."""
        self.send(data)
        self.close_connection = True
        self.record["outcome"] = "cut"
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def json_answer(self, body, headers=()):
        """A 200 JSON answer, spoiled as the behaviour asks."""
        data = dumps(body).encode()
        if self.behaviour.malformed:
            data = data[:len(data) // 2]
        if self.behaviour.breakstream:
            self.head(200, "application/json", headers, len(data))
            return self.cut(data[:len(data) // 2])
        self.reply(200, data, headers=headers)

    def play(self, frames, render, content_type, error_frame, headers=()):
        """Stream `frames` as a chunked body, spoiled halfway as the behaviour asks."""
        b = self.behaviour
        contents = [i for i, f in enumerate(frames) if f.content]
        half = contents[len(contents) // 2] if contents else len(frames) // 2
        if b.malformed and contents:
            spoilt = frames[contents[0]]
            spoilt.payload = spoilt.payload[:len(spoilt.payload) // 2]
        early = bool(b.earlyerror) and self.counted(EARLY_ERRORS, b.earlyerror)
        self.head(200, content_type, headers)
        for index, frame in enumerate(frames):
            if early and index == (contents[0] if contents else 0):
                self.chunk(render(error_frame))
                self.send(b"0\r\n\r\n")
                self.record["outcome"] = "stream_error"
                return
            if index == half and (b.breakstream or b.truncated or b.streamerror):
                if b.breakstream:
                    data = render(frame)
                    return self.cut(b"%x\r\n" % len(data) + data[:len(data) // 2])
                if b.streamerror:
                    self.chunk(render(error_frame))
                break
            if b.think and contents and index == contents[0]:
                self.pause(b.think)
            if frame.delay:
                self.pause(frame.delay)
            elif self.gone():
                raise ClientGone()
            self.chunk(render(frame))
        self.send(b"0\r\n\r\n")
        if b.truncated or b.streamerror:
            self.record["outcome"] = "truncated" if b.truncated else "stream_error"

    def chunk(self, data):
        self.send(b"%x\r\n" % len(data) + data + b"\r\n")

    # Requests.

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)):
                data += self.rfile.read(size)
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return data
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_GET

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        if url.path == "/_requests":
            with LOCK:
                return self.control(200, json.dumps(REQUESTS).encode())
        if url.path == "/_stats":
            with LOCK:
                return self.control(200, json.dumps(STATS).encode())
        if url.path == "/_reset" and self.command == "POST":
            with LOCK:
                REQUESTS.clear()
                RATE_LIMITED.clear()
                CACHED_PREFIXES.clear()
                EARLY_ERRORS.clear()
                STORED_RESPONSES.clear()
                STATS.update(requests=0, client_disconnects=0)
            return self.control(200, b"{}")

        route = self.route(url.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        headers = {k.lower(): ("<redacted>" if k.lower() in SECRET_HEADERS else v) for k, v in self.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        shown_query = {k: ("<redacted>" if k == "key" else v) for k, v in query.items()}
        self.record = {"method": self.command, "path": url.path, "query": shown_query, "headers": headers,
                       "provider": route[0] if route else None, "auth_ok": False, "auth_via": None, "body": body,
                       "status": None, "outcome": "complete"}
        with LOCK:
            REQUESTS.append(self.record)
            STATS["requests"] += 1
        self.behaviour = Behaviour()
        if route is None:
            return self.reply(404, {"error": {"message": f"no mock at {self.command} {url.path}"}})
        provider, operation, model = route
        self.path_model = model
        serve = {"anthropic": self.anthropic, "gemini": self.gemini}.get(provider, self.openai)
        try:
            try:
                if not isinstance(body, dict) and not (self.command == "GET" and body is None):
                    raise Reject(400, "The request body is not valid JSON.", "json")
                body = body or {}
                self.behaviour = Behaviour.of(model or body.get("model"))
                if self.behaviour.slowfirst:
                    self.pause(self.behaviour.slowfirst)
                serve(provider, operation, body, query)
            except Reject as reject:
                self.reject(provider, reject)
        except ClientGone:
            self.close_connection = True
            self.record["outcome"] = "client_disconnected"
            with LOCK:
                STATS["client_disconnects"] += 1

    def control(self, status, data):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self, path):
        """(provider, operation, model from the path or None) for a provider path, else None."""
        if path == "/anthropic/v1/messages" and self.command == "POST":
            return "anthropic", "messages", None
        if path == "/anthropic/v1/messages/count_tokens" and self.command == "POST":
            return "anthropic", "count_tokens", None
        if path == "/anthropic/v1/models" and self.command == "GET":
            return "anthropic", "models", None
        if path == "/gemini/v1beta/models" and self.command == "GET":
            return "gemini", "models", None
        if match := re.fullmatch(r"/gemini/v1beta/models/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)",
                                 path):
            if self.command == "POST":
                return "gemini", match.group(2), urllib.parse.unquote(match.group(1))
            return None
        if path.startswith("/azure/"):
            prefix, provider = "/azure", "azure"
        else:
            prefix = next((p for p in OPENAI_LIKE if path.startswith(p + "/")), None)
            if prefix is None:
                return None
            provider = OPENAI_LIKE[prefix]
        operation = path[len(prefix) + 1:]
        allowed = {"chat/completions": "POST", "embeddings": "POST"}
        allowed["info" if provider == "azure" else "models"] = "GET"
        if provider == "openai":
            allowed["responses"] = "POST"
        return (provider, operation, None) if allowed.get(operation) == self.command else None

    # Checks shared by the providers.

    def key_check(self, provider, *headers):
        """Whether one of `headers` (names; "authorization" means its Bearer token, "?key" the query) carries the
        provider's key; records which one did."""
        for name in headers:
            if name == "?key":
                given = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("key", [None])[0]
            elif name == "authorization":
                bearer = self.headers.get(name, "")
                given = bearer[7:] if bearer.startswith("Bearer ") else None
            else:
                given = self.headers.get(name)
            if given is not None and given == KEYS.get(provider, "test"):
                self.record.update(auth_ok=True, auth_via=name)
                return True
        return False

    def counted(self, table, limit):
        """Whether this exact request (path and body) has been answered so in `table` fewer than `limit` times;
        counts this one if so."""
        key = self.record["path"] + " " + json.dumps(self.record["body"], sort_keys=True)
        with LOCK:
            seen = table.get(key, 0)
            if seen >= limit:
                return False
            table[key] = seen + 1
            return True

    def rate_limit(self):
        """Raise a 429 while this exact request has had fewer than N of them."""
        if self.behaviour.ratelimit and self.counted(RATE_LIMITED, self.behaviour.ratelimit):
            raise Reject(429, "Rate limit reached for requests. Please try again in 1s.", "rate")

    def fail_as_asked(self, body):
        self.rate_limit()
        if self.behaviour.status:
            raise Reject(self.behaviour.status, f"The mock was asked for status {self.behaviour.status}.", "status")

    def reject(self, provider, reject):
        status, message, kind = reject.status, reject.message, reject.kind
        headers = [("Retry-After", str(self.behaviour.retryafter))] if status == 429 else []
        if provider == "anthropic":
            kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                     404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                     500: "api_error", 504: "timeout_error", 529: "overloaded_error"}
            request_id = "req_" + uuid.uuid4().hex[:24]
            body = {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message},
                    "request_id": request_id}
            headers.append(("request-id", request_id))
        elif provider == "gemini":
            statuses = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                        409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL",
                        501: "NOT_IMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
            error = {"code": status, "message": message, "status": statuses.get(status, "UNKNOWN")}
            if status == 429:
                error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]
            body = {"error": error}
        elif provider == "azure":
            codes = {"auth": "401", "rate": "429", "filter": "content_filter",
                     "api-version": "MissingApiVersionParameter"}
            error = {"code": codes.get(kind, str(status)), "message": message}
            if kind == "filter":
                error.update(param="prompt", status=400,
                             innererror={"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
                                 "violence": {"filtered": True, "severity": "high"}}})
            body = {"error": error}
        else:
            types = {"rate": "requests", "filter": "invalid_request_error"}
            codes = {"auth": "invalid_api_key", "rate": "rate_limit_exceeded", "filter": "content_filter"}
            kind_type = types.get(kind) or ("server_error" if status >= 500 else "invalid_request_error")
            body = {"error": {"message": message, "type": kind_type, "param": None, "code": codes.get(kind)}}
            headers.append(("x-request-id", "req_" + uuid.uuid4().hex[:24]))
            if status == 429:
                headers += [("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1s")]
        self.reply(status, body, "application/json; charset=utf-8", headers)

    # OpenAI, DeepSeek, xAI and Azure AI Inference: one body format.

    def openai(self, provider, operation, body, query):
        if provider == "azure":
            if not query.get("api-version"):
                raise Reject(400, "The api-version query parameter (?api-version=) is required for all requests.",
                             "api-version")
            if not self.key_check(provider, "api-key", "authorization"):
                raise Reject(401, "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                             "to provide a valid key for an active subscription.", "auth")
        else:
            if not self.key_check(provider, "authorization"):
                message = ("Incorrect API key provided." if "Authorization" in self.headers else
                           "You didn't provide an API key. You need to provide your API key in an Authorization "
                           "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
                raise Reject(401, message, "auth")
        if provider == "azure" and operation == "chat/completions" and \
                (self.headers.get("extra-parameters") or "error") == "error":
            extra = sorted(set(body) - AZURE_CHAT_FIELDS)
            if extra:
                raise Reject(400, f"Extra parameters {extra} are not allowed when extra-parameters is not set or set "
                             "to be 'error'. Set extra-parameters to 'pass-through' to pass to the model.", "extra")
        if provider == "openai" and re.match(r"(o\d|gpt-5)", str(body.get("model", ""))) and "max_tokens" in body:
            raise Reject(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                         "'max_completion_tokens' instead.", "max_tokens")
        if operation == "info":  # Azure AI Inference: the endpoint's model
            return self.reply(200, {"model_name": MODELS[0], "model_type": "chat-completion",
                                    "model_provider_name": "Mock"})
        if operation == "models":
            return self.reply(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": provider} for m in MODELS]})
        if operation == "embeddings":
            return self.openai_embeddings(body)
        if operation == "responses":
            return self.openai_responses(body)

        if not body.get("model"):
            raise Reject(400, "you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Reject(400, "[] is too short - 'messages'" if messages == [] else "Missing required parameter: "
                         "'messages'.")
        if not all(isinstance(m, dict) and m.get("role") for m in messages):
            raise Reject(400, "Invalid value for 'messages': each message needs a 'role'.")
        if body.get("stream_options") is not None and not body.get("stream"):
            raise Reject(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.")
        if provider in ("openai", "azure"):
            for index, message in enumerate(messages):
                if message.get("role") != "assistant":
                    continue
                extra = sorted(set(message) - OPENAI_ASSISTANT_FIELDS) or sorted(
                    name for call in message.get("tool_calls") or [] for name in set(call) - OPENAI_TOOL_CALL_FIELDS)
                if extra:
                    raise Reject(400, f"Additional properties are not allowed ('{extra[0]}' was unexpected) - "
                                 f"'messages.{index}'")
        self.fail_as_asked(body)
        if self.behaviour.blocked:
            raise Reject(400, "The response was filtered due to the prompt triggering the content management "
                         "policy.", "filter")

        ask = Ask(max_tokens=body.get("max_completion_tokens", body.get("max_tokens")))
        for message in messages:
            ask.prompt_words += words(text_of(message.get("content")))
        last = messages[-1]
        if last.get("role") == "tool":
            ask.after_tool, ask.last_text = True, text_of(last.get("content"))
        else:
            ask.last_text = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"),
                                 "")
        for tool in body.get("tools") or []:
            function = tool.get("function") or {}
            ask.tools.append((function.get("name", "tool"), first_param(function.get("parameters"))))
        result = answer(ask, self.behaviour)

        finish = {"stop": "stop", "length": "length", "tool": "tool_calls", "filtered": "content_filter"}[result.finish]
        calls = [{"id": "call_" + suffix, "type": "function",
                  "function": {"name": name, "arguments": json.dumps(args)}} for suffix, name, args in result.calls]
        usage = {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
                 "total_tokens": result.prompt_tokens + result.completion_tokens,
                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                               "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
        common = {"id": "chatcmpl-" + uuid.uuid4().hex[:24], "created": int(time.time()), "model": body["model"],
                  "system_fingerprint": "fp_mock"}
        headers = [("x-request-id", "req_" + uuid.uuid4().hex[:24])]

        reasoning = reasoning_of(ask) if self.behaviour.reasoner else None
        if reasoning:
            usage["completion_tokens"] += words(reasoning)
            usage["total_tokens"] += words(reasoning)
            usage["completion_tokens_details"]["reasoning_tokens"] = words(reasoning)
        if not body.get("stream"):
            message = {"role": "assistant", "content": None if calls else result.text, "refusal": None,
                       "annotations": []}
            if reasoning:
                message["reasoning_content"] = reasoning
            if calls:
                message["tool_calls"] = calls
            return self.json_answer({**common, "object": "chat.completion", "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}], "usage": usage,
                "service_tier": "default"}, headers)

        # Azure AI Inference has no stream_options and ends every stream with usage.
        with_usage = provider == "azure" or bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta, finish_reason=None, content=False, delay=0):
            data = {**common, "object": "chat.completion.chunk", "service_tier": "default",
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
            if with_usage:
                data["usage"] = None
            return Frame(dumps(data), content=content, delay=delay)

        frames = [chunk({"role": "assistant", "content": None if calls else "", "refusal": None})]
        if reasoning:
            frames += [chunk({"content": None, "reasoning_content": piece}, content=True, delay=self.behaviour.delay)
                       for piece in pieces(reasoning, 4)]
        for index, call in enumerate(calls):
            start = {"index": index, "id": call["id"], "type": "function",
                     "function": {"name": call["function"]["name"], "arguments": ""}}
            frames.append(chunk({"tool_calls": [start]}))
            for piece in pieces(call["function"]["arguments"], 4):
                frames.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]},
                                    content=True, delay=self.behaviour.delay))
        if result.finish in ("stop", "length"):
            frames += [chunk({"content": piece}, content=True, delay=self.behaviour.delay)
                       for piece in pieces(result.text)]
        frames.append(chunk({}, finish))
        if with_usage:
            frames.append(Frame(dumps({**common, "object": "chat.completion.chunk", "service_tier": "default",
                                       "choices": [], "usage": usage})))
        frames.append(Frame("[DONE]"))
        error = Frame(dumps({"error": {"message": "The server had an error while processing your request.",
                                       "type": "server_error", "param": None, "code": None}}))
        self.play(frames, lambda f: b"data: " + f.payload.encode() + b"\n\n", "text/event-stream; charset=utf-8",
                  error, headers)

    # OpenAI's Responses API (OpenAI only), with its stored responses.

    RESPONSES_FIELDS = {"model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls",
                        "max_output_tokens", "temperature", "top_p", "text", "reasoning", "stream", "stream_options",
                        "store", "include", "metadata", "user", "safety_identifier", "prompt_cache_key",
                        "prompt_cache_retention", "service_tier", "previous_response_id", "conversation", "prompt",
                        "background", "truncation", "max_tool_calls", "top_logprobs", "context_management"}
    ITEM_FIELDS = {"message": {"type", "id", "role", "content", "status"},
                   "function_call": {"type", "id", "call_id", "name", "arguments", "status"},
                   "function_call_output": {"type", "id", "call_id", "output", "status"},
                   "reasoning": {"type", "id", "summary", "content", "encrypted_content", "status"}}

    def responses_items(self, body):
        """The conversation so far: the stored one before `previous_response_id`, then this request's input, each
        item checked as OpenAI checks it."""
        items = []
        previous = body.get("previous_response_id")
        if previous is not None:
            with LOCK:
                stored = STORED_RESPONSES.get(previous)
            if stored is None:
                raise Reject(400, f"Previous response with id '{previous}' not found.")
            items += stored
        given = body.get("input")
        if isinstance(given, str):
            given = [{"role": "user", "content": given}]
        if not isinstance(given, list):
            raise Reject(400, "Missing required parameter: 'input'.")
        for index, item in enumerate(given):
            kind = item.get("type", "message") if isinstance(item, dict) else None
            allowed = self.ITEM_FIELDS.get(kind)
            if allowed is None:
                raise Reject(400, f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', "
                             f"'function_call_output' and 'reasoning'. - 'input[{index}].type'")
            extra = sorted(set(item) - allowed)
            if extra:
                raise Reject(400, f"Unknown parameter: 'input[{index}].{extra[0]}'.")
            if "id" in item and not str(item["id"]).startswith(("msg_mock", "fc_mock", "rs_mock")):
                raise Reject(404, f"Item with id '{item['id']}' not found.")
            if kind == "reasoning" and not str(item.get("encrypted_content", "enc_mock")).startswith("enc_mock"):
                raise Reject(400, "The encrypted content for item rs could not be verified.")
        return items + given

    def openai_responses(self, body):
        unknown = sorted(set(body) - self.RESPONSES_FIELDS)
        if unknown:
            raise Reject(400, f"Unknown parameter: '{unknown[0]}'.")
        if not body.get("model"):
            raise Reject(400, "Missing required parameter: 'model'.")
        items = self.responses_items(body)
        self.fail_as_asked(body)

        def item_text(item):
            content = item.get("content") if item.get("type", "message") == "message" else item.get("output")
            if isinstance(content, list):
                return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return "" if content is None else str(content)

        ask = Ask(max_tokens=body.get("max_output_tokens"), prompt_words=words(str(body.get("instructions") or "")))
        for item in items:
            ask.prompt_words += words(item_text(item))
        last = items[-1] if items else {}
        if last.get("type") == "function_call_output":
            ask.after_tool, ask.last_text = True, item_text(last)
        else:
            ask.last_text = next((item_text(i) for i in reversed(items)
                                  if i.get("type", "message") == "message" and i.get("role") == "user"), "")
        for tool in body.get("tools") or []:
            ask.tools.append((tool.get("name", "tool"), first_param(tool.get("parameters"))))
        result = answer(ask, self.behaviour)
        stem = "mock" + uuid.uuid4().hex[:20]
        output = []
        if self.behaviour.reasoner:
            output.append({"id": f"rs_{stem}", "type": "reasoning", "encrypted_content": f"enc_{stem}",
                           "summary": [{"type": "summary_text", "text": reasoning_of(ask)}]})
        for suffix, name, args in result.calls:
            output.append({"id": f"fc_{stem}_{len(output)}", "type": "function_call", "status": "completed",
                           "call_id": "call_" + suffix, "name": name, "arguments": json.dumps(args)})
        if not result.calls:
            output.append({"id": f"msg_{stem}", "type": "message", "status": "completed", "role": "assistant",
                           "content": [{"type": "output_text", "text": result.text, "annotations": [],
                                        "logprobs": []}]})
        reasoning_words = words(reasoning_of(ask)) if self.behaviour.reasoner else 0
        usage = {"input_tokens": result.prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
                 "output_tokens": result.completion_tokens + reasoning_words,
                 "output_tokens_details": {"reasoning_tokens": reasoning_words},
                 "total_tokens": result.prompt_tokens + result.completion_tokens + reasoning_words}
        response = {"id": f"resp_{stem}", "object": "response", "created_at": int(time.time()),
                    "status": "incomplete" if result.finish == "length" else "completed", "error": None,
                    "incomplete_details": {"reason": "max_output_tokens"} if result.finish == "length" else None,
                    "instructions": body.get("instructions"), "model": body["model"], "output": output,
                    "parallel_tool_calls": body.get("parallel_tool_calls", True),
                    "previous_response_id": body.get("previous_response_id"), "tool_choice": body.get("tool_choice",
                                                                                                     "auto"),
                    "tools": body.get("tools") or [], "store": body.get("store", True), "usage": usage,
                    "metadata": body.get("metadata") or {}}
        if body.get("store", True):
            with LOCK:
                STORED_RESPONSES[response["id"]] = items + output
        headers = [("x-request-id", "req_" + uuid.uuid4().hex[:24])]
        if not body.get("stream"):
            return self.json_answer(response, headers)

        frames = []

        def event(name, data, content=False):
            frames.append(Frame({"type": name, **data}, name, content, self.behaviour.delay if content else 0))

        def begun(item):
            if item["type"] == "message":
                return {**item, "status": "in_progress", "content": []}
            if item["type"] == "function_call":
                return {**item, "status": "in_progress", "arguments": ""}
            return {**item, "summary": []}

        opening = {**response, "status": "in_progress", "output": [], "usage": None}
        event("response.created", {"response": opening})
        event("response.in_progress", {"response": opening})
        for index, item in enumerate(output):
            event("response.output_item.added", {"output_index": index, "item": begun(item)})
            common = {"item_id": item["id"], "output_index": index}
            if item["type"] == "message":
                part = item["content"][0]
                event("response.content_part.added", {**common, "content_index": 0,
                                                       "part": {**part, "text": ""}})
                for piece in pieces(part["text"]):
                    event("response.output_text.delta", {**common, "content_index": 0, "delta": piece,
                                                          "logprobs": []}, True)
                event("response.output_text.done", {**common, "content_index": 0, "text": part["text"],
                                                     "logprobs": []})
                event("response.content_part.done", {**common, "content_index": 0, "part": part})
            elif item["type"] == "function_call":
                for piece in pieces(item["arguments"], 4):
                    event("response.function_call_arguments.delta", {**common, "delta": piece}, True)
                event("response.function_call_arguments.done", {**common, "arguments": item["arguments"]})
            else:
                text = item["summary"][0]["text"]
                event("response.reasoning_summary_part.added", {**common, "summary_index": 0,
                                                                 "part": {"type": "summary_text", "text": ""}})
                for piece in pieces(text, 4):
                    event("response.reasoning_summary_text.delta", {**common, "summary_index": 0, "delta": piece},
                          True)
                event("response.reasoning_summary_text.done", {**common, "summary_index": 0, "text": text})
                event("response.reasoning_summary_part.done", {**common, "summary_index": 0,
                                                                "part": item["summary"][0]})
            event("response.output_item.done", {"output_index": index, "item": item})
        event("response.incomplete" if response["status"] == "incomplete" else "response.completed",
              {"response": response})
        for number, frame in enumerate(frames):
            frame.payload = dumps({**frame.payload, "sequence_number": number})
        error = Frame(dumps({"type": "error", "code": "server_error", "message": "The server had an error while "
                             "processing your request.", "param": None, "sequence_number": len(frames)}), "error")
        self.play(frames, lambda f: f"event: {f.event}\ndata: {f.payload}\n\n".encode(),
                  "text/event-stream; charset=utf-8", error, headers)

    def openai_embeddings(self, body):
        if not body.get("model"):
            raise Reject(400, "you must provide a model parameter")
        given = body.get("input")
        if isinstance(given, str):
            texts = [given]
        elif isinstance(given, list) and given and all(isinstance(t, int) for t in given):
            texts = [" ".join(map(str, given))]
        elif isinstance(given, list) and given:
            texts = [t if isinstance(t, str) else " ".join(map(str, t)) for t in given]
        else:
            raise Reject(400, "'$.input' is invalid. Please check the API reference.")
        self.fail_as_asked(body)
        dims = int(body.get("dimensions") or 16)
        data = []
        for index, text in enumerate(texts):
            values = vector(text, dims)
            if body.get("encoding_format") == "base64":
                values = base64.b64encode(struct.pack(f"<{dims}f", *values)).decode()
            data.append({"object": "embedding", "index": index, "embedding": values})
        tokens = sum(words(t) for t in texts)
        self.json_answer({"object": "list", "data": data, "model": body["model"],
                          "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    # Anthropic Messages.

    ANTHROPIC_FIELDS = {"model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
                        "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking", "service_tier",
                        "container", "mcp_servers", "context_management", "output_config", "output_format",
                        "cache_control", "inference_geo", "speed", "diagnostics", "user_profile_id", "workspace_id"}

    ANTHROPIC_COUNT_FIELDS = {"model", "messages", "system", "tools", "tool_choice", "thinking", "mcp_servers",
                              "context_management", "output_config", "output_format", "cache_control", "speed",
                              "user_profile_id", "workspace_id"}

    @staticmethod
    def prompt_cache(body):
        """Anthropic's prompt caching, checked as Anthropic checks it (at most four `cache_control` marks, each
        ephemeral with a ttl of 5m or 1h): the words up to the last mark are written on the first request with that
        prefix and read on the next. Returns (those words, whether they were read)."""
        blocks = [dict(tool, type="tool") for tool in body.get("tools") or []]
        system = body.get("system")
        blocks += system if isinstance(system, list) else [{"type": "text", "text": system or ""}]
        for message in body["messages"]:
            content = message.get("content")
            blocks += content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
        marks, prefix_words, cached_words, prefix = 0, 0, 0, None
        for position, block in enumerate(blocks):
            prefix_words += words(text_of([block])) if isinstance(block, dict) and block.get("type") != "tool" else 0
            mark = block.get("cache_control") if isinstance(block, dict) else None
            if mark is None:
                continue
            if not isinstance(mark, dict) or mark.get("type") != "ephemeral" or mark.get("ttl", "5m") not in ("5m", "1h"):
                raise Reject(400, f"cache_control: expected {{\"type\": \"ephemeral\"}} with a ttl of 5m or 1h, got {mark}")
            marks += 1
            cached_words, prefix = prefix_words, json.dumps(blocks[:position + 1], sort_keys=True)
        if marks > 4:
            raise Reject(400, f"A maximum of 4 blocks with cache_control may be provided. Found {marks}.")
        if prefix is None:
            return 0, False
        with LOCK:
            hit = prefix in CACHED_PREFIXES
            CACHED_PREFIXES.add(prefix)
        return cached_words, hit

    def anthropic(self, provider, operation, body, query):
        # The documented header is x-api-key; the official SDK (2.x) sends the key as a Bearer token.
        if not self.key_check(provider, "x-api-key", "authorization"):
            raise Reject(401, "invalid x-api-key")
        version = self.headers.get("anthropic-version")
        if not version:
            raise Reject(400, "anthropic-version: header is required")
        if operation == "models":
            return self.reply(200, {"data": [{"type": "model", "id": "claude-mock-1", "display_name": "Claude Mock",
                                              "created_at": "2025-01-01T00:00:00Z"}],
                                    "has_more": False, "first_id": "claude-mock-1", "last_id": "claude-mock-1"})
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", version):  # SDK 2.12 sends 2026-10-21; skiff may send 2023-06-01
            raise Reject(400, f"anthropic-version: \"{version}\" is not a valid version")
        if operation == "count_tokens":  # no max_tokens, no stream: the count of what the prompt would cost
            for name in body:
                if name not in self.ANTHROPIC_COUNT_FIELDS:
                    raise Reject(400, f"{name}: Extra inputs are not permitted")
            if not body.get("model") or not isinstance(body.get("messages"), list) or not body["messages"]:
                raise Reject(400, "model and messages: Field required")
            self.fail_as_asked(body)
            counted = words(text_of(body.get("system"))) + sum(words(text_of(m.get("content"))) for m in body["messages"])
            return self.reply(200, {"input_tokens": counted})
        for name in body:
            if name not in self.ANTHROPIC_FIELDS:
                raise Reject(400, f"{name}: Extra inputs are not permitted")
        if not body.get("model"):
            raise Reject(400, "model: Field required")
        if "max_tokens" not in body:
            raise Reject(400, "max_tokens: Field required")
        if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
            raise Reject(400, "max_tokens: Input should be greater than or equal to 1")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise Reject(400, "messages: Field required" if messages is None else "messages: at least one message "
                         "is required")
        for message in messages:
            role = message.get("role") if isinstance(message, dict) else None
            if role not in ("user", "assistant"):
                raise Reject(400, f"messages: Unexpected role \"{role}\". The Messages API accepts a "
                             "top-level `system` parameter, not \"system\" as an input message role.")
        thinking_on, shown = self.check_thinking(body)
        self.fail_as_asked(body)

        cached_words, cache_hit = self.prompt_cache(body)
        ask = Ask(max_tokens=body["max_tokens"], prompt_words=words(text_of(body.get("system"))))
        for message in messages:
            ask.prompt_words += words(text_of(message.get("content")))
        last = messages[-1]
        content = last.get("content")
        if last.get("role") == "user" and isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
            ask.after_tool = True
            ask.last_text = text_of([b for b in content if b.get("type") == "tool_result"])
        else:
            ask.last_text = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"),
                                 "")
        for tool in body.get("tools") or []:
            ask.tools.append((tool.get("name", "tool"), first_param(tool.get("input_schema"))))
        result = answer(ask, self.behaviour)

        stop = {"stop": "end_turn", "length": "max_tokens", "tool": "tool_use", "filtered": "refusal"}[result.finish]
        blocks = [{"type": "tool_use", "id": "toolu_" + suffix, "name": name, "input": args}
                  for suffix, name, args in result.calls]
        if result.finish in ("stop", "length"):
            blocks = [{"type": "text", "text": result.text}]
        if thinking_on and result.finish != "filtered":
            thought = reasoning_of(ask) if shown else ""
            blocks = [{"type": "thinking", "thinking": thought, "signature": signature(thought)}] + \
                ([{"type": "redacted_thinking", "data": REDACTED}] if self.behaviour.redacted else []) + blocks
            result.completion_tokens += words(reasoning_of(ask))
        request_id = "req_" + uuid.uuid4().hex[:24]
        headers = [("request-id", request_id)]
        message = {"id": "msg_" + uuid.uuid4().hex[:24], "type": "message", "role": "assistant",
                   "model": body["model"], "content": blocks, "stop_reason": stop, "stop_sequence": None,
                   "usage": {"input_tokens": result.prompt_tokens - cached_words,
                             "output_tokens": result.completion_tokens,
                             "cache_creation_input_tokens": 0 if cache_hit else cached_words,
                             "cache_read_input_tokens": cached_words if cache_hit else 0,
                             "service_tier": "standard"}}
        if not body.get("stream"):
            return self.json_answer(message, headers)

        def event(name, data, content=False):
            return Frame(dumps({"type": name, **data}), name, content, self.behaviour.delay if content else 0)

        start = {**message, "content": [], "stop_reason": None,
                 "usage": {**message["usage"], "output_tokens": 1}}
        frames = [event("message_start", {"message": start})]
        for index, block in enumerate(blocks):
            if block["type"] == "text":
                frames.append(event("content_block_start", {"index": index,
                                                            "content_block": {"type": "text", "text": ""}}))
                deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"])]
            elif block["type"] == "thinking":
                frames.append(event("content_block_start", {"index": index, "content_block": {
                    "type": "thinking", "thinking": "", "signature": ""}}))
                deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"], 4) if p]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            elif block["type"] == "redacted_thinking":
                frames.append(event("content_block_start", {"index": index, "content_block": block}))
                deltas = []
            else:
                frames.append(event("content_block_start", {"index": index,
                                                            "content_block": {**block, "input": {}}}))
                deltas = [{"type": "input_json_delta", "partial_json": p}
                          for p in [""] + pieces(json.dumps(block["input"]), 4)]
            if index == 0:
                frames.append(event("ping", {}))
            frames += [event("content_block_delta", {"index": index, "delta": d}, True) for d in deltas]
            frames.append(event("content_block_stop", {"index": index}))
        if not blocks:
            frames.append(event("ping", {}))
        frames.append(event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                              "usage": {"output_tokens": result.completion_tokens}}))
        frames.append(event("message_stop", {}))
        error = Frame(dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                             "request_id": request_id}), "error")
        self.play(frames, lambda f: f"event: {f.event}\ndata: {f.payload}\n\n".encode(),
                  "text/event-stream; charset=utf-8", error, headers)

    @staticmethod
    def check_thinking(body):
        """`thinking` and the reasoning replayed in the history, checked as Anthropic checks them. Returns (whether
        the model thinks, whether its thinking is shown)."""
        thinking = body.get("thinking")
        kind = thinking.get("type") if isinstance(thinking, dict) else None
        if thinking is not None and kind not in ("enabled", "disabled", "adaptive", "between_tools"):
            raise Reject(400, "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', "
                         "'adaptive', 'between_tools'")
        if kind == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < 1024:
                raise Reject(400, "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
            if budget >= body["max_tokens"]:
                raise Reject(400, "`max_tokens` must be greater than `thinking.budget_tokens`.")
        on = kind in ("enabled", "adaptive")
        messages = body["messages"]
        for index, message in enumerate(messages):
            content = message.get("content")
            for position, block in enumerate(content if isinstance(content, list) else []):
                kind = block.get("type") if isinstance(block, dict) else None
                if kind == "thinking" and block.get("signature") != signature(str(block.get("thinking"))):
                    raise Reject(400, f"messages.{index}.content.{position}: Invalid `signature` in `thinking` block")
                if kind == "redacted_thinking" and block.get("data") != REDACTED:
                    raise Reject(400, f"messages.{index}.content.{position}: Invalid `data` in `redacted_thinking` "
                                 "block")
        last = messages[-1].get("content") if messages else None
        answered = isinstance(last, list) and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in last)
        asked = next((i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "assistant"), None)
        content = messages[asked].get("content") if asked is not None else None
        if on and answered and isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") == "tool_use" for b in content):
            first = content[0].get("type") if isinstance(content[0], dict) else None
            if first not in ("thinking", "redacted_thinking"):
                raise Reject(400, f"messages.{asked}.content.0.type: Expected `thinking` or `redacted_thinking`, but "
                             f"found `{first}`. When `thinking` is enabled, a final `assistant` message must start "
                             "with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` "
                             "blocks).")
        return on, on and (thinking.get("display") != "omitted")

    # Gemini.

    GEMINI_FIELDS = {"contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config",
                     "safetySettings", "safety_settings", "generationConfig", "generation_config", "cachedContent",
                     "cached_content", "labels"}
    GENERATION_FIELDS = {"stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema",
                         "candidateCount", "maxOutputTokens", "temperature", "topP", "topK", "seed",
                         "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig",
                         "responseModalities", "speechConfig", "mediaResolution", "enableEnhancedCivicAnswers",
                         "imageConfig", "_responseJsonSchema"}

    def gemini_embeddings(self, body):
        """batchEmbedContents: every request names this model and carries one content; values per request."""
        requests = body.get("requests")
        if set(body) - {"requests"} or not isinstance(requests, list) or not requests:
            raise Reject(400, "* BatchEmbedContentsRequest.requests: requests is not specified")
        embeddings = []
        for request in requests:
            if request.get("model") != f"models/{self.path_model}":
                raise Reject(400, f"Model names must match: {request.get('model')} in a request to {self.path_model}")
            unknown = set(request) - {"model", "content", "taskType", "title", "outputDimensionality"}
            if unknown:
                raise Reject(400, f"Invalid JSON payload received. Unknown name \"{sorted(unknown)[0]}\": Cannot find field.")
            text = "\n".join(str(p.get("text", "")) for p in (request.get("content") or {}).get("parts") or [])
            embeddings.append({"values": vector(text, int(request.get("outputDimensionality") or 16))})
        self.fail_as_asked(body)
        self.json_answer({"embeddings": embeddings})

    def gemini(self, provider, operation, body, query):
        if not self.key_check(provider, "x-goog-api-key", "?key"):
            if "x-goog-api-key" not in self.headers and "key" not in query:
                raise Reject(403, "Method doesn't allow unregistered callers (callers without established identity). "
                             "Please use API Key or other form of API consumer identity to call this API.")
            raise Reject(400, "API key not valid. Please pass a valid API key.")
        if operation == "models":
            return self.reply(200, {"models": [{"name": "models/gemini-mock-1", "displayName": "Gemini Mock",
                                                "supportedGenerationMethods": ["generateContent"]}]})
        if operation == "batchEmbedContents":
            return self.gemini_embeddings(body)
        for name in body:
            if name not in self.GEMINI_FIELDS:
                raise Reject(400, f"Invalid JSON payload received. Unknown name \"{name}\": Cannot find field.")
        config = body.get("generationConfig", body.get("generation_config")) or {}
        snake = {re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), n) for n in self.GENERATION_FIELDS}
        for name in config:
            if name not in self.GENERATION_FIELDS and name not in snake:
                raise Reject(400, f"Invalid JSON payload received. Unknown name \"{name}\" at 'generation_config': "
                             "Cannot find field.")
        thinking = config.get("thinkingConfig", config.get("thinking_config")) or {}
        for name in thinking:
            if name not in ("thinkingBudget", "includeThoughts", "thinkingLevel", "thinking_budget",
                            "include_thoughts", "thinking_level"):
                raise Reject(400, f"Invalid JSON payload received. Unknown name \"{name}\" at "
                             "'generation_config.thinking_config': Cannot find field.")
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            raise Reject(400, "* GenerateContentRequest.contents: contents is not specified")
        for content in contents:
            if not isinstance(content, dict) or content.get("role", "user") not in ("user", "model"):
                raise Reject(400, "Please use a valid role: user, model.")
        self.fail_as_asked(body)

        def part_text(parts):
            return "\n".join(str(p["text"]) if "text" in p else json.dumps(p["functionResponse"].get("response"))
                             for p in parts or [] if "text" in p or "functionResponse" in p)

        system = body.get("systemInstruction", body.get("system_instruction")) or {}
        limit = config.get("maxOutputTokens", config.get("max_output_tokens"))
        ask = Ask(max_tokens=limit, prompt_words=words(part_text(system.get("parts"))))
        for content in contents:
            ask.prompt_words += words(part_text(content.get("parts")))
        last = contents[-1]
        if last.get("role", "user") == "user" and any("functionResponse" in p for p in last.get("parts") or []):
            ask.after_tool = True
        ask.last_text = next((part_text(c.get("parts")) for c in reversed(contents)
                              if c.get("role", "user") == "user"), "")
        for tool in body.get("tools") or []:
            for function in tool.get("functionDeclarations", tool.get("function_declarations")) or []:
                schema = function.get("parameters", function.get("parametersJsonSchema"))
                ask.tools.append((function.get("name", "tool"), first_param(schema)))
        result = answer(ask, self.behaviour)

        common = {"modelVersion": self.path_model, "responseId": uuid.uuid4().hex[:22]}
        thought = reasoning_of(ask) if thinking.get("includeThoughts", thinking.get("include_thoughts")) else None

        def usage(candidates):
            counts = {"promptTokenCount": result.prompt_tokens, "totalTokenCount": result.prompt_tokens + candidates}
            if candidates:
                counts["candidatesTokenCount"] = candidates
            if thought:
                counts["thoughtsTokenCount"] = words(thought)
                counts["totalTokenCount"] += words(thought)
            return counts

        ratings = [{"category": c, "probability": "NEGLIGIBLE"} for c in
                   ("HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_HARASSMENT",
                    "HARM_CATEGORY_SEXUALLY_EXPLICIT")]
        ratings[1] = {**ratings[1], "probability": "HIGH", "blocked": True}
        if self.behaviour.blocked:
            chunks = [{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": ratings}, "usageMetadata": usage(0),
                       **common}]
        elif self.behaviour.unsafe:
            chunks = [{"candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": ratings}],
                       "usageMetadata": usage(0), **common}]
        elif result.calls:
            parts = [{"functionCall": {"name": name, "args": args}} for _, name, args in result.calls]
            chunks = [{"candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP",
                                       "index": 0}], "usageMetadata": usage(result.completion_tokens), **common}]
        else:
            finish = "MAX_TOKENS" if result.finish == "length" else "STOP"
            texts = [result.text] if operation == "generateContent" else pieces(result.text)
            chunks = []
            for index, text in enumerate(texts):
                candidate = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
                if index == len(texts) - 1:
                    candidate["finishReason"] = finish
                chunks.append({"candidates": [candidate],
                               "usageMetadata": usage(round(result.completion_tokens * (index + 1) / len(texts))),
                               **common})

        if thought and "content" in (chunks[0].get("candidates") or [{}])[0]:
            thought_part = {"text": thought, "thought": True}
            if operation == "generateContent":
                chunks[0]["candidates"][0]["content"]["parts"].insert(0, thought_part)
            else:
                chunks.insert(0, {"candidates": [{"content": {"parts": [thought_part], "role": "model"}, "index": 0}],
                                  "usageMetadata": usage(0), **common})
        if operation == "generateContent":
            return self.json_answer(chunks[0])
        # Gemini frames its SSE events with CRLF; without alt=sse the stream is one JSON array.
        frames = [Frame(json.dumps(c), content="candidates" in c, delay=self.behaviour.delay) for c in chunks]
        error = Frame(json.dumps({"error": {"code": 500, "message": "An internal error has occurred.",
                                            "status": "INTERNAL"}}))
        if query.get("alt") == "sse":
            return self.play(frames, lambda f: b"data: " + f.payload.encode() + b"\r\n\r\n", "text/event-stream",
                             error)
        first = frames[0]
        self.play(frames + [Frame("]")], lambda f: (f.payload if f.payload == "]" else
                                                    ("[" if f is first else ",\r\n") + f.payload).encode(),
                  "application/json; charset=UTF-8", error)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--key", action="append", default=[], metavar="PROVIDER=KEY",
                        help="the key a provider accepts (openai, deepseek, xai, azure, anthropic, gemini); "
                             "'test' otherwise")
    for pair in parser.parse_args().key:
        provider, _, key = pair.partition("=")
        KEYS[provider] = key
    serve_until_stdin_closes(Handler, Server)


if __name__ == "__main__":
    main()
