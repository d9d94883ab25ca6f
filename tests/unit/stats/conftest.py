"""Factories for running the ``stats`` command line on temporary CSV files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from webapp.cli.stats import stats

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


WriteCsv = Callable[[Sequence[str], Sequence[Sequence[object]]], Path]
RunCli = Callable[..., Outcome]


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write a header and rows to a fresh CSV file and return its path."""
    counter = iter(range(1_000_000))

    def write(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
        path = tmp_path / f"data{next(counter)}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path

    return write


def _in_process(args: Sequence[str], env: dict[str, str] | None) -> Outcome:
    result = CliRunner().invoke(stats, list(args), env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _subprocess(args: Sequence[str], env: dict[str, str] | None) -> Outcome:
    full_env = {k: v for k, v in os.environ.items() if k != "FLIPSIDE_MIN_GROUP_SIZE"}
    full_env.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "webapp.cli.stats", *args],
        cwd=REPO_ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


@pytest.fixture(params=["click-runner", "subprocess"])
def run_cli(request: pytest.FixtureRequest) -> RunCli:
    """Run ``stats`` in-process with CliRunner, and again as ``python -m webapp.cli.stats``."""
    runner = _in_process if request.param == "click-runner" else _subprocess

    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        return runner(args, env)

    return run


@pytest.fixture
def run_in_process() -> RunCli:
    """Run ``stats`` in-process only (for the many bad-input cases)."""

    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        return _in_process(args, env)

    return run


@pytest.fixture(autouse=True)
def _no_inherited_min_group_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLIPSIDE_MIN_GROUP_SIZE", raising=False)
