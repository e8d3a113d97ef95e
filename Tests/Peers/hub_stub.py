"""A Hugging Face–compatible model hub on loopback, serving files from a local folder with the hub's URL
layout: GET /api/models/{repo}/revision/{rev}?blobs=true (file list with sizes, LFS sha256 for large files,
git blob ids for small ones) and GET /{repo}/resolve/{rev}/{path} (answered with a redirect to /cdn/…, as
the real hub does). Used to test `skiff models pull`.

Usage: hub_stub.py --repo owner/name=DIR [--repo …] [--private owner/name] [--token T] [--corrupt owner/name:path]
Prints {"endpoint": …} and serves until stdin closes.
"""

import argparse
import hashlib
import http.server
import json
import os
import urllib.parse

from loopback import serve_until_stdin_closes

LFS_THRESHOLD = 1024 * 1024  # files above this are "LFS" files with a sha256, as on the hub
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    repos = {}
    private = set()
    token = None
    corrupt = set()

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorised(self, repo):
        return repo not in self.private or self.headers.get("Authorization") == f"Bearer {self.token}"

    def files(self, repo):
        root = self.repos[repo]
        for base, _, names in os.walk(root):
            for name in names:
                full = os.path.join(base, name)
                yield os.path.relpath(full, root), full

    def do_GET(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        if path.startswith("/api/models/"):
            rest = path[len("/api/models/"):]
            repo, _, revision = rest.partition("/revision/")
            if repo not in self.repos:
                return self.reply(404, b'{"error":"Repository not found"}')
            if not self.authorised(repo):
                return self.reply(401, b'{"error":"Invalid credentials"}')
            siblings = []
            for relative, full in sorted(self.files(repo)):
                data = open(full, "rb").read()
                entry = {"rfilename": relative, "size": len(data)}
                if len(data) > LFS_THRESHOLD:
                    entry["lfs"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}
                else:
                    entry["blobId"] = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
                siblings.append(entry)
            return self.reply(200, json.dumps({"id": repo, "sha": COMMIT, "siblings": siblings}).encode())
        if path.startswith("/cdn/"):
            repo, _, relative = path[len("/cdn/"):].partition("::")
            full = os.path.join(self.repos.get(repo, "/nonexistent"), relative)
            if not os.path.isfile(full):
                return self.reply(404, b"not found")
            data = open(full, "rb").read()
            if f"{repo}:{relative}" in self.corrupt:
                data = data[:-1] + bytes([data[-1] ^ 0xFF])
            return self.reply(200, data, "application/octet-stream")
        parts = path.lstrip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = "/".join(parts[:2])
            relative = "/".join(parts[4:])
            if repo not in self.repos:
                return self.reply(404, b"Repository not found")
            if not self.authorised(repo):
                return self.reply(401, b"Invalid credentials")
            location = "/cdn/" + urllib.parse.quote(f"{repo}::{relative}")
            return self.reply(302, b"", headers=[("Location", location)])
        return self.reply(404, b"not found")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", action="append", default=[])
    parser.add_argument("--private", action="append", default=[])
    parser.add_argument("--token", default="hub-secret-token")
    parser.add_argument("--corrupt", action="append", default=[])
    args = parser.parse_args()
    Handler.repos = dict(item.split("=", 1) for item in args.repo)
    Handler.private = set(args.private)
    Handler.token = args.token
    Handler.corrupt = set(args.corrupt)
    serve_until_stdin_closes(Handler)


if __name__ == "__main__":
    main()
