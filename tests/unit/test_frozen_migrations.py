"""Migrations are history: none imports the application, so renames cannot break them."""

from __future__ import annotations

import ast
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
APP = ("surveys", "webapp", "workers")


def test_no_migration_imports_application_code_even_inside_a_function() -> None:
    found = []
    for path in sorted(VERSIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            found += [f"{path.name}:{node.lineno}: {n}" for n in names if n.split(".")[0] in APP]
    assert len(list(VERSIONS.glob("0*.py"))) >= 18
    assert found == []
