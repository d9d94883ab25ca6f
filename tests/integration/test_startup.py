"""Bad configuration stops the process with one clear line naming the variable, no traceback."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.support.demo_world import DemoWorld
from webapp.cli import main
from workers import runtime

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k" * 40


FLIPSIDE = [sys.executable, "-c", "from webapp.cli import main; main()"]
FLASK = [sys.executable, "-m", "flask", "--app", "webapp"]


def flipside(
    args: list[str],
    env: dict[str, str],
    tmp_path: Path,
    timeout: int = 60,
    script: list[str] = FLIPSIDE,
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FLIPSIDE_DEMO", "SMTP_URL"}
    }
    clean.update({"FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"), **env})
    return subprocess.run(
        [*script, *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout if args[:1] != ["demo"] else max(timeout, 240),
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgresql://"}, "DATABASE_URL"),
        ({"SECRET_KEY": GOOD_SECRET, "REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({}, "SECRET_KEY"),
        (
            {"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/flipside"},
            "DATABASE_URL",
        ),
    ],
)
def test_a_bad_setting_stops_the_command_with_one_line(
    env: dict[str, str], named: str, tmp_path: Path
) -> None:
    result = flipside(["db", "upgrade"], env, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "Traceback" not in result.stderr


def test_the_wsgi_entry_point_stops_with_one_line_on_an_unreachable_database(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        {
            "SECRET_KEY": GOOD_SECRET,
            "FLIPSIDE_INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/flipside",
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", "import webapp.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("flipside: DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_the_demo_migrates_loads_and_prints_a_login(tmp_path: Path) -> None:
    env = {"FLIPSIDE_DEMO": "1"}
    assert flipside(["db", "upgrade"], env, tmp_path).returncode == 0
    first = flipside(["demo"], env, tmp_path)
    again = flipside(["demo"], env, tmp_path)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    for email in (
        "admin@example.com",
        "lead@example.com",
        "lead2@example.com",
        "lead3@example.com",
    ):
        assert f"): {email} / " in first.stdout
    assert "demo login (lead): lead@example.com / " in first.stdout
    assert first.stdout != again.stdout  # fresh passwords each time, the same three firms


def test_the_demo_data_is_refused_outside_demo_mode(tmp_path: Path) -> None:
    result = flipside(["demo"], {"SECRET_KEY": GOOD_SECRET}, tmp_path)
    assert result.returncode == 2 and "FLIPSIDE_DEMO=1" in result.stderr


def test_surveys_launch_invites_the_programme_and_refuses_bad_input(
    tmp_path: Path, demo_world: DemoWorld
) -> None:
    """In process (the command, not the interpreter's start, is under test here), on a
    copy of the session's demo database: building a demo of its own cost minutes."""
    copy = tmp_path / "demo.sqlite3"
    demo_world.db.engine.dispose()  # the shared file is never written: copy it whole
    shutil.copyfile(demo_world.db.engine.url.database or "", copy)
    env = {
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": f"sqlite:///{copy}",
        "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLIPSIDE_DEMO": "1",
        "REDIS_URL": "",
    }
    closes = "2099-01-31"

    def launch(programme: str, label: str) -> Result:
        args = ["surveys", "launch", "--programme", programme, "--label", label]
        return CliRunner().invoke(main, [*args, "--closes", closes], env=env)

    try:
        launched = launch("1", "pulse-check")
        assert launched.exit_code == 0, launched.output
        invited = re.search(r"(\d+) people invited", launched.stdout)
        assert invited and int(invited.group(1)) > 400  # every enrolled demo person still there
        again = launch("1", "baseline")
        assert again.exit_code == 2 and "already has a 'baseline' round" in again.stderr
        missing = launch("99", "x")
        assert missing.exit_code == 2 and "no programme 99" in missing.stderr
    finally:
        runtime.db().dispose()  # the app the command built left its engine behind


def test_statistics_on_a_csv_need_no_secret_key_or_database(tmp_path: Path) -> None:
    data = tmp_path / "scores.csv"
    data.write_text("group,score\n" + "".join(f"a,{i % 5 + 1}\nb,{i % 4 + 2}\n" for i in range(10)))
    result = flipside(
        [
            "stats",
            "two-sample",
            "--csv",
            str(data),
            "--group",
            "group",
            "--value",
            "score",
            "--test",
            "welch",
            "--json",
        ],
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"test": "Welch' in result.stdout


def test_survey_definitions_are_checked_with_no_configuration(tmp_path: Path) -> None:
    result = flipside(["surveys", "check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok  ")


def _commands(help_text: str) -> set[str]:
    """The command names listed under ``Commands:`` in a click ``--help``."""
    listed = help_text.split("Commands:\n", 1)[1].splitlines()
    return {line.split()[0] for line in listed if line.startswith("  ") and line.split()}


def test_flask_and_flipside_offer_the_same_commands(tmp_path: Path) -> None:
    env = {"SECRET_KEY": GOOD_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    by_flipside = flipside(["--help"], env, tmp_path)
    by_flask = flipside(["--help"], env, tmp_path, script=FLASK)
    assert by_flipside.returncode == 0 and by_flask.returncode == 0, (
        by_flipside.stderr + by_flask.stderr
    )
    offered = _commands(by_flipside.stdout)
    assert {"db", "demo", "queues", "serve", "people", "users", "firms"} <= offered
    assert {"aggregates", "export", "surveys", "stats"} <= offered
    # `flask` adds its generic run/shell/routes and the commands installed packages plug in
    # (Flask-Limiter's `limiter`); `flipside` lists Flipside's own only (issue 14).
    plugged = {entry.name for entry in entry_points(group="flask.commands")}
    assert _commands(by_flask.stdout) - {"run", "shell", "routes"} - plugged == offered


def test_a_web_process_does_not_load_the_export_builders_libraries(tmp_path: Path) -> None:
    """pandas, pyarrow, pyreadstat and OpenDP are the export worker's: a web process that
    only takes export requests must not pay their start-up time and memory."""
    code = (
        "import sys; from webapp import create_app; create_app(); "
        "heavy = ('pandas', 'pyarrow', 'pyreadstat', 'opendp'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "FLIPSIDE_DEMO"}},
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}",
        "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip().splitlines()[-1] == "[]"
