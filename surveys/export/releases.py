"""One anonymised release per export scope: the plan is made once and kept.

Two exports of the same scope used to be planned separately: rows matched one
to one on their content, and the finer generalisation of one refined the other.
Now the first export of a scope (firms, programme, surveys, date range, and the
k in force) makes the generalisation/suppression plan and stores it with the
set of stored periods it covers (``export_releases``); every later export of
that scope reads the same periods and applies the same plan
(:func:`surveys.disclosure.replan`).

The release is frozen to the periods present when it was made: responses the
mixer stores later in other periods are not in it (a new date range is a new
scope). A later batch stored in a period the release covers joins it under the
same plan (every mixer batch holds k people on its own); a combination the plan
never saw is withheld.

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


@dataclass(frozen=True)
class Release:
    id: int
    #: the scope frozen to the release's periods
    scope: Scope
    rows: int
    plan: dict[str, Any]
    #: the counts the plan was just made from (None when the release was stored earlier)
    counts: dict[disclosure.Combo, disclosure.Tally] | None = field(default=None, compare=False)


def scope_key(scope: Scope, k: int) -> str:
    """The release's key: the scope's canonical JSON and k (a stricter k is a new release)."""
    data = replace(scope, periods=None).as_json()
    data["firm_ids"] = sorted(data["firm_ids"])
    data["survey_keys"] = sorted(data["survey_keys"])
    text = json.dumps({"scope": data, "k": k}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(session: Session, key: str) -> ExportRelease | None:
    return session.scalars(select(ExportRelease).where(ExportRelease.scope_key == key)).first()


def _as_release(
    row: ExportRelease,
    scope: Scope,
    counts: dict[disclosure.Combo, disclosure.Tally] | None = None,
) -> Release:
    frozen = replace(scope, periods=tuple(row.periods))
    return Release(row.id, frozen, row.rows, dict(row.plan), counts)


def release_for(
    session: Session, scope: Scope, policy: disclosure.Policy, protect: tuple[str, ...] = ()
) -> Release | None:
    """The scope's release, made now if it has none (the caller commits).

    None when nothing in scope can be released (no release is stored then, so a
    later export, with more responses, can still make one). ``protect`` is the
    researcher's priority order (:mod:`surveys.export.priorities`); the first
    export of a scope fixes it, and a different order later is refused.
    """
    key = scope_key(scope, policy.k)
    row = _stored(session, key)
    if row is not None:
        check_priorities(row.plan, protect)
        return _as_release(row, scope)
    periods = sorted(
        str(p) for p in session.scalars(select(PERIOD).where(*scope.conditions()).distinct())
    )
    frozen = replace(scope, periods=tuple(periods))
    counts = combination_counts(session, frozen)
    plan = disclosure.anonymise_rows(counts, HIERARCHIES, policy, protect=protect)
    if plan.k_achieved is None:
        return None
    rows = int(session.scalar(select(func.count(Response.id)).where(*frozen.conditions())) or 0)
    session.execute(
        upsert_insert(session, ExportRelease.__table__)
        .values(
            scope_key=key,
            scope=scope.as_json(),
            k=policy.k,
            periods=periods,
            rows=rows,
            plan={**plan.to_json(), "protect": list(protect)},
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["scope_key"])
    )
    row = _stored(session, key)
    assert row is not None  # inserted now, or by the concurrent export that won
    check_priorities(row.plan, protect)
    return _as_release(row, scope, counts if list(row.periods) == periods else None)


def planned(session: Session, release: Release, policy: disclosure.Policy) -> disclosure.RowPlan:
    """The release's plan applied to its rows as stored now."""
    counts = release.counts
    if counts is None:
        counts = combination_counts(session, release.scope)
    return disclosure.replan(release.plan, counts, HIERARCHIES, policy)
