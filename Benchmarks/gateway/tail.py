"""The lock-step tail: what skiff adds to p99 latency at 64 connections when the upstream answers after a fixed delay,
measured round after round against the mock alone, for one skiff build or several in alternation (an A/B of a change).

With a fixed delay, wrk's 64 connections stay in step: their requests reach skiff within a millisecond of one another,
so p99 is the last request of a burst, and on this 2-core machine one run's figure moves by 2 ms or more from one run
to the next. One run proves little; this script repeats the comparison (direct, then each build, same mock, same
minute) and reports each round's addition (skiff's p99 minus direct's p99 of that round) and the median over rounds,
with each build's CPU per request: the whole process, and its libcurl driver thread (`skiff-curl`), which every
request crosses twice. Prints a table and writes Benchmarks/results/gateway-tail.json.

`--client asyncio` drives the same closed loop from one asyncio client (uvloop) instead of wrk: as many connections,
as much in step, but their requests leave one after the other as the client's event loop gets to them, where wrk
writes a burst's requests within a fraction of a millisecond. It shows whether an addition is wrk's burst shape.

Usage: .venv-bench/bin/python Benchmarks/gateway/tail.py [--rounds 8] [--duration 5] [--delay-ms 50]
       [--delay-jitter-ms 0] [--modes non-stream,stream] [--concurrency 64] [--client wrk|asyncio]
       [--skiff-bin BIN …]
       (or: scripts/bench-gateway --tail [the same options]; several --skiff-bin alternate within each round)
"""

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import (MODES, ROOT, Failed, asyncio_load, check_answers, cpu_seconds, start_mock, start_skiff,  # noqa: E402
                 stop, wrk)

RESULTS = ROOT / "Benchmarks/results/gateway-tail.json"
DRIVER_THREAD = "skiff-curl"


def driver_cpu_seconds(pid):
    """CPU time of skiff's libcurl driver thread so far (0 before its first outbound request starts it)."""
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            if (task / "comm").read_text().strip() == DRIVER_THREAD:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            continue
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--duration", type=int, default=5, help="seconds per measured wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load on each target before the rounds")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of non-stream,stream")
    parser.add_argument("--client", choices=("wrk", "asyncio"), default="wrk",
                        help="the load generator: wrk, or one asyncio client with as many connections")
    parser.add_argument("--delay-ms", type=float, default=50, help="mock: wait before the first byte of each answer")
    parser.add_argument("--delay-jitter-ms", type=float, default=0, help="mock: spread the wait uniformly by ± this")
    parser.add_argument("--chunk-delay-ms", type=float, default=0, help="mock: wait between a stream's events")
    parser.add_argument("--skiff-bin", action="append", default=[],
                        help="a skiff binary (repeat to alternate builds; default .build/release/skiff)")
    parser.add_argument("--skiff-log-level", default="warning")
    args = parser.parse_args()
    binaries = args.skiff_bin or [str(ROOT / ".build/release/skiff")]
    basenames = [pathlib.Path(b).name for b in binaries]
    names = basenames if len(set(basenames)) == len(basenames) else binaries
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        parser.error(f"--modes: choose from {','.join(MODES)}")
    load = wrk if args.client == "wrk" else lambda port, mode, concurrency, seconds, _: asyncio_load(
        port, mode, concurrency, seconds)

    mock, mock_port, _ = start_mock(args)
    servers = []
    try:
        for binary in binaries:
            server = start_skiff(argparse.Namespace(skiff_bin=binary, skiff_log_level=args.skiff_log_level,
                                                    skiff_env=[]), mock_port)
            servers.append(server)
            check_answers(server.port)
        rows = {(name, mode): {"added_ms": [], "cpu_ms": [], "driver_us": [], "failures": 0}
                for name in names for mode in modes}
        direct = {mode: [] for mode in modes}
        direct_failures = 0
        with tempfile.TemporaryDirectory() as work:
            work = pathlib.Path(work)
            for mode in modes:
                for port in [mock_port] + [s.port for s in servers]:
                    load(port, mode, args.concurrency, args.warmup, work)
            for round_number in range(1, args.rounds + 1):
                for mode in modes:
                    floor = load(mock_port, mode, args.concurrency, args.duration, work)
                    direct[mode].append(floor["p99_ms"])
                    direct_failures += floor["failures"]
                    line = [f"round {round_number} {mode}: direct p99 {floor['p99_ms']:.2f} ms"]
                    for name, server in zip(names, servers):
                        pid = server.process.pid
                        cpu0, driver0 = cpu_seconds(pid), driver_cpu_seconds(pid)
                        result = load(server.port, mode, args.concurrency, args.duration, work)
                        cpu, driver = cpu_seconds(pid) - cpu0, driver_cpu_seconds(pid) - driver0
                        row = rows[(name, mode)]
                        row["added_ms"].append(result["p99_ms"] - floor["p99_ms"])
                        row["cpu_ms"].append(cpu * 1000 / max(result["requests"], 1))
                        row["driver_us"].append(driver * 1e6 / max(result["requests"], 1))
                        row["failures"] += result["failures"]
                        line.append(f"{name} {result['p99_ms']:.2f} ms (+{row['added_ms'][-1]:.2f})")
                    print(", ".join(line), flush=True)
    except Failed as failure:
        print(f"failed: {failure}", file=sys.stderr)
        return 1
    finally:
        for server in servers:
            server.close()
        stop(mock)

    delay = f"{args.delay_ms:g} ms" + (f" ± {args.delay_jitter_ms:g}" if args.delay_jitter_ms else " (fixed)")
    print(f"\nc={args.concurrency} ({args.client}), upstream delay {delay}, {args.rounds} rounds of {args.duration} s; "
          "added = skiff p99 − direct p99 of the same round\n")
    print("| build | mode | added to p99, by round (ms) | median added | CPU ms/request | driver thread µs/request "
          "| failed |")
    print("|---|---|---|---:|---:|---:|---:|")
    summary = []
    for (name, mode), row in rows.items():
        by_round = ", ".join(f"{v:+.2f}" for v in row["added_ms"])
        median, cpu, driver = (statistics.median(row[k]) for k in ("added_ms", "cpu_ms", "driver_us"))
        driver_cell = f"{driver:.1f}" if driver else "–"  # builds before the thread was named: not found
        print(f"| {name} | {mode} | {by_round} | **{median:+.2f}** | {cpu:.3f} | {driver_cell} | {row['failures']} |")
        summary.append({"build": name, "mode": mode, **row, "median_added_ms": median})
    medians = ", ".join(f"{mode} {statistics.median(direct[mode]):.2f} ms" for mode in modes)
    print(f"\ndirect p99, median over rounds: {medians}; failed requests direct: {direct_failures}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"arguments": vars(args), "direct_p99_ms": direct, "rows": summary}, indent=2))
    failed = direct_failures + sum(row["failures"] for row in rows.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
