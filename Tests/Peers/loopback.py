"""What every HTTP peer here shares: a threaded server on a free loopback port that announces itself with one
JSON line on stdout and stops when stdin closes, so it never outlives the test process that started it."""

import http.server
import json
import sys
import threading


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # Tests open many connections at once; the default backlog of 5 makes clients wait for SYN retries.
    request_queue_size = 256


def serve_until_stdin_closes(handler, server_class=LoopbackServer):
    server = server_class(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    sys.stdin.read()
    server.shutdown()
