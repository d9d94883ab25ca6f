"""One release lineage per programme: a response is generalised once, at its first release.

Every row-level export of a programme, whatever its scope (all of it, its climate
survey only, a date range, the whole firm), applies one generalisation to each
response: the one fixed when the response was first released. So two exports of
any scopes, joined row by row on their content, show each response with the same
quasi-identifiers, and the join refines nothing.

A lineage is a firm's part of a programme (responses are stored per member firm).
Its releases are *generations* (``export_releases``, one row each): the first
export of the programme plans the generalisation over every survey and every
stored period present then (weeks, months, rounds) and freezes those periods;
a later export that finds periods no generation covers plans them as the next
generation, with the generalisation levels of the first (one column format per
lineage) and its own local suppression, so each generation's groups hold k
people on their own (rows of a new generation, told apart from the earlier
release by being new, are groups of k too). A later batch stored in a covered
period joins that generation's plan; a combination its plan never saw is withheld.

What an export holds is decided on released values only (see
:mod:`surveys.export.lineage`): the survey and the firm's programme, and, for a
date range, the released month (or quarter, year): membership in an export is
then a function of what both exports show, and cannot split a group either.

Creation is race-safe: INSERT ... ON CONFLICT (scope_key) DO NOTHING, then the
stored row is read back, so concurrent first exports all use the winner's plan.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.dialect import upsert_insert
from surveys.db.models import ExportRelease, Response
from surveys.db.types import utcnow
from surveys.export.planning import combination_counts
from surveys.export.priorities import check_priorities
from surveys.export.quasi import HIERARCHIES
from surveys.export.scope import PERIOD, Scope

#: What an export protects when the researcher names nothing: role (what every
#: comparison is about) and the month (a climate response's round).
DEFAULT_PROTECT = ("role", "month")


@dataclass(frozen=True)
class Generation:
    """One stored release of a lineage: its plan and the stored periods it covers."""

    id: int
    firm_id: int
    programme_id: int
    periods: frozenset[str]
    rows: int
    plan: dict[str, Any]
    #: the counts the plan was just made from (None when it was stored earlier)
    counts: dict[disclosure.Combo, disclosure.Tally] | None = field(default=None, compare=False)

    def scope(self, session: Session) -> Scope:
        """Every response of the generation (all surveys of its firm and programme)."""
        keys = _keys(session, self.firm_id, self.programme_id)
        return Scope((self.firm_id,), keys, self.programme_id, periods=tuple(sorted(self.periods)))


def lineage_key(firm_id: int, programme_id: int, generation: int) -> str:
    """The stored key of one generation of a lineage."""
    text = json.dumps({"lineage": [firm_id, programme_id], "generation": generation})
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(session: Session, key: str) -> ExportRelease | None:
    return session.scalars(select(ExportRelease).where(ExportRelease.scope_key == key)).first()


def generations(session: Session, firm_id: int, programme_id: int) -> list[Generation]:
    """The lineage's stored generations, oldest first."""
    found: list[Generation] = []
    while (row := _stored(session, lineage_key(firm_id, programme_id, len(found)))) is not None:
        periods = frozenset(str(p) for p in row.periods)
        found.append(Generation(row.id, firm_id, programme_id, periods, row.rows, dict(row.plan)))
    return found


def lineage_priorities(session: Session, firm_id: int, programme_id: int) -> tuple[str, ...] | None:
    """The order the lineage was first released with (None: never released)."""
    row = _stored(session, lineage_key(firm_id, programme_id, 0))
    return None if row is None else tuple(row.plan.get("protect") or ())


def extend(
    session: Session,
    firm_id: int,
    programme_id: int,
    policy: disclosure.Policy,
    protect: tuple[str, ...] = (),
) -> list[Generation]:
    """The lineage's generations, with one more for stored periods none covers (the
    caller commits). Periods whose rows nothing could release stay uncovered (nothing
    of them was released), for a later export to plan with more rows."""
    for _ in range(3):  # a concurrent export may store the next generation first
        found = generations(session, firm_id, programme_id)
        if found:
            check_priorities(found[0].plan, protect)
        covered = frozenset().union(*(g.periods for g in found))
        base = Scope((firm_id,), _keys(session, firm_id, programme_id), programme_id)
        present = {str(p) for p in session.scalars(select(PERIOD).where(*base.conditions()))}
        new = tuple(sorted(present - covered))
        if not new:
            return found
        frozen = Scope(base.firm_ids, base.survey_keys, programme_id, periods=new)
        order = tuple(found[0].plan.get("protect") or ()) if found else protect or DEFAULT_PROTECT
        levels = [int(x) for x in found[0].plan["levels"]] if found else None
        counts = combination_counts(session, frozen)
        plan = disclosure.anonymise_rows(counts, HIERARCHIES, policy, protect=order, levels=levels)
        if plan.k_achieved is None:
            return found
        rows = session.scalar(select(func.count(Response.id)).where(*frozen.conditions())) or 0
        session.execute(
            upsert_insert(session, ExportRelease.__table__)
            .values(
                scope_key=lineage_key(firm_id, programme_id, len(found)),
                scope={**frozen.as_json(), "lineage": [firm_id, programme_id]},
                k=policy.k,
                periods=list(new),
                rows=rows,
                plan={**plan.to_json(), "protect": list(order)},
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["scope_key"])
        )
        stored = generations(session, firm_id, programme_id)
        if len(stored) > len(found) and stored[len(found)].periods == frozenset(new):
            # made now (not by a concurrent export): its plan's counts are reused
            stored[len(found)] = replace(stored[len(found)], counts=counts)
        if not (present - frozenset().union(*(g.periods for g in stored))):
            return stored
    return generations(session, firm_id, programme_id)


def _keys(session: Session, firm_id: int, programme_id: int) -> tuple[str, ...]:
    return tuple(
        sorted(
            session.scalars(
                select(Response.survey_key)
                .where(Response.firm_id == firm_id, Response.programme_id == programme_id)
                .distinct()
            )
        )
    )


def planned(
    session: Session, generation: Generation, policy: disclosure.Policy
) -> disclosure.RowPlan:
    """The generation's plan applied to its rows as stored now (every survey of it)."""
    counts = generation.counts
    if counts is None:
        counts = combination_counts(session, generation.scope(session))
    return disclosure.replan(generation.plan, counts, HIERARCHIES, policy)
