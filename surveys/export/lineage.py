"""An export's part of its programmes' release lineages (:mod:`surveys.export.releases`).

Each row follows the plan of the generation that first released it (its firm,
programme and stored period); the export's scope then keeps the released rows
of its surveys whose *released* month lies in its date range. Membership is a
function of released values, so a scope holds every row of a released group or
none: each group it shows holds k people, and two exports joined on their
content show each shared response the same way.

When programmes of one export were generalised to different levels of the
month, the period column takes the coarsest, and finer values are coarsened
to it (coarsening a released value further refines nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Response
from surveys.export.planning import stored_month
from surveys.export.quasi import HIERARCHIES, QUASI_IDENTIFIERS
from surveys.export.releases import Generation, extend, planned
from surveys.export.scope import Scope

MONTH = QUASI_IDENTIFIERS.index("month")
SURVEY = QUASI_IDENTIFIERS.index("survey")


@dataclass(frozen=True)
class Part:
    """One generation of a lineage and its plan applied to the rows stored now."""

    generation: Generation
    plan: disclosure.RowPlan


class ScopeRelease:
    """The plans every row of one export follows, and the export's scope on released values."""

    def __init__(self, scope: Scope, parts: list[Part]) -> None:
        self.scope = scope
        self.parts = parts
        self._by_period = {
            (p.generation.firm_id, p.generation.programme_id, period): p
            for p in parts
            for period in p.generation.periods
        }
        self.month_level = max((p.plan.levels[MONTH] for p in parts), default=0)

    def part(self, firm_id: int, programme_id: int, period: str) -> Part | None:
        """The generation that released rows of this stored period (None: not released yet)."""
        return self._by_period.get((firm_id, programme_id, period))

    def holds(self, shown: disclosure.Combo) -> bool:
        """Whether a released combination is in the export's scope."""
        return shown[SURVEY] in self.scope.survey_keys and self.scope.holds_month(shown[MONTH])

    def finish(self, part: Part, shown: disclosure.Combo) -> disclosure.Combo:
        """The released combination with its month at the export's level."""
        level, value = part.plan.levels[MONTH], shown[MONTH]
        if level == self.month_level or value is None:
            return shown
        for _, step in HIERARCHIES[MONTH].steps[level : self.month_level]:
            value = step(value)
        return (*shown[:MONTH], value, *shown[MONTH + 1 :])

    def group_sizes(self) -> list[int]:
        """People in each released group the scope holds (each generation's own groups)."""
        return [n for p in self.parts for c, n in p.plan.group_sizes.items() if self.holds(c)]

    def k_achieved(self) -> int | None:
        sizes = self.group_sizes()
        return min(sizes) if sizes else None

    def periods(self, round_months: dict[int, str]) -> tuple[str, ...]:
        """The stored periods of released rows whose stored month is in the range: what
        the dashboard's comparisons are computed over (see surveys.reports.exported)."""
        return tuple(
            sorted(
                {
                    period
                    for p in self.parts
                    for period in p.generation.periods
                    if self.scope.holds_month(stored_month(period, round_months))
                }
            )
        )

    def generalised(self) -> dict[str, str]:
        """Each quasi-identifier's generalisation (several when programmes differ)."""
        out: dict[str, str] = {}
        for i, h in enumerate(HIERARCHIES):
            if not (h.steps or h.suppressible):
                continue
            labels = sorted({h.label(p.plan.levels[i]) for p in self.parts}) or ["as recorded"]
            out[h.name] = "; ".join(labels)
        out["month"] = HIERARCHIES[MONTH].label(self.month_level)
        return out

    def note(self) -> dict[str, Any]:
        """The report's account of the generations this export applied."""
        return {
            "generations": [
                {
                    "id": p.generation.id,
                    "programme": p.generation.programme_id,
                    "responses_when_made": p.generation.rows,
                    "periods": len(p.generation.periods),
                }
                for p in self.parts
            ],
            "protect": sorted({tuple(p.generation.plan.get("protect") or ()) for p in self.parts}),
        }


def scope_release(
    session: Session, scope: Scope, policy: disclosure.Policy, protect: tuple[str, ...] = ()
) -> ScopeRelease:
    """The export's release: every lineage in scope, extended to periods none covers
    (the caller commits). ``protect`` must match each lineage's first release."""
    lineages = session.execute(
        select(Response.firm_id, Response.programme_id)
        .where(*scope.undated().conditions())
        .distinct()
    ).all()
    parts = [
        Part(generation, planned(session, generation, policy))
        for firm_id, programme_id in sorted(lineages)
        for generation in extend(session, firm_id, programme_id, policy, protect)
    ]
    return ScopeRelease(scope, parts)
