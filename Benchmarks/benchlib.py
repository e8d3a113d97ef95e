"""What the benchmark scripts share: wrk's result line, free ports, CPU load of the machine. Standard library only,
so every benchmark's Python (`.venv`, `.venv-bench`) can import it."""

import pathlib
import socket
import time

# wrk's `done` hook: one RESULT line of JSON. Each script's Lua counts answers it rejects in a per-thread "bad".
WRK_DONE = """
function done(s, latency, r)
  local nonok = 0
  for _, t in ipairs(threads) do nonok = nonok + t:get("bad") end
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"bad":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d}\\n', s.requests, s.duration, nonok, e.connect, e.read,
    e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


class Failed(Exception):
    """A target that could not be benchmarked; the run goes on with the others and exits non-zero."""


def cpu_busy(seconds=1.0):
    """Share of the machine's CPU time spent busy over `seconds`, from /proc/stat (idle and iowait count as idle)."""
    def sample():
        fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]
    (total0, idle0), _, (total1, idle1) = sample(), time.sleep(seconds), sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid):
    """A process and all its descendants (uvicorn's or LiteLLM's workers), from /proc."""
    parents = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            pass
    members, frontier = {pid}, [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        members.update(frontier)
    return members


def rss_mb(pid, field="VmRSS"):
    """Resident memory of a process tree, summed from /proc/<pid>/status."""
    total = 0
    for member in tree(pid):
        try:
            status = pathlib.Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith(field + ":")), 0)
    return total / 1024
