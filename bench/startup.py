"""Start-up: `flipside --help`, and how fast gunicorn replaces a worker that died.

    .venv/bin/python bench/startup.py [--runs 10] [--kills 5]

1. ``flipside --help`` (the installed script) against a bare ``python -c pass``,
   each run ``--runs`` times in turn: wall time and CPU time (user + system of the
   child, from the kernel's accounting), medians, and the ratio.
2. A worker killed with SIGKILL under gunicorn with one worker, with the production
   recipe's ``--config deploy/gunicorn.conf.py`` (preload: the master forks the
   replacement) and without it (the replacement imports the app): the time from the
   kill until ``/healthz`` answers again, ``--kills`` times each, alternating.

Everything runs on loopback against a throw-away SQLite instance folder (embedded
mode), removed at the end. Left out: a busy site (requests queued while the
replacement starts) and Redis mode (the replacement's imports are the same).
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (CPU from the kernel's child rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def help_times(runs: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLIPSIDE_")}
    bare = [sys.executable, "-c", "pass"]
    helper = [str(BIN / "flipside"), "--help"]
    results: dict[str, list[tuple[float, float]]] = {"bare": [], "help": []}
    for _ in range(runs):
        results["bare"].append(timed(bare, env))
        results["help"].append(timed(helper, env))
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        print(f"  {name:<5} median wall {wall * 1000:7.1f} ms   CPU {cpu * 1000:7.1f} ms")
    ratio = statistics.median(r[1] for r in results["help"]) / max(
        statistics.median(r[1] for r in results["bare"]), 1e-6
    )
    print(f"  flipside --help costs {ratio:.1f}x the CPU of a bare interpreter")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status in (200, 503)
    except OSError:
        return False
    finally:
        conn.close()


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]


def replacement_time(preload: bool, kills: int, env: dict[str, str]) -> list[float]:
    port = free_port()
    config = ["--config", str(ROOT / "deploy" / "gunicorn.conf.py")] if preload else []
    cmd = [str(BIN / "gunicorn"), *config, "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    master = subprocess.Popen([*cmd, "webapp.wsgi:app"], cwd=ROOT, env=env)
    times: list[float] = []
    try:
        deadline = time.monotonic() + 180
        while not answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 180 s")
            time.sleep(0.05)
        for _ in range(kills):
            (pid,) = worker_pids(master.pid)
            os.kill(pid, signal.SIGKILL)
            start = time.perf_counter()
            while worker_pids(master.pid) == [pid] or not answers(port):
                if time.perf_counter() - start > 180:
                    raise RuntimeError("no replacement worker within 180 s")
                time.sleep(0.005)
            times.append(time.perf_counter() - start)
    finally:
        master.terminate()
        master.wait(30)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    print(f"flipside --help against python -c pass ({args.runs} runs each):")
    help_times(args.runs)
    with tempfile.TemporaryDirectory(prefix="flipside-bench-startup-") as instance:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("FLIPSIDE_")},
            "FLIPSIDE_DEMO": "1",
            "FLIPSIDE_INSTANCE_PATH": instance,
        }
        env.pop("REDIS_URL", None)
        env.pop("DATABASE_URL", None)
        subprocess.run([str(BIN / "flipside"), "db", "upgrade"], env=env, check=True)
        print(f"a worker SIGKILLed under gunicorn: kill -> /healthz answers ({args.kills} each)")
        found: dict[str, list[float]] = {"with preload": [], "without": []}
        for _ in range(2):  # alternate, so drifting load hits both alike
            found["without"] += replacement_time(False, (args.kills + 1) // 2, env)
            found["with preload"] += replacement_time(True, (args.kills + 1) // 2, env)
        for name, rows in found.items():
            print(
                f"  {name:<13} median {statistics.median(rows) * 1000:8.1f} ms   "
                f"max {max(rows) * 1000:8.1f} ms"
            )
        ratio = statistics.median(found["without"]) / statistics.median(found["with preload"])
        print(f"  preload replaces a worker {ratio:.0f}x faster")
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
