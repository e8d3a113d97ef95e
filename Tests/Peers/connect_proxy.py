"""A forward proxy for https on loopback: answers `CONNECT host:port` by opening a tunnel and relaying bytes both
ways, as corporate egress proxies do, so the client's TLS runs end to end through it. Only loopback targets are
tunnelled (anything else gets 403, so a test can see a refused tunnel); `GET /tunnels` lists the targets tunnelled
so far. Prints one JSON line; stops when stdin closes.
"""

import http.server
import json
import select
import socket
import threading

from loopback import serve_until_stdin_closes

TUNNELS = []
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        if host not in ("127.0.0.1", "localhost") or not port.isdigit():
            self.send_error(403, "tunnels only to loopback")
            return
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            self.send_error(502, "cannot reach the target")
            return
        with LOCK:
            TUNNELS.append(self.path)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.relay(self.connection, upstream)
        self.close_connection = True

    @staticmethod
    def relay(client, upstream):
        upstream.settimeout(None)
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is client else client).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()

    def do_GET(self):
        if self.path != "/tunnels":
            self.send_error(404)
            return
        with LOCK:
            body = json.dumps(TUNNELS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    serve_until_stdin_closes(Handler)
