"""Runs the SDK client scripts (openai_chat_client.py, openai_responses_client.py, anthropic_client.py,
openai_embeddings_client.py) for the tests in one process: importing the `openai` and `anthropic` SDKs costs about a
second of CPU, which a process per call paid dozens of times over while the other tests wanted the same two cores.

POST /run {"script": "openai_chat_client.py", "args": [...]} answers 200 {"ok": true|false, "result": {...}}: what
the script would have printed, and whether it would have exited 0. Bad arguments are a 400. Loopback only; prints
its endpoint as one JSON line; stops when stdin closes.
"""

import http.server
import importlib
import json

from loopback import serve_until_stdin_closes

SCRIPTS = {name + ".py": importlib.import_module(name)
           for name in ("openai_chat_client", "openai_responses_client", "anthropic_client", "openai_embeddings_client")}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        try:
            call = json.loads(self.rfile.read(length))
            script = SCRIPTS[call["script"]]
            result, ok = script.run([str(a) for a in call["args"]])
        except (ValueError, KeyError, TypeError, SystemExit) as error:  # argparse exits on bad arguments
            return self.reply(400, {"error": f"{type(error).__name__}: {error}"})
        self.reply(200, {"ok": ok, "result": result})


if __name__ == "__main__":
    serve_until_stdin_closes(Handler)
