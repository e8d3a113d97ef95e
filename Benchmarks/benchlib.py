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
