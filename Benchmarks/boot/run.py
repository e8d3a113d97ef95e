"""Boot benchmark: process start → /health/ready 200 for `skiff serve` loading 100 SSM parameters, against
`aws ssm get-parameters-by-path --recursive --with-decryption` fetching the same 100 (what user data runs
today), both against one moto_server (signature checking on) in the same run.

Usage: make bench-boot   (or: .venv/bin/python Benchmarks/boot/run.py [--rounds N])
"""

import argparse
import http.client
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchlib import free_port  # noqa: E402  (shared with the other benchmarks)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv/bin/python"
SKIFF = ROOT / ".build/release/skiff"
AWS = ROOT / ".venv/bin/aws"
PATH = "/skiff-bench/app/"


def ready(port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/health/ready")
        status = conn.getresponse().status
        conn.close()
        return status == 200
    except OSError:
        return False


def time_skiff(env, model=False):
    """Start → ready; without a model (what the target is about: configuration boot), or with the default model."""
    port = free_port()
    env = dict(env, ML_SERVER_PORT=str(port), HOST="127.0.0.1", SSM_PARAMETER_PATH=PATH,
               MODEL_DIR=str(ROOT / "models"), EMBEDDING_MODEL="all-MiniLM-L6-v2" if model else "")
    started = time.perf_counter()
    process = subprocess.Popen([str(SKIFF), "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        while not ready(port):
            if process.poll() is not None:
                raise SystemExit(f"skiff exited: {process.stdout.read().decode()}")
            if time.perf_counter() - started > 30:
                raise SystemExit("skiff not ready after 30 s")
            time.sleep(0.001)
        elapsed = time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    count = next(json.loads(line).get("ssm.count") for line in output.splitlines() if "loaded configuration from SSM" in line)
    assert count == "100", f"skiff loaded {count} parameters"
    return elapsed


def time_awscli(env, endpoint):
    started = time.perf_counter()
    result = subprocess.run(
        [str(AWS), "ssm", "get-parameters-by-path", "--path", PATH, "--recursive", "--with-decryption",
         "--endpoint-url", endpoint, "--output", "json"],
        env=env, capture_output=True, check=True,
    )
    elapsed = time.perf_counter() - started
    count = len(json.loads(result.stdout)["Parameters"])
    assert count == 100, f"aws-cli fetched {count} parameters"
    return elapsed


def summary(samples):
    samples = sorted(samples)
    return {"median": statistics.median(samples), "min": samples[0], "p90": samples[int(0.9 * (len(samples) - 1))]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not SKIFF.exists():
        raise SystemExit("build first: swift build -c release")

    peer = subprocess.Popen([str(PYTHON), str(ROOT / "Tests/Peers/moto_peer.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    info = json.loads(peer.stdout.readline())
    try:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp",
            "AWS_ACCESS_KEY_ID": info["reader"]["access_key_id"], "AWS_SECRET_ACCESS_KEY": info["reader"]["secret_access_key"],
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": info["endpoint"],
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        }
        skiff, awscli, with_model = [], [], []
        time_skiff(env), time_skiff(env, model=True), time_awscli(env, info["endpoint"])  # warm the page cache
        for _ in range(args.rounds):
            skiff.append(time_skiff(env))
            awscli.append(time_awscli(env, info["endpoint"]))
            with_model.append(time_skiff(env, model=True))
    finally:
        peer.stdin.close()
        peer.wait(timeout=30)

    s, a, m = summary(skiff), summary(awscli), summary(with_model)
    print(f"boot with 100 SSM parameters from moto, {args.rounds} rounds, {os.cpu_count()} cores")
    print("| | median | min | p90 |")
    print("|---|---:|---:|---:|")
    print(f"| skiff serve: start → /health/ready 200 | {s['median'] * 1000:.1f} ms | {s['min'] * 1000:.1f} ms | {s['p90'] * 1000:.1f} ms |")
    print(f"| skiff serve with the default model loaded and warmed | {m['median'] * 1000:.1f} ms | {m['min'] * 1000:.1f} ms | {m['p90'] * 1000:.1f} ms |")
    print(f"| aws ssm get-parameters-by-path (fetch only) | {a['median'] * 1000:.1f} ms | {a['min'] * 1000:.1f} ms | {a['p90'] * 1000:.1f} ms |")
    ratio = s["median"] / a["median"]
    print(f"ratio skiff/aws-cli (median): {ratio:.3f}  (target < 0.200)  — aws-cli takes {1 / ratio:.1f}× as long")
    sys.exit(0 if ratio < 0.2 else 1)


if __name__ == "__main__":
    main()
