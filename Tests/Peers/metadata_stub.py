"""Local stand-ins for the credential endpoints AWS runs next to an instance or container.

  imds       EC2 instance metadata, IMDSv2 only: every read without a session token is refused with 401,
             as on an instance launched with http_tokens=required.
  container  the ECS/EKS container credentials endpoint, checking the Authorization token.
  sts        STS AssumeRoleWithWebIdentity (unsigned, as AWS expects), checking role and token.

Each hands out the temporary credentials it is given (real STS credentials issued by the moto peer, so
signed calls made with them, session token included, succeed there). Prints one JSON line with its endpoint, counts requests at GET /_stats, and serves on
loopback until stdin closes.
"""

import argparse
import datetime
import http.server
import json
import threading
import urllib.parse

from loopback import serve_until_stdin_closes
import uuid

STATS = {"token_puts": 0, "credential_fetches": 0, "rejected_without_token": 0, "requests": 0}
LOCK = threading.Lock()


def bump(key):
    with LOCK:
        STATS[key] += 1
        return STATS[key]


def iso(seconds_from_now):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    args = None
    tokens = set()

    def log_message(self, *a):
        pass

    def reply(self, status, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def keys(self, n):
        pairs = self.args.keys
        return pairs[(n - 1) % len(pairs)]

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                return self.reply(200, json.dumps(STATS), "application/json")
        bump("requests")
        mode = self.args.mode
        if mode == "imds":
            return self.imds_get()
        if mode == "container":
            if self.path != "/creds":
                return self.reply(404, "not found")
            if self.headers.get("Authorization") != self.args.auth_token:
                return self.reply(401, json.dumps({"message": "bad token"}), "application/json")
            n = bump("credential_fetches")
            key, secret, token = self.keys(n)
            return self.reply(200, json.dumps({
                "AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
                "Expiration": iso(self.args.expires_in), "RoleArn": "arn:aws:iam::123456789012:role/task",
            }), "application/json")
        return self.reply(404, "not found")

    def imds_get(self):
        token = self.headers.get("X-aws-ec2-metadata-token")
        if token not in self.tokens:
            bump("rejected_without_token")
            return self.reply(401, "")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, self.args.role)
        if self.path == base + self.args.role:
            n = bump("credential_fetches")
            key, secret, token = self.keys(n)
            return self.reply(200, json.dumps({
                "Code": "Success", "LastUpdated": iso(0), "Type": "AWS-HMAC",
                "AccessKeyId": key, "SecretAccessKey": secret, "Token": token,
                "Expiration": iso(self.args.expires_in),
            }), "text/plain")
        if self.path == "/latest/meta-data/placement/region":
            return self.reply(200, self.args.region)
        if self.path == "/latest/meta-data/instance-id":
            return self.reply(200, "i-0123456789abcdef0")
        return self.reply(404, "")

    def do_PUT(self):
        bump("requests")
        if self.args.mode != "imds" or self.path != "/latest/api/token":
            return self.reply(404, "")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if not ttl or not ttl.isdigit() or not (1 <= int(ttl) <= 21600):
            return self.reply(400, "")
        bump("token_puts")
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return self.reply(200, token)

    def do_POST(self):
        bump("requests")
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if self.args.mode != "sts":
            return self.reply(404, "")

        def error(code, message):
            body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                    f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>")
            return self.reply(400, body, "text/xml")

        if "Authorization" in self.headers:
            return error("InvalidRequest", "AssumeRoleWithWebIdentity must not be signed")
        if form.get("Action") != ["AssumeRoleWithWebIdentity"] or form.get("Version") != ["2011-06-15"]:
            return error("InvalidAction", "unsupported action")
        if form.get("RoleArn") != [self.args.role_arn]:
            return error("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
        if form.get("WebIdentityToken") != [self.args.web_token]:
            return error("InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
        n = bump("credential_fetches")
        key, secret, token = self.keys(n)
        token_xml = token.replace("&", "&amp;").replace("<", "&lt;")
        body = (
            '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleWithWebIdentityResult><Credentials>"
            f"<AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>"
            f"<SessionToken>{token_xml}</SessionToken><Expiration>{iso(self.args.expires_in)}</Expiration>"
            "</Credentials><SubjectFromWebIdentityToken>test</SubjectFromWebIdentityToken>"
            "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
        )
        return self.reply(200, body, "text/xml")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["imds", "container", "sts"])
    parser.add_argument("--key", action="append", nargs=3, dest="keys", required=True, metavar=("ID", "SECRET", "TOKEN"))
    parser.add_argument("--expires-in", type=int, default=6 * 3600)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--role", default="skiff-instance-role")
    parser.add_argument("--auth-token", default="container-auth-token")
    parser.add_argument("--role-arn", default="arn:aws:iam::123456789012:role/web-reader")
    parser.add_argument("--web-token", default="web-identity-token")
    args = parser.parse_args()
    Handler.args = args
    serve_until_stdin_closes(Handler)


if __name__ == "__main__":
    main()
