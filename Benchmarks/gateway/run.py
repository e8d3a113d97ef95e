"""Gateway benchmark: OpenAI chat completions (`POST /v1/chat/completions`, model gpt-4o-mini) three ways against the
same fast mock upstream (Benchmarks/gateway/mock_upstream.py), in one run, one target after the other (2 cores):

  direct    straight to the mock: the floor every gateway adds to;
  skiff     `skiff serve` proxying to the mock as its OpenAI upstream (OPENAI_BASE_URL);
  litellm   the LiteLLM proxy (`litellm --config …`, 2 uvicorn workers), the gateway users would pick instead,
            offline: local model cost map, telemetry off, no database, no spend logs.

For each target, non-streaming and streaming (`"stream": true`) at concurrency 1, 16 and 64, wrk measures
requests/s and p50/p99 latency of the full response (each answer checked: 200 and a complete body). wrk can't see
the first byte of a stream, so a small asyncio client measures time to first byte (TTFB: the first `data:` event of
the body, since bare headers prove nothing) in its own closed-loop run at the same concurrency. Each gateway's time
from launch to ready and its resident memory after the load (VmRSS over its process tree) are recorded too.
Prints a markdown table and the ratios that matter, and writes Benchmarks/results/gateway.json (each server's
output goes to Benchmarks/results/gateway-<target>.log).

skiff runs as `skiff serve` with ML_SERVER_PORT=<free port>, HOST=127.0.0.1, EMBEDDING_MODEL= and REQUIRED_MODELS=
(no local model), OPENAI_API_KEY=bench, OPENAI_BASE_URL=http://127.0.0.1:<mock port>/v1, LOG_LEVEL=warning, and
.deps/onnxruntime/lib on LD_LIBRARY_PATH when present; it is ready when GET /health/ready answers 200.

Usage: make bench-gateway
   or: .venv-bench/bin/python Benchmarks/gateway/run.py [--targets direct,skiff,litellm] [--duration 5]
       [--ttfb-duration 3] [--warmup 2] [--delay-ms 0] [--delay-jitter-ms 0] [--chunk-delay-ms 0] [--litellm-workers 2]
       [--skiff-bin .build/release/skiff] [--skiff-env NAME=VALUE …] [--api chat|responses] [--repeat 1]
       (needs wrk: apt-get install wrk; scripts/bench-gateway makes .venv-bench, then runs this with any arguments)
"""

import argparse
import asyncio
import http.client
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchlib import WRK_DONE, Failed, cpu_busy, free_port, rss_mb, tree  # noqa: E402  (shared with the other benchmarks)

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV = ROOT / ".venv-bench"
RESULTS = ROOT / "Benchmarks/results/gateway.json"
LOGS = ROOT / "Benchmarks/results"  # gateway-<target>.log: each server's output from the last run
TARGETS = ("direct", "skiff", "litellm")
CONCURRENCY = (1, 16, 64)
READY_LAUNCHES = 5
MODES = ("non-stream", "stream")
PATH = "/v1/chat/completions"
MODEL = "gpt-4o-mini"
KEY = "bench"
MESSAGES = [{"role": "user", "content": "hello there"}]
BODIES = {"non-stream": json.dumps({"model": MODEL, "messages": MESSAGES}),
          "stream": json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True})}
# What a complete answer contains: wrk counts every other answer (and every non-200) as a failure.
COMPLETE = {"non-stream": '"chat.completion"', "stream": "data: [DONE]"}
# What marks a stream's first event for TTFB.
FIRST = b"data:"
LITELLM_MODEL = "openai/" + MODEL


def use_responses_api():
    """--api responses: OpenAI's Responses API (`POST /v1/responses`) to a model both gateways reach by translation
    to the mock's chat completions (DeepSeek's, as neither passes it through): skiff and LiteLLM only, as the mock
    has no Responses API of its own. TTFB is taken at the first text delta, since a Responses stream opens with
    lifecycle events (`response.created`) that a gateway may send before the upstream has answered."""
    global PATH, MODEL, BODIES, COMPLETE, FIRST, LITELLM_MODEL
    PATH, MODEL, LITELLM_MODEL = "/v1/responses", "deepseek-chat", "deepseek/deepseek-chat"
    BODIES = {"non-stream": json.dumps({"model": MODEL, "input": MESSAGES}),
              "stream": json.dumps({"model": MODEL, "input": MESSAGES, "stream": True})}
    COMPLETE = {"non-stream": '"output_text"', "stream": "response.completed"}
    FIRST = b"response.output_text.delta"

sys.path.insert(0, str(HERE))
from mock_upstream import answer  # noqa: E402  (the text every target must hand back)

ANSWER = answer()  # --repeat makes it longer

# wrk script: one pre-built request, counts answers that are not 200 or not complete, prints one RESULT line.
LUA = """
local body, complete = [==[@BODY@]==], [==[@COMPLETE@]==]
local request_bytes, threads = nil, {}
bad = 0  -- a global, so that done() can read each thread's count with thread:get()
function setup(thread) table.insert(threads, thread) end
function init(args)
  request_bytes = wrk.format("POST", "@PATH@", {["Content-Type"] = "application/json",
                                               ["Authorization"] = "Bearer @KEY@"}, body)
end
function request() return request_bytes end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, complete, 1, true) then bad = bad + 1 end
end
""" + WRK_DONE


def call(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                       "Authorization": f"Bearer {KEY}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- processes -------------------------------------------------------------------------------------------------

def cpu_seconds(pid):
    """User + system CPU time of a process tree so far (live members only), from /proc/<pid>/stat."""
    ticks = 0
    for member in tree(pid):
        try:
            fields = pathlib.Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, ValueError, IndexError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds():
    """CPU time the whole machine has spent busy since boot (all but idle and iowait), from /proc/stat."""
    fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def our_cpu_seconds(pids):
    """CPU time of the benchmark itself: these process trees, this process, and its waited-for children (wrk)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (sum(cpu_seconds(pid) for pid in pids) + own.ru_utime + own.ru_stime + children.ru_utime
            + children.ru_stime)


def stop(process):
    """SIGTERM, then SIGKILL after 30 s. Every server starts in a session of its own (start_new_session), so
    whatever it leaves behind (a worker) is still in its process group, which is then killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Server:
    """A started server: its process, port, log file, and how long it took from launch to ready."""

    def __init__(self, name, command, env, port, log_path, cwd=ROOT):
        self.name, self.port, self.log_path = name, port, log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(log_path, "wb")
        env = dict(env, PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=os.environ.get("HOME", "/tmp"))
        self.started = time.perf_counter()
        self.process = subprocess.Popen([str(c) for c in command], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready, what, limit=120):
        """Polls `ready()` until true; returns seconds since launch. Raises Failed if the process dies or times out."""
        while True:
            try:
                if ready():
                    return time.perf_counter() - self.started
            except OSError:
                pass
            if self.process.poll() is not None:
                raise Failed(f"{self.name} exited with {self.process.returncode}:\n{self.output()[-4000:]}")
            if time.perf_counter() - self.started > limit:
                raise Failed(f"{self.name} not ready ({what}) after {limit} s:\n{self.output()[-4000:]}")
            time.sleep(0.005)

    def close(self):
        stop(self.process)
        self.log.close()


def start_mock(args):
    """The mock upstream; it prints {"port": N} once listening."""
    command = [sys.executable, HERE / "mock_upstream.py", "--port", "0", "--delay-ms", args.delay_ms,
               "--delay-jitter-ms", args.delay_jitter_ms, "--chunk-delay-ms", args.chunk_delay_ms,
               "--repeat", getattr(args, "repeat", 1)]
    started = time.perf_counter()
    process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, cwd=ROOT, start_new_session=True)
    line = process.stdout.readline()
    if not line:
        stop(process)
        raise SystemExit("mock_upstream.py exited before listening")
    return process, json.loads(line)["port"], time.perf_counter() - started


def start_skiff(args, upstream):
    binary = pathlib.Path(args.skiff_bin).resolve()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise Failed(f"skiff binary not found at {binary}: build it first (make release)")
    port = free_port()
    env = {"ML_SERVER_PORT": str(port), "HOST": "127.0.0.1", "EMBEDDING_MODEL": "", "REQUIRED_MODELS": "",
           "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": f"http://127.0.0.1:{upstream}/v1",
           "DEEPSEEK_API_KEY": KEY, "DEEPSEEK_BASE_URL": f"http://127.0.0.1:{upstream}/v1",
           "LOG_LEVEL": args.skiff_log_level}
    env.update(item.split("=", 1) for item in args.skiff_env)
    ort = ROOT / ".deps/onnxruntime/lib"
    library_path = [str(ort)] if ort.is_dir() else []
    library_path += [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p]
    if library_path:
        env["LD_LIBRARY_PATH"] = ":".join(library_path)
    # skiff starts in tens of milliseconds, so one launch mostly measures the page cache: launch it
    # READY_LAUNCHES times and report the median (the first, cold, launch is kept too).
    launches = []
    for attempt in range(READY_LAUNCHES):
        server = Server("skiff", [binary, "serve"], env, port, LOGS / "gateway-skiff.log")
        try:
            server.ready_s = server.wait_until(lambda: call(port, "GET", "/health/ready", timeout=5)[0] == 200,
                                               "GET /health/ready 200")
        except BaseException:
            server.close()
            raise
        launches.append(server.ready_s)
        if attempt < READY_LAUNCHES - 1:
            server.close()
    server.cold_ready_s = launches[0]
    server.ready_s = sorted(launches)[len(launches) // 2]
    server.ready_probe = f"GET /health/ready 200, median of {READY_LAUNCHES} launches (first: {launches[0] * 1000:.0f} ms)"
    return server


LITELLM_CONFIG = """# written by Benchmarks/gateway/run.py
model_list:
  - model_name: {model}
    litellm_params:
      model: {litellm_model}
      api_base: http://127.0.0.1:{upstream}/v1
      api_key: {key}
litellm_settings:
  telemetry: false
  set_verbose: false
general_settings:
  disable_spend_logs: true
  disable_error_logs: true
"""


# uvicorn's own logging for LiteLLM: lifecycle lines ("Application startup complete.", "Child process … died") at
# INFO, so that worker start-ups and restarts can be counted; the per-request access log off, as LITELLM_LOG=ERROR
# would have it.
UVICORN_LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
                "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False}},
}


def start_litellm(args, upstream, workdir):
    binary = VENV / "bin/litellm"
    if not binary.exists():
        raise Failed(f"{binary} not found: run scripts/bench-gateway (or make bench-gateway) to install LiteLLM")
    config = workdir / "litellm.yaml"
    config.write_text(LITELLM_CONFIG.format(model=MODEL, litellm_model=LITELLM_MODEL, upstream=upstream, key=KEY))
    log_config = workdir / "uvicorn-log.json"
    log_config.write_text(json.dumps(UVICORN_LOG_CONFIG))
    port = free_port()
    # Offline and quiet: the bundled model cost map instead of fetching it from GitHub (LiteLLM's default, retried
    # at every start), no Hugging Face downloads, telemetry off, LITELLM_LOG=ERROR (LiteLLM's production advice; the
    # log config above keeps uvicorn's access log off too), no database (no DATABASE_URL: no spend tracking, no
    # virtual keys), no master key (no client auth, like skiff here). Checked with strace: loopback connects only.
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR", "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    command = [binary, "--config", config, "--host", "127.0.0.1", "--port", port,
               "--num_workers", args.litellm_workers, "--telemetry", "False", "--log_config", log_config]
    server = Server("litellm", command, env, port, LOGS / "gateway-litellm.log", cwd=workdir)
    try:
        # Ready = /health/readiness answers 200 and every worker has logged "Application startup complete.": the
        # first 200 only proves that one worker is up (all share the parent's socket); others may still be importing.
        server.first_ready_s = server.wait_until(
            lambda: call(port, "GET", "/health/readiness", timeout=5)[0] == 200, "GET /health/readiness 200")
        server.ready_s = server.wait_until(
            lambda: server.output().count("Application startup complete.") >= args.litellm_workers,
            f"{args.litellm_workers} workers started")
    except BaseException:
        server.close()
        raise
    server.ready_probe = (f"GET /health/readiness 200 and {args.litellm_workers}× 'Application startup complete.' "
                          "in the log")
    return server


# --- checks and load -------------------------------------------------------------------------------------------

def check_answers(port):
    """One request of each kind outside the load: the answer must carry the mock's text (a stream, in its deltas,
    ending with [DONE]). Returns what was seen, including how many content events the stream had."""
    if PATH == "/v1/responses":
        return check_responses(port)
    status, body = call(port, "POST", PATH, BODIES["non-stream"])
    try:
        content = json.loads(body)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        content = None
    if status != 200 or content != ANSWER:
        raise Failed(f"non-streaming answer {status}: {body[:500]!r}; expected the mock's text")
    status, body = call(port, "POST", PATH, BODIES["stream"])
    events, text, done, content_events = body.decode(errors="replace").split("\n\n"), [], False, 0
    for event in events:
        data = "".join(line[5:].strip() for line in event.splitlines() if line.startswith("data:"))
        if data == "[DONE]":
            done = True
        elif data:
            try:
                delta = (json.loads(data).get("choices") or [{}])[0].get("delta") or {}
            except (ValueError, AttributeError):
                raise Failed(f"stream event is not JSON: {data[:300]!r}")
            if delta.get("content"):
                content_events += 1
                text.append(delta["content"])
    if status != 200 or "".join(text) != ANSWER or not done:
        raise Failed(f"streaming answer {status} (text {''.join(text)!r}, [DONE] {done}): {body[:500]!r}")
    return {"non_stream_ok": True, "stream_ok": True, "stream_content_events": content_events}


def check_responses(port):
    """check_answers for the Responses API: the text in the message item, and in a stream's text deltas, which ends
    with response.completed."""
    status, body = call(port, "POST", PATH, BODIES["non-stream"])
    try:
        items = json.loads(body)["output"]
        text = "".join(part.get("text", "") for item in items if item.get("type") == "message" for part in item["content"])
    except (ValueError, KeyError, TypeError):
        text = None
    if status != 200 or text != ANSWER:
        raise Failed(f"non-streaming response {status}: {body[:500]!r}; expected the mock's text")
    status, body = call(port, "POST", PATH, BODIES["stream"])
    deltas, completed = [], False
    for event in body.decode(errors="replace").split("\n\n"):
        data = "".join(line[5:].strip() for line in event.splitlines() if line.startswith("data:"))
        try:  # LiteLLM ends a Responses stream with chat's [DONE] too
            parsed = json.loads(data) if data and data != "[DONE]" else {}
        except ValueError:
            raise Failed(f"stream event is not JSON: {data[:300]!r}")
        if parsed.get("type") == "response.output_text.delta":
            deltas.append(parsed["delta"])
        completed = completed or parsed.get("type") == "response.completed"
    if status != 200 or "".join(deltas) != ANSWER or not completed:
        raise Failed(f"streaming response {status} (text {''.join(deltas)!r}, completed {completed}): {body[:500]!r}")
    return {"non_stream_ok": True, "stream_ok": True, "stream_content_events": len(deltas)}


def lua_script(mode, workdir):
    path = workdir / f"chat-{mode}.lua"
    path.write_text(LUA.replace("@BODY@", BODIES[mode]).replace("@COMPLETE@", COMPLETE[mode])
                    .replace("@PATH@", PATH).replace("@KEY@", KEY))
    return path


def wrk(port, mode, concurrency, seconds, workdir):
    """One wrk run; `failures` counts non-200s, incomplete answers, socket errors and timeouts."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s", "--latency",
               "-s", str(lua_script(mode, workdir)), f"http://127.0.0.1:{port}{PATH}"]
    done = subprocess.run(command, capture_output=True, text=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    if done.returncode or line is None:
        raise Failed(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    r = json.loads(line[len("RESULT "):])
    return {"requests": r["requests"], "requests_per_s": r["requests"] / (r["duration_us"] / 1e6),
            "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "failures": r["bad"] + r["connect"] + r["read"] + r["write"] + r["timeout"]}


def percentile(samples, p):
    """Nearest-rank percentile of a sorted list, in ms."""
    if not samples:
        return None
    return 1000 * samples[min(len(samples) - 1, max(0, round(p / 100 * len(samples)) - 1))]


async def exchange(reader, writer, request, mode="stream"):
    """One request on an open connection: (seconds until the body's first `data:` event has arrived, seconds to the
    end, answer complete (200 and `COMPLETE[mode]` in the body), connection reusable). Decodes Content-Length and
    chunked bodies."""
    started = time.perf_counter()
    writer.write(request)
    while True:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        if status >= 200:  # skips 100 Continue
            break
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    body, first = bytearray(), None
    if "chunked" in headers.get("transfer-encoding", ""):
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the empty line
                    pass
                break
            body += (await reader.readexactly(size + 2))[:-2]
            if first is None and FIRST in body:
                first = time.perf_counter()
    else:
        remaining = int(headers.get("content-length", "0"))
        while remaining > 0:
            data = await reader.read(min(remaining, 65536))
            if not data:
                raise asyncio.IncompleteReadError(bytes(body), remaining)
            body += data
            remaining -= len(data)
            if first is None and FIRST in body:
                first = time.perf_counter()
    ended = time.perf_counter()
    complete = status == 200 and COMPLETE[mode].encode() in body
    return (first - started if first else None), ended - started, complete, headers.get("connection") != "close"


async def closed_loop(port, mode, concurrency, seconds):
    """`concurrency` keep-alive connections each send the mode's request back to back for `seconds`, from one asyncio
    client. Returns the sorted seconds to the first event (streams) and to the end of each complete answer, failures,
    and the run's length."""
    body = BODIES[mode].encode()
    request = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
               f"Authorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    firsts, totals, failures = [], [], 0
    deadline = time.perf_counter() + seconds

    async def connection():
        nonlocal failures
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                first, total, complete, reusable = await asyncio.wait_for(exchange(reader, writer, request, mode), 30)
            except (OSError, EOFError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    asyncio.TimeoutError):
                failures += 1
                reusable, complete = False, None
                await asyncio.sleep(0.01)
            if complete:
                if first is not None:  # a non-streamed answer has no event
                    firsts.append(first)
                totals.append(total)
            elif complete is False:
                failures += 1
            if not reusable and writer is not None:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    firsts.sort()
    totals.sort()
    return firsts, totals, failures, elapsed


def run_closed_loop(port, mode, concurrency, seconds):
    try:
        import uvloop
        return uvloop.run(closed_loop(port, mode, concurrency, seconds))
    except ImportError:
        return asyncio.run(closed_loop(port, mode, concurrency, seconds))


def ttfb(port, concurrency, seconds):
    """Time to first byte of the streaming request, and the asyncio client's view of the whole answer."""
    firsts, totals, failures, elapsed = run_closed_loop(port, "stream", concurrency, seconds)
    return {"ttfb_p50_ms": percentile(firsts, 50), "ttfb_p99_ms": percentile(firsts, 99),
            "ttfb_client_requests": len(totals), "ttfb_client_requests_per_s": len(totals) / elapsed,
            "ttfb_client_p50_ms": percentile(totals, 50), "ttfb_client_failures": failures}


def asyncio_load(port, mode, concurrency, seconds):
    """The closed loop from one asyncio client, in wrk's result shape (`tail.py --client asyncio`): the requests of
    its connections leave one after the other as its event loop gets to them, as an SDK client sends them."""
    _, totals, failures, elapsed = run_closed_loop(port, mode, concurrency, seconds)
    if not totals:
        raise Failed(f"no complete {mode} answer from port {port} in {seconds} s ({failures} failures)")
    return {"requests": len(totals), "requests_per_s": len(totals) / elapsed, "p50_ms": percentile(totals, 50),
            "p99_ms": percentile(totals, 99), "failures": failures}


def bench_target(name, port, pid, mock_pid, args, workdir):
    """Every cell against one target. `pid` is the process tree whose CPU time and memory are the target's.
    Each cell also records `other_cpu_cores`: CPU used meanwhile by anything but the target, the mock and wrk
    (another build, another benchmark), in cores; on 2 cores anything above ~0.1 disturbs the numbers."""
    result = {"check": check_answers(port), "rss_mb_ready": rss_mb(pid), "runs": []}
    for mode in MODES:
        if args.warmup:
            wrk(port, mode, 16, args.warmup, workdir)
        for concurrency in CONCURRENCY:
            if args.warmup:
                wrk(port, mode, concurrency, 1, workdir)
            cpu_before, ours_before, machine_before = cpu_seconds(pid), our_cpu_seconds({pid, mock_pid}), \
                machine_cpu_seconds()
            started = time.perf_counter()
            run = {"mode": mode, "concurrency": concurrency}
            run.update(wrk(port, mode, concurrency, args.duration, workdir))
            elapsed = time.perf_counter() - started
            run["server_cpu_ms_per_request"] = 1000 * (cpu_seconds(pid) - cpu_before) / max(run["requests"], 1)
            other = (machine_cpu_seconds() - machine_before) - (our_cpu_seconds({pid, mock_pid}) - ours_before)
            run["other_cpu_cores"] = max(0.0, other / elapsed)
            if mode == "stream":
                run.update(ttfb(port, concurrency, args.ttfb_duration))
                run["failures"] += run["ttfb_client_failures"]
            print(f"  {name}: {mode} c={concurrency}: {run['requests_per_s']:.0f} req/s, p50 {run['p50_ms']:.2f} ms, "
                  f"p99 {run['p99_ms']:.2f} ms" + (f", TTFB p50 {run['ttfb_p50_ms']:.2f} ms" if mode == "stream"
                                                   and run["ttfb_p50_ms"] is not None else "")
                  + f", failures {run['failures']}", file=sys.stderr)
            result["runs"].append(run)
    result["rss_mb_loaded"] = rss_mb(pid)
    result["rss_mb_peak"] = rss_mb(pid, "VmHWM")
    result["processes"] = len(tree(pid))
    return result


# --- report ----------------------------------------------------------------------------------------------------

def fmt(value, digits=2):
    return "–" if value is None else f"{value:.{digits}f}"


def cell(results, target, mode, concurrency):
    return next((r for r in results.get(target, {}).get("runs", [])
                 if (r["mode"], r["concurrency"]) == (mode, concurrency)), None)


def report(results):
    rows = ["| target | mode | concurrency | requests/s | p50 ms | p99 ms | TTFB p50 ms | TTFB p99 ms | "
            "server CPU ms/request | other CPU cores | failures |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    disturbed = []
    for target in TARGETS:
        for r in results.get(target, {}).get("runs", []):
            rows.append(f"| {target} | {r['mode']} | {r['concurrency']} | {r['requests_per_s']:.0f} | "
                        f"{fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | {fmt(r.get('ttfb_p50_ms'))} | "
                        f"{fmt(r.get('ttfb_p99_ms'))} | {fmt(r['server_cpu_ms_per_request'], 3)} | "
                        f"{r['other_cpu_cores']:.2f} | {r['failures']} |")
            if r["other_cpu_cores"] > 0.1:
                disturbed.append(f"{target} {r['mode']} c={r['concurrency']}")
    print("\n".join(rows))
    print("server CPU: user + system time of the target's own processes per request (direct: the mock; a gateway: "
          "without the mock). other CPU: cores busy with anything but the target, the mock and wrk during the run.")
    if disturbed:
        print(f"DISTURBED: other processes used more than 0.1 core during {', '.join(disturbed)}: "
              "rerun those on an idle machine")
    print()

    rows = ["| target | launch → ready ms | ready when | RSS ready MB | RSS after load MB | processes |",
            "|---|---:|---|---:|---:|---:|"]
    for target in TARGETS:
        if t := results.get(target):
            rows.append(f"| {target} | {t['ready_s'] * 1000:.0f} | {t['ready_probe']} | {t['rss_mb_ready']:.0f} | "
                        f"{t['rss_mb_loaded']:.0f} | {t['processes']} |")
    print("\n".join(rows) + "\n")

    ratios = {}

    def best(target, mode):
        runs = [r for r in results.get(target, {}).get("runs", []) if r["mode"] == mode]
        return max(runs, key=lambda r: r["requests_per_s"]) if runs else None

    for mode in MODES:
        skiff64, direct64 = cell(results, "skiff", mode, 64), cell(results, "direct", mode, 64)
        if skiff64 and direct64:
            ratios[f"skiff_added_p99_ms_c64_{mode}"] = skiff64["p99_ms"] - direct64["p99_ms"]
            print(f"skiff added p99 latency vs direct at c=64, {mode}: "
                  f"{ratios[f'skiff_added_p99_ms_c64_{mode}']:+.2f} ms "
                  f"({skiff64['p99_ms']:.2f} vs {direct64['p99_ms']:.2f})")
        skiff_best, litellm_best = best("skiff", mode), best("litellm", mode)
        if skiff_best and litellm_best and not litellm_best["requests_per_s"]:
            # A long answer (--repeat) can outlast the run: in-flight requests are not counted.
            print(f"skiff best req/s ÷ LiteLLM best req/s, {mode}: LiteLLM completed no request within a "
                  f"{results['duration_s']} s run (skiff: {skiff_best['requests_per_s']:.0f} req/s)")
        elif skiff_best and litellm_best:
            ratios[f"skiff_over_litellm_rps_{mode}"] = skiff_best["requests_per_s"] / litellm_best["requests_per_s"]
            print(f"skiff best req/s ÷ LiteLLM best req/s, {mode}: {ratios[f'skiff_over_litellm_rps_{mode}']:.1f}× "
                  f"({skiff_best['requests_per_s']:.0f} at c={skiff_best['concurrency']} vs "
                  f"{litellm_best['requests_per_s']:.0f} at c={litellm_best['concurrency']})")
    for concurrency in CONCURRENCY:
        skiff, direct = cell(results, "skiff", "stream", concurrency), cell(results, "direct", "stream", concurrency)
        if skiff and direct and skiff.get("ttfb_p50_ms") is not None and direct.get("ttfb_p50_ms") is not None:
            ratios[f"skiff_added_ttfb_p50_ms_c{concurrency}"] = skiff["ttfb_p50_ms"] - direct["ttfb_p50_ms"]
            ratios[f"skiff_added_ttfb_p99_ms_c{concurrency}"] = skiff["ttfb_p99_ms"] - direct["ttfb_p99_ms"]
    if "skiff_added_ttfb_p50_ms_c1" in ratios:
        print(f"skiff TTFB − direct TTFB, streaming at c=1: p50 {ratios['skiff_added_ttfb_p50_ms_c1']:+.2f} ms, "
              f"p99 {ratios['skiff_added_ttfb_p99_ms_c1']:+.2f} ms "
              f"(c=64: p50 {ratios.get('skiff_added_ttfb_p50_ms_c64', float('nan')):+.2f} ms)")
    for target in ("skiff", "litellm"):
        if t := results.get(target):
            ratios[f"{target}_ready_ms"] = t["ready_s"] * 1000
            print(f"{target} launch → ready: {t['ready_s'] * 1000:.0f} ms ({t['ready_probe']}); "
                  f"RSS after load {t['rss_mb_loaded']:.0f} MB over {t['processes']} processes")
    if "litellm" in results:
        ratios["litellm_first_worker_ready_ms"] = results["litellm"]["first_ready_s"] * 1000
        if restarts := results["litellm"].get("worker_restarts"):
            print(f"litellm: uvicorn restarted a worker {restarts}× during the run (see gateway-litellm.log)")

    failures = sum(r["failures"] for t in TARGETS for r in results.get(t, {}).get("runs", []))
    if failures:
        print(f"FAILED: {failures} requests were not answered 200 with a complete body (or failed on the socket)")
    if results["failed"]:
        print(f"FAILED: could not benchmark {', '.join(results['failed'])} (see above)")
    results.update(ratios=ratios, failures=failures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return failures == 0 and not results["failed"]


def main():
    parser = argparse.ArgumentParser(description="Gateway benchmark: direct, skiff and LiteLLM against one mock "
                                                 "OpenAI upstream (see this file's docstring).")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated subset of direct,skiff,litellm")
    parser.add_argument("--api", choices=("chat", "responses"), default="chat",
                        help="chat completions (default), or the Responses API translated to chat (no direct target)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    parser.add_argument("--ttfb-duration", type=int, default=3, help="seconds per TTFB run (streaming cells)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up load per mode (and 1 s per cell)")
    parser.add_argument("--delay-ms", type=float, default=0, help="mock: wait before the first byte of each answer")
    parser.add_argument("--delay-jitter-ms", type=float, default=0,
                        help="mock: spread that wait uniformly over delay ± this (real providers' latencies vary)")
    parser.add_argument("--chunk-delay-ms", type=float, default=0, help="mock: wait between a stream's events")
    parser.add_argument("--repeat", type=int, default=1,
                        help="mock: answer with its twenty words this many times (a long answer: 20 × N chunks)")
    parser.add_argument("--litellm-workers", type=int, default=2)
    parser.add_argument("--skiff-bin", default=str(ROOT / ".build/release/skiff"))
    parser.add_argument("--skiff-log-level", default="warning", help="skiff's LOG_LEVEL (LiteLLM runs at ERROR)")
    parser.add_argument("--skiff-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for skiff (repeatable), e.g. a gateway setting")
    args = parser.parse_args()
    global ANSWER
    ANSWER = answer(args.repeat)
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    if args.api == "responses":
        use_responses_api()
        targets = [t for t in targets if t != "direct"]
    if unknown := set(targets) - set(TARGETS):
        parser.error(f"unknown targets {', '.join(sorted(unknown))}; choose from {', '.join(TARGETS)}")
    if bad := [item for item in args.skiff_env if "=" not in item]:
        parser.error(f"--skiff-env wants NAME=VALUE, got {', '.join(bad)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")

    busy = cpu_busy()
    results = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(), "cpu_busy_at_start": busy,
               "duration_s": args.duration, "ttfb_duration_s": args.ttfb_duration, "delay_ms": args.delay_ms,
               "delay_jitter_ms": args.delay_jitter_ms, "chunk_delay_ms": args.chunk_delay_ms, "repeat": args.repeat, "concurrency": list(CONCURRENCY), "model": MODEL, "api": args.api,
               "litellm_workers": args.litellm_workers}
    print(f"gateway benchmark: {', '.join(targets)}; {os.cpu_count()} cores, {args.duration} s per wrk run, "
          f"{args.ttfb_duration} s per TTFB run, upstream delay {args.delay_ms:g} ms"
          + (f" ± {args.delay_jitter_ms:g} ms" if args.delay_jitter_ms else "")
          + (f" — CPU {100 * busy:.0f}% busy before starting: numbers are indicative only" if busy > 0.1 else ""))
    failed = {}
    mock, upstream, mock_ready = start_mock(args)
    try:
        with tempfile.TemporaryDirectory(prefix="skiff-bench-gateway-") as tmp:
            workdir = pathlib.Path(tmp)
            for name in (t for t in TARGETS if t in targets):
                server = None
                try:
                    if name == "direct":
                        port, pid = upstream, mock.pid
                        extra = {"ready_s": mock_ready, "ready_probe": "mock printed its port"}
                    else:
                        server = (start_skiff if name == "skiff" else start_litellm)(
                            args, upstream, *((workdir,) if name == "litellm" else ()))
                        port, pid = server.port, server.process.pid
                        extra = {"ready_s": server.ready_s, "ready_probe": server.ready_probe}
                        if name == "litellm":
                            extra["first_ready_s"] = server.first_ready_s
                    print(f"  {name}: ready in {extra['ready_s'] * 1000:.0f} ms on port {port}", file=sys.stderr)
                    results[name] = dict(extra, **bench_target(name, port, pid, mock.pid, args, workdir))
                    if name == "litellm":
                        results[name]["worker_restarts"] = len(re.findall(r"Child process \[\d+\] died",
                                                                          server.output()))
                        results[name]["version"] = subprocess.run(
                            [VENV / "bin/python", "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                            capture_output=True, text=True).stdout.strip()
                except Failed as error:
                    failed[name] = str(error)
                    print(f"{name}: FAILED: {error}", file=sys.stderr)
                finally:
                    if server:
                        server.close()
        results["mock"] = {"rss_mb": rss_mb(mock.pid), "port": upstream}
    finally:
        stop(mock)
    results["failed"] = failed
    sys.exit(0 if report(results) else 1)


if __name__ == "__main__":
    main()
