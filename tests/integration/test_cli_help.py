"""`flipside --help` and every command's `--help` work with no configuration, list
Flipside's own commands, and do not load the heavy libraries (issue 14)."""

from __future__ import annotations

import json
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


HELPS = [
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
]

#: One bare process walks every help in turn (a cold interpreter per help cost most
#: of this file's time): each help's text, exit code and the heavy modules loaded so
#: far (cumulative, so a heavy import is caught at the first help that makes it).
WALK = f"""
import contextlib, io, json, sys
from webapp.cli import main
out = []
for args in {HELPS!r}:
    text = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(text):
        try:
            main.main(args=[*args, "--help"], prog_name="flipside")
        except SystemExit as exc:
            code = exc.code or 0
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
    out.append({{"text": text.getvalue(), "code": code, "heavy": heavy}})
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    result = run_bare(WALK, tmp_path_factory.mktemp("helps"))
    assert result.returncode == 0, result.stderr
    walked = json.loads(result.stdout.strip().splitlines()[-1])
    return {" ".join(args): found for args, found in zip(HELPS, walked, strict=True)}


@pytest.mark.parametrize("args", HELPS, ids=[" ".join(a) for a in HELPS])
def test_every_help_works_with_no_configuration_and_stays_light(
    args: list[str], helps: dict[str, dict[str, object]]
) -> None:
    found = helps[" ".join(args)]
    assert found["code"] == 0
    assert str(found["text"]).startswith(f"Usage: flipside {' '.join(args)}")
    assert found["heavy"] == []


def test_stats_help_works_with_no_configuration(tmp_path: Path) -> None:
    result = run_bare(help_of(["stats"]), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "two-sample" in result.stdout


def test_a_command_that_needs_the_app_still_names_the_missing_setting(tmp_path: Path) -> None:
    code = "from webapp.cli import main\nmain.main(args=['db', 'current'], prog_name='flipside')\n"
    result = run_bare(code, tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("flipside: configuration error: SECRET_KEY is required")


def test_flipside_help_imports_neither_flask_nor_sqlalchemy(tmp_path: Path) -> None:
    """`flipside --help` starts in a fraction of a second: the command list is a table."""
    code = help_of([]).replace(
        f"{HEAVY!r}", repr(("flask", "werkzeug", "sqlalchemy", "alembic", "jinja2", "surveys"))
    )
    result = run_bare(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_table_says_what_each_command_says_of_itself() -> None:
    from webapp.cli import TABLE, command

    for name, (_, line) in TABLE.items():
        real = command(name)
        assert real.name == name
        assert (real.help or "").strip().splitlines()[0] == line, name
