"""The researcher's priorities: which quasi-identifiers an export protects first, and the cost.

A request may order quasi-identifiers to keep (e.g. ``role`` first, so the
participant/comparison split survives and gender is coarsened instead); the
plan honours the order (:mod:`surveys.disclosure.priorities`) and the
disclosure report says what each column cost: values coarsened and blanked.

One release lineage per programme (:mod:`surveys.export.releases`): the first
export of a programme fixes its priorities with its plan. Two generalisations of
the same responses (one keeping role, one keeping gender) could be joined row by
row to refine each other, so a later request with a *different* order, for any
scope of the programme, is refused with a sentence; the same order, or none (no
preference), gets the lineage's generalisation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import ExportRelease
from surveys.disclosure import Combo
from surveys.export.quasi import HIERARCHIES, QUASI_IDENTIFIERS

#: Quasi-identifiers a researcher may ask to protect (the survey column is never blanked).
PROTECTABLE = tuple(h.name for h in HIERARCHIES if h.suppressible)


class BadPriorities(ValueError):
    """A priority order that names an unknown column or one twice."""


class PrioritiesDiffer(Exception):
    """The scope already has a release made with another priority order."""


def parse_priorities(values: Iterable[str]) -> tuple[str, ...]:
    """The checked order, most protected first; blank entries are ignored."""
    order = tuple(v.strip() for v in values if v and v.strip())
    unknown = [v for v in order if v not in PROTECTABLE]
    if unknown:
        raise BadPriorities(
            f"there is no quasi-identifier {unknown[0][:40]!r} to protect; "
            f"choose from {', '.join(PROTECTABLE)}"
        )
    twice = sorted({v for v in order if order.count(v) > 1})
    if twice:
        raise BadPriorities(f"{twice[0]!r} is listed twice in the priorities; list it once")
    return order


def _words(order: Sequence[str]) -> str:
    return ", then ".join(order) if order else "none (the default plan)"


def check_priorities(stored_plan: Mapping[str, Any], protect: Sequence[str]) -> None:
    """Refuse ``protect`` when it differs from the release's order (no order: no preference)."""
    stored = tuple(stored_plan.get("protect") or ())
    if protect and tuple(protect) != stored:
        raise PrioritiesDiffer(
            "This programme already has an anonymised release, made with the priorities "
            f"{_words(stored)}. A second generalisation of the same responses "
            f"({_words(protect)}) could be joined with the first to narrow people down, so "
            "it is not made: ask again with the same priorities (or none). Every export of "
            "the programme, of any surveys or dates, keeps the first release's "
            "generalisation."
        )


def release_priorities(session: Session, key: str) -> tuple[str, ...] | None:
    """The priorities of the release stored under ``key`` (None: nothing released yet)."""
    plan = session.scalar(select(ExportRelease.plan).where(ExportRelease.scope_key == key))
    return None if plan is None else tuple(plan.get("protect") or ())


def cost_by_column(seen: Iterable[tuple[Combo, Combo | None, int]]) -> dict[str, dict[str, int]]:
    """Per quasi-identifier, the released rows (stored values, released values, rows)
    whose value was coarsened or blanked."""
    coarsened: Counter[str] = Counter()
    blanked: Counter[str] = Counter()
    for combo, shown, n in seen:
        if not shown:
            continue
        for name, given, out in zip(QUASI_IDENTIFIERS, combo, shown, strict=True):
            if given is None:
                continue
            if out is None:
                blanked[name] += n
            elif out != given:
                coarsened[name] += n
    return {name: {"coarsened": coarsened[name], "blanked": blanked[name]} for name in PROTECTABLE}


def priority_lines(report: Mapping[str, Any]) -> list[str]:
    """The disclosure report's paragraph on the priorities and what each column cost."""
    found = report.get("priorities")
    if not found:
        return []
    lines = ["", f"Researcher's priorities (protected first): {_words(found['protect'])}"]
    lines.append("What each quasi-identifier cost (released rows coarsened / blanked):")
    lines += [
        f"  - {name}: {c['coarsened']} coarsened, {c['blanked']} blanked"
        for name, c in found["cost_by_column"].items()
    ]
    return lines
