"""`flipside --help` and every command's `--help` work with no configuration, list
Flipside's own commands, and do not load the heavy libraries (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pyarrow", "pyreadstat", "scipy", "numpy", "opendp", "vl_convert")
FLASK_GENERIC = {"run", "shell", "routes"}


def run_bare(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """``python -c code`` with no Flipside setting at all in the environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FLIPSIDE_", "FLASK_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMTP_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def help_of(args: list[str]) -> str:
    """Code that prints ``flipside ARGS --help``, then the heavy modules it loaded."""
    return (
        "import sys\n"
        "from webapp.cli import main\n"
        "try:\n"
        f"    main.main(args={[*args, '--help']!r}, prog_name='flipside')\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )


def test_flipside_help_needs_no_configuration_and_lists_flipsides_commands(
    tmp_path: Path,
) -> None:
    result = run_bare(help_of([]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "configuration error" not in result.stdout + result.stderr
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    commands = {line.split()[0] for line in listed if line.startswith("  ") and line.split()}
    assert {"db", "demo", "users", "keys", "mix", "stats", "surveys", "queues"} <= commands
    assert not commands & FLASK_GENERIC
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["db"],
        ["db", "upgrade"],
        ["users"],
        ["users", "token", "create"],
        ["people", "import"],
        ["firms"],
        ["aggregates", "verify"],
        ["export"],
        ["surveys", "launch"],
        ["keys", "generate"],
        ["mix"],
        ["queues"],
        ["serve"],
        ["demo"],
        ["plan", "show"],
        ["plan", "declare"],
    ],
)
def test_every_help_works_with_no_configuration_and_stays_light(
    args: list[str], tmp_path: Path
) -> None:
    result = run_bare(help_of(args), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Usage: flipside {' '.join(args)}")
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_stats_help_works_with_no_configuration(tmp_path: Path) -> None:
    result = run_bare(help_of(["stats"]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "two-sample" in result.stdout


def test_a_command_that_needs_the_app_still_names_the_missing_setting(tmp_path: Path) -> None:
    code = "from webapp.cli import main\nmain.main(args=['db', 'current'], prog_name='flipside')\n"
    result = run_bare(code, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("flipside: configuration error: SECRET_KEY is required")
