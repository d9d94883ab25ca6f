"""The README's map of the house and the manual in docs/ stay true.

The README keeps a short tree of the house; it must name every top-level package, every
package of the core, web app and workers, and every area of ``surveys/services``, so a new
folder cannot be added without a line on the map. The manual builds with MkDocs in strict
mode, so a broken link or a page left out of the navigation fails here.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tree() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## The house") :]
    start = section.index("```\n") + 4
    return section[start : section.index("```", start)]


def _words(tree: str) -> set[str]:
    return {w.strip("/") for w in re.findall(r"[A-Za-z_][\w.]*/?", tree)}


def _packages(folder: Path) -> list[str]:
    return sorted(p.parent.name for p in folder.glob("*/__init__.py"))


def test_the_readme_tree_names_every_top_level_package_and_their_packages() -> None:
    words = _words(_tree())
    top = _packages(ROOT)
    assert {"surveys", "webapp", "workers", "migrations", "tests"} <= set(top)
    missing = [name for name in top if name not in words]
    for package in ("surveys", "webapp", "workers"):
        missing += [f"{package}/{n}" for n in _packages(ROOT / package) if n not in words]
    assert not missing, f"README's tree (## The house) does not name: {missing}"


def test_the_readme_tree_names_every_services_area() -> None:
    words = _words(_tree())
    services = ROOT / "surveys" / "services"
    areas = _packages(services) + sorted(
        p.stem for p in services.glob("*.py") if p.stem != "__init__"
    )
    assert len(areas) > 10
    missing = [a for a in areas if a not in words]
    assert not missing, f"README's tree does not name these surveys/services areas: {missing}"


def test_the_readme_links_only_to_pages_of_the_manual_that_exist() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    assert links, "README links into docs/"
    assert [link for link in links if not (ROOT / link).is_file()] == []
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md"}
    assert pages <= {Path(link).name for link in links}, "every page of the manual is linked"


def test_the_manual_builds_strictly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    handler = Collect()
    logging.getLogger("mkdocs").addHandler(handler)
    try:
        config = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path), strict=True)
        try:
            build(config)
        except Abort as exc:
            pytest.fail(f"mkdocs build --strict failed: {exc}; warnings: {warnings}")
    finally:
        logging.getLogger("mkdocs").removeHandler(handler)
    assert warnings == []
    assert (tmp_path / "exports" / "index.html").is_file()
