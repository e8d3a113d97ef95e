"""A small HTTP server for the HTTPClient tests: echoes requests, answers any status, sends large or slow
bodies, or never answers. Loopback only; prints its endpoint as one JSON line; stops when stdin closes.
It also counts how many connections closed before their response was sent (/_stats), and holds /barrier?n=N&key=K
requests until N with that key have arrived."""

import http.server
import json
import threading
import time
import urllib.parse

from loopback import serve_until_stdin_closes

STATS = {"aborted": 0, "hanging": 0}
GATES = {}  # stream id -> Event: a gated stream sends its first chunk, then waits for GET /_release?id=…
LOCK = threading.Lock()
BARRIERS = {}  # key -> number of /barrier requests that have arrived
ARRIVED = threading.Condition(LOCK)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/_release":
            with LOCK:
                gate = GATES.setdefault(query.get("id", ""), threading.Event())
            gate.set()
            return self.reply(200, b"{}")
        if url.path == "/barrier":
            # Answers once `n` requests with this key are here at the same time (200), or 504 after `ms`: proves a
            # client really has that many requests in flight at once.
            wanted, key = int(query.get("n", "2")), query.get("key", "")
            with ARRIVED:
                BARRIERS[key] = BARRIERS.get(key, 0) + 1
                ARRIVED.notify_all()
                met = ARRIVED.wait_for(lambda: BARRIERS[key] >= wanted, timeout=int(query.get("ms", "10000")) / 1000)
            return self.reply(200 if met else 504, json.dumps({"met": met, "arrived": BARRIERS[key]}).encode())
        if url.path == "/_stats":
            with LOCK:
                return self.reply(200, json.dumps(STATS).encode())
        if url.path == "/echo":
            payload = {"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                       "body": body.decode("utf-8", "replace"), "client_port": self.client_address[1]}
            return self.reply(200, json.dumps(payload).encode(), headers=[("X-Echo", "yes"), ("X-Multi", "a"), ("X-Multi", "b")])
        if url.path.startswith("/status/"):
            return self.reply(int(url.path.split("/")[2]), b'{"status":"as asked"}')
        if url.path == "/bytes":
            return self.reply(200, b"x" * int(query.get("n", "0")), "application/octet-stream")
        if url.path == "/slow":
            time.sleep(int(query.get("ms", "1000")) / 1000)
            return self.reply(200, b'{"slow":true}')
        if url.path == "/stream":
            # Chunked body: `chunks` pieces of `size` bytes, `delay_ms` apart, and `stall_ms` of silence after the
            # first `stall_after` (an upstream that stalls mid-body); counts what the client accepted.
            chunks, size, delay = int(query.get("chunks", "10")), int(query.get("size", "100")), int(query.get("delay_ms", "0"))
            stall, stall_after = int(query.get("stall_ms", "0")), int(query.get("stall_after", "1"))
            breaks = query.get("break") == "1"
            sent, aborted = f"stream_sent:{query.get('id', '')}", f"stream_aborted:{query.get('id', '')}"
            with LOCK:
                STATS[sent] = 0
                STATS.setdefault(aborted, 0)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for index in range(chunks):
                    if breaks and index == chunks // 2:
                        self.wfile.write(b"%x\r\n" % size + b"y" * (size // 2))  # half a chunk, then hang up
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        return
                    self.wfile.write(b"%x\r\n" % size + bytes([65 + index % 26]) * size + b"\r\n")
                    self.wfile.flush()
                    with LOCK:
                        STATS[sent] += size
                    if index == 0 and query.get("gate") == "1":
                        with LOCK:
                            gate = GATES.setdefault(query.get("id", ""), threading.Event())
                        gate.wait(300)  # released by the test; the bound only stops a forgotten gate
                    if index + 1 == stall_after and stall:
                        time.sleep(stall / 1000)
                    if delay:
                        time.sleep(delay / 1000)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                with LOCK:
                    STATS[aborted] += 1
            return
        if url.path == "/slowhead":
            time.sleep(int(query.get("ms", "1000")) / 1000)
            return self.reply(200, b'{"late":true}')
        if url.path == "/hang":
            # Never answer; notice when the client gives up and closes the connection.
            with LOCK:
                STATS["hanging"] += 1
            self.connection.settimeout(60)
            try:
                if self.connection.recv(1) == b"":
                    with LOCK:
                        STATS["aborted"] += 1
            except OSError:
                pass
            return
        return self.reply(404, b'{"error":"not found"}')

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()


serve_until_stdin_closes(Handler)
