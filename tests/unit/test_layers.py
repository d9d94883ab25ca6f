"""The house's layer rules (STYLE.md), checked here so a clone without ../shared runs them too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Package (or sub-package) -> top-level names and module prefixes it must never import.
#: The first three rows are STYLE.md's (also checked by shared/tools/check_layers.py);
#: the last keeps the write side from depending on the read side.
FORBIDDEN: dict[str, set[str]] = {
    "surveys": {"flask", "werkzeug", "wtforms", "flask_wtf", "dramatiq", "webapp", "workers"},
    "workers": {"webapp"},
    "webapp": {"dramatiq"},
    "surveys/services": {"surveys.reports"},
}


def _imports(path: Path) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module, node.lineno))
    return found


def _crossings() -> list[str]:
    crossings = []
    for package, banned in FORBIDDEN.items():
        for path in sorted((ROOT / package).rglob("*.py")):
            for name, line in sorted(_imports(path)):
                if any(name == b or name.startswith(b + ".") for b in banned):
                    crossings.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    return crossings


def test_no_layer_is_crossed() -> None:
    assert _crossings() == []


def test_the_layer_check_sees_a_crossing(tmp_path: Path) -> None:
    bad = ROOT / "surveys" / "services" / "_layer_probe_tmp.py"
    bad.write_text("from surveys.reports import overview\nimport flask\n")
    try:
        found = _crossings()
    finally:
        bad.unlink()
    assert any("_layer_probe_tmp.py:1: imports surveys.reports" in c for c in found)
    assert any("_layer_probe_tmp.py:2: imports flask" in c for c in found)


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
