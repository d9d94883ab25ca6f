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


# The house's shape (issue 12): measured here so it cannot quietly grow back.
PACKAGES = ("surveys", "webapp", "workers")
#: Modules allowed past ~300 lines because they are declarative data, not logic.
DECLARATIVE: set[str] = set()
MAX_LINES = 300


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _module_level_imports(path: Path) -> list[ast.ImportFrom | ast.Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]


def test_no_module_imports_a_private_name_from_another_module() -> None:
    private = []
    for name, path in _modules().items():
        for node in _module_level_imports(path):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] not in PACKAGES:
                    continue
                private += [
                    f"{name} imports {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert private == []


#: Entry points that import a name from their own package: nothing imports them back.
ENTRY_POINTS = {"webapp.wsgi", "webapp.cli.stats.__main__"}


def _own_package_imports(modules: dict[str, Path]) -> list[str]:
    found = []
    for name, path in modules.items():
        for node in _module_level_imports(path):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if name.startswith(node.module + ".") and name not in ENTRY_POINTS:
                    found += [
                        f"{name} imports {node.module}.{a.name}"
                        for a in node.names
                        if f"{node.module}.{a.name}" not in modules  # a name, not a module
                    ]
            elif isinstance(node, ast.Import):
                found += [
                    f"{name} imports {a.name}" for a in node.names if name.startswith(a.name + ".")
                ]
    return found


def test_no_module_imports_its_own_package() -> None:
    """A view module that takes ``bp`` from the package whose ``__init__`` imports it is
    a loop (it works only because ``bp`` is bound first). Shared names live in a module
    of their own (``blueprint.py``, ``cli/base.py``); a package's modules import those."""
    assert _own_package_imports(_modules()) == []


def test_the_own_package_check_sees_one(tmp_path: Path) -> None:
    modules = {**_modules(), "webapp.admin.probe": tmp_path / "probe.py"}
    (tmp_path / "probe.py").write_text("from webapp.admin import bp, forms\nimport webapp\n")
    found = _own_package_imports(modules)
    assert found == [
        "webapp.admin.probe imports webapp.admin.bp",
        "webapp.admin.probe imports webapp",
    ]


def test_there_is_no_import_cycle_between_modules() -> None:
    """Every module-level import counts, a package's own included: ``from P import m``
    is an edge to the module ``P.m`` (to ``P`` itself when ``m`` is a name in it)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in _module_level_imports(path):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_no_module_passes_the_style_guides_length() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and name not in DECLARATIVE
    }
    assert long == {}


def test_reports_and_services_each_read_as_a_table_of_contents() -> None:
    for package in ("surveys/services", "surveys/reports"):
        init = (ROOT / package / "__init__.py").read_text(encoding="utf-8")
        listed = {
            p.stem if p.is_file() else p.name
            for p in (ROOT / package).iterdir()
            if not p.name.startswith("__") and (p.suffix == ".py" or p.is_dir())
        }
        missing = {m for m in listed if f"``{m}" not in init and f"``{m}/" not in init}
        assert missing == set(), f"{package}/__init__.py does not list {sorted(missing)}"
