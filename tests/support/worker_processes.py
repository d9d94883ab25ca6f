"""Real `dramatiq workers` processes for fault tests and the benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcesses:
    """`dramatiq workers` (plus ``modules``) against ``redis_url`` and ``database_url``.

    Each start is a new process group, so SIGKILL reaches the forked workers too.
    Output goes to a file: a full pipe would stall a chatty worker.
    """

    def __init__(
        self,
        redis_url: str,
        database_url: str,
        log_dir: Path,
        *,
        queues: tuple[str, ...] = ("aggregation", "outbox", "reports"),
        processes: int = 1,
        threads: int = 4,
        modules: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.redis_url, self.database_url, self.log_dir = redis_url, database_url, log_dir
        self.queues, self.processes, self.threads = queues, processes, threads
        self.modules, self.extra_env = modules, env or {}
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, cwd: Path | None = None, **env_overrides: str) -> subprocess.Popen[bytes]:
        """One more `dramatiq workers` process group (``env_overrides`` for this one only),
        in ``cwd`` (default: the repository)."""
        env = {
            **os.environ,
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": "w" * 40,
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
            **env_overrides,
        }
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dramatiq",
                "workers",
                *self.modules,
                "--processes",
                str(self.processes),
                "--threads",
                str(self.threads),
                "--queues",
                *self.queues,
            ],
            cwd=cwd or ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the whole group: no graceful shutdown, no requeue, no acks."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=15)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(proc)
                except ProcessLookupError:
                    pass
        self.procs.clear()

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )
