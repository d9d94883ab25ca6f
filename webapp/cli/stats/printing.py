"""Printing a statistics result: JSON with ``--json``, otherwise a short table and notes."""

from __future__ import annotations

import json
from typing import Any

import click

from surveys.stats import TestResult


def emit(result: TestResult, as_json: bool) -> None:
    data = result.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, allow_nan=False, ensure_ascii=False))
        return
    click.echo(render_table(data))


def render_table(data: dict[str, Any]) -> str:
    """A short human-readable table of the main numbers, then the notes."""

    def show(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.6g}"
        if isinstance(value, list):
            return "(" + ", ".join(show(v) for v in value) + ")"
        return str(value)

    effect = data.get("effect_size") or {}
    lines = [
        ("test", data["test"]),
        ("statistic", show(data["statistic"])),
        ("df", show(data["df"])),
        ("p-value", show(data["pvalue"])),
        ("alternative", data["alternative"]),
        ("estimate", show(data["estimate"])),
        ("CI", show(data["ci"])),
        (
            "effect size",
            f"{effect.get('name', '-')} {show(effect.get('value'))} CI {show(effect.get('ci'))}"
            if effect
            else "-",
        ),
        ("n", ", ".join(f"{k}={v}" for k, v in data["n"].items())),
    ]
    width = max(len(k) for k, _ in lines)
    text = [f"{k.ljust(width)}  {v}" for k, v in lines]
    text += ["", data["summary"]] + [f"- {note}" for note in data["notes"]]
    return "\n".join(text)
