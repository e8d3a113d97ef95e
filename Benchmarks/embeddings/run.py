"""Embeddings benchmark: skiff's `POST /embed`, `POST /classify` and `POST /analyze` against the FastAPI + ONNX
Runtime service users run today, on the same model in the same run (one after the other, never together: 2 cores),
with wrk as the load generator, and `/embed` against ONNX Runtime alone (no HTTP) at batch 32 as the ceiling. Both
servers must agree on /classify and /analyze answers. Prints markdown tables and the ratios, and writes
Benchmarks/results/embeddings.json.

Usage: .venv/bin/python Benchmarks/embeddings/run.py [--duration 10] [--warmup 2] [--skiff-bin .build/release/skiff]
       [--fastapi-workers 1] [--only fastapi|skiff|raw] [--endpoints embed,classify,analyze]
       (needs wrk: apt-get install wrk)
"""

import argparse
import http.client
import json
import math
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchlib import WRK_DONE, Failed, cpu_busy, free_port, rss_mb  # noqa: E402  (shared with the other benchmarks)

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = ROOT / ".venv/bin/python"
MODEL = ROOT / "models/all-MiniLM-L6-v2/1"
RESULTS = ROOT / "Benchmarks/results/embeddings.json"
SENTENCES = (HERE / "sentences.txt").read_text().splitlines()
# Per endpoint, the measured runs as (sentences per request, concurrency); /classify and /analyze take one text.
RUNS = {"embed": [(n, c) for n in (1, 8) for c in (1, 8, 32)], "classify": [(1, 1), (1, 32)],
        "analyze": [(1, 1), (1, 32)]}
PARITY = 1e-3  # largest difference allowed between the servers' classification scores and risk scores
# /classify and /analyze parity texts: 7 of the pool (which has almost no urgency cues) and the spec's worked example.
PARITY_TEXTS = SENTENCES[:7] + ["There is a fire in the building and people are trapped"]
TARGETS = {"speedup": 2.0, "ceiling": 0.85, "ready_s": 1.0, "rss_mb": 250}

# wrk script: rotates pre-built bodies, counts any status but 200, and prints one RESULT line of JSON at the end.
LUA = """
local bodies = {BODIES}
local requests, i, threads = {}, 0, {}
bad = 0  -- a global, so that done() can read each thread's count with thread:get()
function setup(thread) table.insert(threads, thread) end
function init(args)
  for k, body in ipairs(bodies) do
    requests[k] = wrk.format("POST", "/ENDPOINT", {["Content-Type"] = "application/json"}, body)
  end
end
function request() i = i % #requests + 1; return requests[i] end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
""" + WRK_DONE


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body and json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start(name, command, env, port, ready_path, log):
    """Starts a server and returns (process, seconds from process start until ready_path answers 200)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        while True:
            try:
                if call(port, "GET", ready_path)[0] == 200:
                    return process, time.perf_counter() - started
            except OSError:
                pass
            if process.poll() is not None:
                log.seek(0)
                raise Failed(f"{name} exited with {process.returncode}:\n{log.read().decode()[-4000:]}")
            if time.perf_counter() - started > 120:
                raise Failed(f"{name} not ready on {ready_path} after 120 s")
            time.sleep(0.002)
    except BaseException:
        stop(process)
        raise


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def body(endpoint, texts):
    """A request to `endpoint` for consecutive sentences of the pool (/classify and /analyze use the first)."""
    if endpoint == "classify":
        return {"text": texts[0]}
    if endpoint == "analyze":
        return {"text": texts[0], "severity": "high"}
    return {"inputs": texts[0] if len(texts) == 1 else texts, "normalize": True}


def lua_script(endpoint, per_request):
    """A wrk script whose bodies are 64 windows of `per_request` consecutive sentences of the pool."""
    bodies = []
    for k in range(len(SENTENCES)):
        texts = [SENTENCES[(k + j) % len(SENTENCES)] for j in range(per_request)]
        bodies.append(f"[==[{json.dumps(body(endpoint, texts))}]==]")
    path = pathlib.Path(tempfile.gettempdir()) / f"skiff-bench-{endpoint}-{per_request}.lua"
    path.write_text(LUA.replace("ENDPOINT", endpoint).replace("BODIES", ",\n".join(bodies)))
    return path


def wrk(port, endpoint, concurrency, per_request, duration):
    """One wrk run; returns its numbers, with `failures` counting non-200s, socket errors and timeouts."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{duration}s", "--timeout", "30s", "--latency",
               "-s", str(lua_script(endpoint, per_request)), f"http://127.0.0.1:{port}/{endpoint}"]
    done = subprocess.run(command, capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise Failed(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    r = json.loads(line[len("RESULT "):])
    seconds = r["duration_us"] / 1e6
    return {"endpoint": endpoint, "concurrency": concurrency, "per_request": per_request, "requests": r["requests"],
            "requests_per_s": r["requests"] / seconds, "sentences_per_s": r["requests"] * per_request / seconds,
            "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "failures": r["bad"] + r["connect"] + r["read"] + r["write"] + r["timeout"]}


def check_embeddings(port):
    """One request outside the load: 8 sentences in, 8 unit vectors out. Returns them for the cross-check."""
    try:
        status, body = call(port, "POST", "/embed", {"inputs": SENTENCES[:8], "normalize": True})
    except OSError as error:
        raise Failed(f"/embed: {error}") from error
    vectors = json.loads(body) if status == 200 else None
    if not (vectors and len(vectors) == 8 and all(abs(math.hypot(*v) - 1) < 1e-3 for v in vectors)):
        raise Failed(f"/embed answered {status} with {body[:300]!r}; expected 8 unit vectors")
    return vectors


def check_task(port, endpoint):
    """/classify or /analyze for each of PARITY_TEXTS, one request each, outside the load. Returns, per text, what
    the servers must agree on: {"top": top label, "scores": label → score}, or {"top": risk level, "scores":
    {"risk": risk score}}."""
    answers = []
    for text in PARITY_TEXTS:
        try:
            status, raw = call(port, "POST", f"/{endpoint}", body(endpoint, [text]))
        except OSError as error:
            raise Failed(f"/{endpoint}: {error}") from error
        try:
            answer = json.loads(raw) if status == 200 else {}
            if endpoint == "classify":
                scores = dict(zip(answer["labels"], answer["scores"], strict=True))
                answers.append({"top": answer["labels"][0], "scores": scores})
            else:
                answers.append({"top": answer["risk"]["level"], "scores": {"risk": answer["risk"]["score"]}})
        except (ValueError, LookupError, TypeError):
            raise Failed(f"/{endpoint} answered {status} with {raw[:300]!r}") from None
    return answers


def compare(skiff, fastapi):
    """The parity check on check_task's answers: the same top label and scores within PARITY for /classify, the
    same risk level and score within PARITY for /analyze. Returns the largest score difference per endpoint."""
    differences, mismatches = {}, []
    for endpoint in ("classify", "analyze"):
        for text, a, b in zip(PARITY_TEXTS, skiff.get(endpoint, []), fastapi.get(endpoint, [])):
            same_keys = a["scores"].keys() == b["scores"].keys()
            diff = max(abs(a["scores"][k] - b["scores"][k]) for k in a["scores"]) if same_keys else math.inf
            differences[endpoint] = max(differences.get(endpoint, 0), diff)
            if a["top"] != b["top"] or diff > PARITY:
                mismatches.append(f"/{endpoint} {text!r}: skiff {a}, fastapi {b}")
    if mismatches:
        raise Failed("skiff and fastapi disagree:\n" + "\n".join(mismatches))
    return differences


def bench_server(name, command, env, port, ready_path, args):
    env = dict(env, PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=os.environ.get("HOME", "/tmp"))
    with tempfile.TemporaryFile() as log:
        process, ready = start(name, [str(c) for c in command], env, port, ready_path, log)
        try:
            result, answers = {"ready_s": ready, "runs": []}, {}
            for endpoint in args.endpoints:
                answers[endpoint] = check_embeddings(port) if endpoint == "embed" else check_task(port, endpoint)
                if args.warmup:
                    wrk(port, endpoint, 8, 1, args.warmup)
                result.setdefault("rss_mb_warm", rss_mb(process.pid))  # after the first check and warm-up
                for per_request, concurrency in RUNS[endpoint]:
                    if args.warmup:
                        wrk(port, endpoint, concurrency, per_request, 1)
                    run = wrk(port, endpoint, concurrency, per_request, args.duration)
                    print(f"  {name}: /{endpoint} c={concurrency} n={per_request}: {run['sentences_per_s']:.1f} "
                          f"sentences/s, p99 {run['p99_ms']:.1f} ms, failures {run['failures']}", file=sys.stderr)
                    result["runs"].append(run)
            result["rss_mb_loaded"] = rss_mb(process.pid)
            result["rss_mb_peak"] = rss_mb(process.pid, "VmHWM")
        finally:
            stop(process)
    return result, answers


def bench_skiff(args):
    binary = pathlib.Path(args.skiff_bin).resolve()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise Failed(f"skiff binary not found at {binary}: build it first (make release)")
    port = free_port()
    env = {"HOST": "127.0.0.1", "ML_SERVER_PORT": str(port), "MODEL_DIR": str(ROOT / "models"), "LOG_LEVEL": "warning",
           "LD_LIBRARY_PATH": str(ROOT / ".deps/onnxruntime/lib")}
    env.update(item.split("=", 1) for item in args.skiff_env)
    return bench_server("skiff", [binary, "serve"], env, port, "/health/ready", args)


def bench_fastapi(args):
    port = free_port()
    command = [PYTHON, HERE / "fastapi_peer.py", "--port", port, "--workers", args.fastapi_workers, "--model", MODEL]
    return bench_server("fastapi", command, {}, port, "/health", args)


def bench_raw(args):
    """The issue's ceiling (batches of 32 as they come) and, for comparison, length-sorted batches of 16."""
    results = []
    for batch, extra, label in (("32", [], ""), ("16", ["--sorted"], ", length-sorted")):
        print(f"  raw: ONNX Runtime in-process at batch {batch}{label}", file=sys.stderr)
        done = subprocess.run([PYTHON, HERE / "raw_ort.py", "--batch", batch, "--duration", str(args.duration),
                               "--warmup", str(args.warmup), "--model", MODEL, "--json", *extra],
                              capture_output=True, text=True)
        if done.returncode:
            raise Failed(f"raw_ort.py exited with {done.returncode}:\n{done.stderr[-4000:]}")
        results.append(json.loads(done.stdout)[0])
    raw, raw_sorted = results
    return dict(raw, length_sorted=raw_sorted), None


def runs(results, name, endpoint):
    return [r for r in results.get(name, {}).get("runs", []) if r["endpoint"] == endpoint]


def report(results):
    rows = ["| server | concurrency | sentences/request | requests/s | sentences/s | p50 ms | p99 ms |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("skiff", "fastapi"):
        for r in runs(results, name, "embed"):
            rows.append(f"| {name} | {r['concurrency']} | {r['per_request']} | {r['requests_per_s']:.1f} | "
                        f"{r['sentences_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    if raw := results.get("raw"):
        for label, r in (("raw ORT, no HTTP", raw), ("raw ORT, length-sorted", raw.get("length_sorted"))):
            if r:
                rows.append(f"| {label} | – | {r['batch']} | {r['batches_per_s']:.1f} | "
                            f"{r['sentences_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    if len(rows) > 2:
        print("\n".join(rows) + "\n")
    rows = ["| endpoint | server | concurrency | requests/s | p50 ms | p99 ms |", "|---|---|---:|---:|---:|---:|"]
    for endpoint in ("classify", "analyze"):
        for name in ("skiff", "fastapi"):
            for r in runs(results, name, endpoint):
                rows.append(f"| /{endpoint} | {name} | {r['concurrency']} | {r['requests_per_s']:.1f} | "
                            f"{r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    if len(rows) > 2:
        print("\n".join(rows) + "\n")

    def at(name, endpoint, concurrency, per_request=1):
        return next((r for r in runs(results, name, endpoint)
                     if (r["concurrency"], r["per_request"]) == (concurrency, per_request)), None)

    checks, skiff = {}, results.get("skiff")
    if at("skiff", "embed", 32) and at("fastapi", "embed", 32):
        checks["speedup"] = at("skiff", "embed", 32)["sentences_per_s"] / at("fastapi", "embed", 32)["sentences_per_s"]
        print(f"skiff/fastapi sentences/s at c=32, 1 sentence/request: {checks['speedup']:.2f}× "
              f"(target ≥ {TARGETS['speedup']}×)")
        if sorted_raw := results.get("raw", {}).get("length_sorted"):
            needed = TARGETS["speedup"] * at("fastapi", "embed", 32)["sentences_per_s"]
            print(f"  the target needs {needed:.0f} sentences/s; ONNX Runtime alone on length-sorted batches does "
                  f"{sorted_raw['sentences_per_s']:.0f} ({100 * needed / sorted_raw['sentences_per_s']:.0f}% of it)")
    for endpoint in ("classify", "analyze"):
        if (ours := at("skiff", endpoint, 32)) and (theirs := at("fastapi", endpoint, 32)):
            ratios = {"throughput": ours["requests_per_s"] / theirs["requests_per_s"],
                      "p99": ours["p99_ms"] / theirs["p99_ms"]}
            results.setdefault("endpoint_ratios", {})[endpoint] = ratios
            print(f"skiff/fastapi /{endpoint} at c=32: {ratios['throughput']:.2f}× requests/s, "
                  f"{ratios['p99']:.2f}× p99")
    if runs(results, "skiff", "embed") and results.get("raw"):
        best = max(runs(results, "skiff", "embed"), key=lambda r: r["sentences_per_s"])
        checks["ceiling"] = best["sentences_per_s"] / results["raw"]["sentences_per_s"]
        print(f"skiff at saturation (c={best['concurrency']}, {best['per_request']}/request) vs raw ORT at batch 32: "
              f"{100 * checks['ceiling']:.0f}% (target ≥ {100 * TARGETS['ceiling']:.0f}%)")
    for name, server in (("skiff", skiff), ("fastapi", results.get("fastapi"))):
        if server:
            print(f"{name}: start → ready {server['ready_s'] * 1000:.0f} ms; RSS {server['rss_mb_warm']:.0f} MB "
                  f"warm, {server['rss_mb_loaded']:.0f} MB after load, peak {server['rss_mb_peak']:.0f} MB")
    if skiff:
        checks["ready_s"] = skiff["ready_s"]
        checks["rss_mb"] = max(skiff["rss_mb_warm"], skiff["rss_mb_loaded"])
        print(f"skiff targets: ready ≤ {TARGETS['ready_s']} s, RSS ≤ {TARGETS['rss_mb']} MB")
    if "cosine_min" in results:
        print(f"skiff vs fastapi embeddings of the same 8 sentences: minimum cosine {results['cosine_min']:.6f}")
    for endpoint, diff in results.get("parity", {}).items():
        print(f"skiff vs fastapi /{endpoint} on the same {len(PARITY_TEXTS)} texts: in agreement, largest score "
              f"difference {diff:.1e} (≤ {PARITY})")

    met = {k: (v >= TARGETS[k] if k in ("speedup", "ceiling") else v <= TARGETS[k]) for k, v in checks.items()}
    failures = sum(r["failures"] for name in ("skiff", "fastapi") for r in results.get(name, {}).get("runs", []))
    if failures:
        print(f"FAILED: {failures} requests were not answered 200 (or failed on the socket)")
    if results["failed"]:
        print(f"FAILED: {', '.join(results['failed'])} (see above)")
    if missed := [k for k, ok in met.items() if not ok]:
        print(f"targets missed: {', '.join(missed)}")
    results.update(ratios=checks, targets=TARGETS, targets_met=met, failures=failures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return failures == 0 and all(met.values())


def endpoints(value):
    """--endpoints: a comma-separated subset of RUNS, run in RUNS' order."""
    chosen = set(value.split(","))
    if not chosen <= set(RUNS):
        raise argparse.ArgumentTypeError(f"unknown endpoint in {value!r}; choose from {','.join(RUNS)}")
    return [endpoint for endpoint in RUNS if endpoint in chosen]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up load before measuring")
    parser.add_argument("--skiff-bin", default=str(ROOT / ".build/release/skiff"))
    parser.add_argument("--fastapi-workers", type=int, default=1)
    parser.add_argument("--only", choices=["skiff", "fastapi", "raw"])
    parser.add_argument("--skiff-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for skiff (repeatable), e.g. ML_PARALLEL_RUNS=1 to compare settings")
    parser.add_argument("--endpoints", type=endpoints, default=list(RUNS),
                        help=f"comma-separated, of {','.join(RUNS)} (default: all)")
    args = parser.parse_args()
    if bad := [item for item in args.skiff_env if "=" not in item]:
        raise SystemExit(f"--skiff-env takes NAME=VALUE, got {bad}")
    if args.only != "raw" and not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")

    busy = cpu_busy()
    results = {"cores": os.cpu_count(), "cpu_busy_at_start": busy, "duration_s": args.duration,
               "fastapi_workers": args.fastapi_workers, "endpoints": args.endpoints}
    print(f"embeddings benchmark, {MODEL.parent.name}, {os.cpu_count()} cores, {args.duration} s per run"
          + (f" — CPU {100 * busy:.0f}% busy before starting: numbers are indicative only" if busy > 0.1 else ""))
    answers, failed = {}, {}
    for name, bench in (("skiff", bench_skiff), ("fastapi", bench_fastapi), ("raw", bench_raw)):
        if args.only in (None, name) and (name != "raw" or "embed" in args.endpoints):
            try:
                results[name], answers[name] = bench(args)
            except Failed as error:
                failed[name] = str(error)
                print(f"{name}: FAILED: {error}", file=sys.stderr)
    answers.pop("raw", None)
    if len(answers) == 2:
        if "embed" in args.endpoints:
            pairs = zip(answers["skiff"]["embed"], answers["fastapi"]["embed"])
            results["cosine_min"] = min(sum(a * b for a, b in zip(u, v)) for u, v in pairs)
        try:
            results["parity"] = compare(answers["skiff"], answers["fastapi"])
        except Failed as error:
            failed["parity"] = str(error)
            print(f"parity: FAILED: {error}", file=sys.stderr)
    results["failed"] = failed
    sys.exit(0 if report(results) and not failed else 1)


if __name__ == "__main__":
    main()
