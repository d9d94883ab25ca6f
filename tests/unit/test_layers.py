"""The house's layer rules (STYLE.md), checked by the shared tool when it is beside the repo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT.parent / "shared" / "tools" / "check_layers.py"


def test_no_layer_is_crossed() -> None:
    if not TOOL.exists():
        pytest.skip(f"{TOOL} is not beside this checkout")
    result = subprocess.run(
        [sys.executable, str(TOOL), str(ROOT)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_the_core_imports_without_any_web_or_queue_framework() -> None:
    code = (
        "import sys, surveys.settings, surveys.outbox, surveys.db.models, surveys.services.demo;"
        "bad = {'flask', 'dramatiq', 'werkzeug', 'wtforms'}"
        " & {m.split('.')[0] for m in sys.modules};"
        "print(sorted(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_procfile_names_release_web_worker_and_clock() -> None:
    entries = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(entries) == {"release", "web", "worker", "clock"}
    assert "db upgrade" in entries["release"]
    assert "gunicorn" in entries["web"] and "webapp.wsgi:app" in entries["web"]
    assert "dramatiq workers" in entries["worker"]
    assert "workers.scheduler" in entries["clock"]
