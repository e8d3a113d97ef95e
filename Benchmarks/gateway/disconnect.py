"""Client hang-ups: how long after a client closes its connection does the gateway's upstream see its own request
end? skiff against the LiteLLM proxy, on the gateway benchmark's mock upstream (Benchmarks/gateway/mock_upstream.py),
which records when (time.monotonic(), shared by every process on the machine) a connection closes with an answer
still unsent. The issue's requirement: within a second. Two cases, each with its own mock:

  before the first byte   non-streaming, the mock answers after --delay-ms (default 10 s); the client hangs up 1 s in
  mid-stream              streaming, the mock sends an event every --chunk-delay-ms (default 500 ms); the client hangs
                          up after the first event has reached it

A hang-up the upstream has not seen within --give-up seconds (default 12) counts as not passed on: the gateway let the
upstream call run (and bill) on. Prints a table and writes Benchmarks/results/gateway-disconnect.json.

Usage: .venv-bench/bin/python Benchmarks/gateway/disconnect.py [--rounds 5] [--targets skiff,litellm]
       [--skiff-bin .build/release/skiff]   (or: scripts/bench-gateway --disconnect [the same options])
"""

import argparse
import json
import pathlib
import socket
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import KEY, MODEL, ROOT, Failed, call, start_litellm, start_mock, start_skiff, stop  # noqa: E402

RESULTS = ROOT / "Benchmarks/results/gateway-disconnect.json"


def abandoned(mock_port):
    """When chat completions were abandoned (gateways may make other calls of their own, such as health checks)."""
    status, body = call(mock_port, "GET", "/_abandoned")
    if status != 200:
        raise Failed(f"mock: GET /_abandoned answered {status}")
    return [entry["at"] for entry in json.loads(body)["abandoned"] if entry["path"].endswith("/chat/completions")]


def hang_up(target_port, stream, read_first_event):
    """Sends one chat completion on a raw connection, waits, closes it; returns time.monotonic() at the close."""
    body = json.dumps({"model": MODEL, "stream": stream, "messages": [{"role": "user", "content": "a long answer"}]})
    connection = socket.create_connection(("127.0.0.1", target_port), timeout=10)
    connection.sendall((f"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode())
    if read_first_event:
        received = b""
        while b"data:" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                raise Failed("the gateway closed the stream before its first event")
            received += chunk
    else:
        time.sleep(1.0)
    connection.close()
    return time.monotonic()


def measure(target_port, mock_port, stream, rounds, give_up):
    """Milliseconds from each hang-up to the upstream seeing its request end (None: not within `give_up` s)."""
    latencies = []
    for _ in range(rounds):
        before = len(abandoned(mock_port))
        closed = hang_up(target_port, stream, read_first_event=stream)
        seen = None
        while seen is None and time.monotonic() - closed < give_up:
            times = abandoned(mock_port)
            if len(times) > before:
                seen = (times[before] - closed) * 1000
            else:
                time.sleep(0.002)
        latencies.append(seen)
        time.sleep(0.2)
    return latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="skiff,litellm", help="comma-separated subset of skiff,litellm")
    parser.add_argument("--rounds", type=int, default=5, help="hang-ups per target and case")
    parser.add_argument("--delay-ms", type=float, default=10000, help="mock's wait before the first byte (case 1)")
    parser.add_argument("--chunk-delay-ms", type=float, default=500, help="mock's gap between events (case 2)")
    parser.add_argument("--give-up", type=float, default=12, help="seconds after which a hang-up counts as not passed on")
    parser.add_argument("--litellm-workers", type=int, default=2)
    parser.add_argument("--skiff-bin", default=str(ROOT / ".build/release/skiff"))
    parser.add_argument("--skiff-log-level", default="warning")
    parser.add_argument("--skiff-env", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    cases = [("before the first byte", False, dict(delay_ms=args.delay_ms, chunk_delay_ms=0)),
             ("mid-stream", True, dict(delay_ms=0, chunk_delay_ms=args.chunk_delay_ms))]
    results, failed = [], False
    workdir = pathlib.Path(ROOT / "Benchmarks/results/disconnect-work")
    workdir.mkdir(parents=True, exist_ok=True)
    for case, stream, mock_options in cases:
        mock, mock_port, _ = start_mock(argparse.Namespace(delay_jitter_ms=0, **mock_options))
        try:
            for target in targets:
                start = {"skiff": lambda: start_skiff(args, mock_port),
                         "litellm": lambda: start_litellm(args, mock_port, workdir)}[target]
                try:
                    server = start()
                except Failed as error:
                    print(f"{target}: {error}", file=sys.stderr)
                    failed = True
                    continue
                try:
                    latencies = measure(server.port, mock_port, stream, args.rounds, args.give_up)
                finally:
                    server.close()
                seen = [ms for ms in latencies if ms is not None]
                row = {"target": target, "case": case, "rounds": len(latencies), "passed_on": len(seen),
                       "median_ms": statistics.median(seen) if seen else None, "max_ms": max(seen) if seen else None,
                       "latencies_ms": latencies}
                results.append(row)
                print(f"{target}, {case}: " + " ".join("never" if ms is None else f"{ms:.1f}" for ms in latencies)
                      + " ms", flush=True)
        finally:
            stop(mock)
    print("\n| target | case | hang-ups passed on | median ms | max ms |\n|---|---|---:|---:|---:|")
    for row in results:
        def ms(value):
            return "–" if value is None else f"{value:.1f}"
        print(f"| {row['target']} | {row['case']} | {row['passed_on']} of {row['rounds']} (within {args.give_up:.0f} s) "
              f"| {ms(row['median_ms'])} | {ms(row['max_ms'])} |")
    RESULTS.write_text(json.dumps({"give_up_s": args.give_up, "results": results}, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
