"""moto_server with SigV4 signature checking on, seeded with the fixtures the Swift tests expect.

Prints one JSON line (endpoints and access keys) on stdout, then serves until stdin closes, so the peer
never outlives the test process that started it. Listens on loopback only, on ports the OS picks.

Also runs a fault-injecting proxy in front of moto: a GetParametersByPath call whose Path ends in
`/throttled-N/` gets ThrottlingException for its first N calls, then is forwarded untouched.
"""

import http.client
import http.server
import json
import os
import re
import sys
import threading

os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"

import logging  # noqa: E402

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

REGION = "us-east-1"


def seed(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="seed", aws_secret_access_key="seed")
    iam = boto3.client("iam", **kw)
    ssm = boto3.client("ssm", **kw)
    kms = boto3.client("kms", **kw)

    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="read-parameters",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["ssm:GetParametersByPath", "ssm:GetParameter", "ssm:GetParameters",
                                               "kms:Decrypt", "logs:*", "sts:GetCallerIdentity"], "Resource": "*"},
            ],
        }),
    )
    keys = [iam.create_access_key(UserName="reader")["AccessKey"] for _ in range(2)]

    iam.create_user(UserName="denied")
    iam.put_user_policy(
        UserName="denied",
        PolicyName="no-ssm",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "*"}],
        }),
    )
    denied = iam.create_access_key(UserName="denied")["AccessKey"]

    # A role that web identity tokens may assume, allowed to read parameters.
    iam.create_role(
        RoleName="web-reader",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.example"},
                           "Action": "sts:AssumeRoleWithWebIdentity"}],
        }),
    )
    iam.put_role_policy(
        RoleName="web-reader",
        PolicyName="read-parameters",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["ssm:GetParametersByPath", "kms:Decrypt"], "Resource": "*"}],
        }),
    )

    # Temporary credentials for the metadata, container and web identity stubs to hand out: issued by moto's
    # STS for a role that may read parameters, so their session tokens are checked like real ones.
    iam.create_role(
        RoleName="instance-reader",
        AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}],
        }),
    )
    iam.put_role_policy(
        RoleName="instance-reader",
        PolicyName="read-parameters",
        PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["ssm:GetParametersByPath", "kms:Decrypt"], "Resource": "*"}],
        }),
    )
    sts = boto3.client("sts", **kw)
    temporary = [
        sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/instance-reader", RoleSessionName=f"s{i}", DurationSeconds=43200)["Credentials"]
        for i in range(2)
    ]

    key_id = kms.create_key(Description="skiff test parameters")["KeyMetadata"]["KeyId"]

    def put(name, value, kind="String"):
        args = dict(Name=name, Value=value, Type=kind, Overwrite=True)
        if kind == "SecureString":
            args["KeyId"] = key_id
        ssm.put_parameter(**args)

    # 37 parameters: four pages of ten.
    for i in range(37):
        put(f"/skiff-test/many/param_{i:02d}", f"value-{i}")
    # Types.
    put("/skiff-test/types/db_password", "s3cr3t-Value!$(whoami)", "SecureString")
    put("/skiff-test/types/hosts", "a.example,b.example,c.example", "StringList")
    put("/skiff-test/types/plain-name.with.dots", "dots")
    put("/skiff-test/types/9lives", "leading digit")
    # Nested paths for the two naming modes.
    put("/skiff-test/nested/db/host", "db.internal")
    put("/skiff-test/nested/db/port", "5432")
    put("/skiff-test/nested/cache/url", "redis://cache:6379")
    put("/skiff-test/nested/top_level", "top")
    # Two parameters whose tails collide.
    put("/skiff-test/collide/primary/host", "one")
    put("/skiff-test/collide/replica/host", "two")
    # Precedence.
    put("/skiff-test/precedence/log_level", "debug")
    put("/skiff-test/precedence/region_name", "eu-west-1")
    # Values that must survive export → eval unchanged.
    tricky = {
        "equals": "a=b=c",
        "single_quote": "it's",
        "double_quote": 'say "hi"',
        "command": "$(touch /tmp/skiff-pwned) `touch /tmp/skiff-pwned`",
        "dollar": "$HOME ${PATH} $1",
        "backslash": "C:\\path\\n\\t",
        "newline": "line one\nline two\n",
        "unicode": "naïve café — 東京 🚀",
        "spaces": "  padded  value  ",
        "semicolon": "x; rm -rf / #",
        "empty_like": " ",
    }
    for name, value in tricky.items():
        put(f"/skiff-test/tricky/{name}", value, "SecureString" if name == "command" else "String")
    # What `skiff serve` end-to-end tests load: settings that change what the server logs, and secrets.
    put("/skiff-test/serve/log_level", "debug")
    put("/skiff-test/serve/shutdown_grace_seconds", "7")
    put("/skiff-test/serve/db_password", "serve-secret-7f3a9d", "SecureString")
    put("/skiff-test/serve/api_token", "tok-9c1e55b2", "SecureString")
    # The gateway's routes and a routes-file account's key, as an operator stores them: YAML in one parameter.
    put(
        "/skiff-test/gateway/model_routes",
        "# house aliases\nproviders:\n  openai-team: {kind: openai, api_key_env: OPENAI_API_KEY_TEAM}\n"
        "models:\n  house-chat:\n    deployments:\n      - {provider: openai-team, model: gpt-4o-mini}\n",
    )
    put("/skiff-test/gateway/openai_api_key_team", "sk-team-ssm-8b41f0", "SecureString")
    # Paths the throttling proxy faults on.
    for n in (2, 99):
        put(f"/skiff-test/throttled-{n}/value", f"after-{n}")
    # 100 parameters for the boot benchmark.
    for i in range(100):
        put(f"/skiff-bench/app/setting_{i:03d}", f"bench-value-{i}", "SecureString" if i % 10 == 0 else "String")

    return {
        "reader": {"access_key_id": keys[0]["AccessKeyId"], "secret_access_key": keys[0]["SecretAccessKey"]},
        "reader2": {"access_key_id": keys[1]["AccessKeyId"], "secret_access_key": keys[1]["SecretAccessKey"]},
        "denied": {"access_key_id": denied["AccessKeyId"], "secret_access_key": denied["SecretAccessKey"]},
        "web_role_arn": "arn:aws:iam::123456789012:role/web-reader",
        **{
            f"temporary{i + 1}": {
                "access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"], "session_token": c["SessionToken"],
            }
            for i, c in enumerate(temporary)
        },
    }


class ThrottleProxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (host, port)
    counts = {}
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if re.search(rb'"Path":\s*"/skiff-test/empty-pages/?"', body):
            return self.empty_pages(body)
        match = re.search(rb'"Path":\s*"[^"]*/throttled-(\d+)/?"', body)
        if match:
            limit = int(match.group(1))
            key = match.group(0)
            with self.lock:
                seen = self.counts.get(key, 0)
                self.counts[key] = seen + 1
            if seen < limit:
                payload = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-ErrorType", "ThrottlingException")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
        self.forward(body)

    def send_json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def empty_pages(self, body):
        # SSM may return pages with no parameters that still carry a NextToken: two of those, then one value.
        token = json.loads(body).get("NextToken")
        if token is None:
            return self.send_json(200, {"Parameters": [], "NextToken": "skiff-empty-1"})
        if token == "skiff-empty-1":
            return self.send_json(200, {"Parameters": [], "NextToken": "skiff-empty-2"})
        return self.send_json(200, {"Parameters": [{"Name": "/skiff-test/empty-pages/after_empty", "Type": "String",
                                                    "Value": "found", "Version": 1}]})

    def forward(self, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {k: v for k, v in self.headers.items()}
        conn.request("POST", self.path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    users = seed(endpoint)

    # Signature checking on from here: every later call must be signed by a known key.
    conn = http.client.HTTPConnection(host, port)
    conn.request("POST", "/moto-api/reset-auth", body=b"0")
    assert conn.getresponse().status == 200
    conn.close()

    ThrottleProxy.upstream = (host, port)
    http.server.ThreadingHTTPServer.request_queue_size = 256
    http.server.ThreadingHTTPServer.daemon_threads = True
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ThrottleProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

    print(json.dumps({
        "endpoint": endpoint,
        "throttle_endpoint": f"http://127.0.0.1:{proxy.server_address[1]}",
        "region": REGION,
        **users,
    }), flush=True)
    sys.stdin.read()  # until the test process closes our stdin or exits
    proxy.shutdown()
    server.stop()


if __name__ == "__main__":
    main()
