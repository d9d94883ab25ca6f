"""Evaluation plans: declare, amend, and freeze at the first release.

A programme's plan (:class:`surveys.domain.plan.Plan`) is declared by its lead
before results exist; until then it has the default plan from the instruments.
At the first release (:func:`freeze_plan`, called by
:func:`surveys.aggregates.release_group`) the plan in force -- declared, or
the default written down then -- is frozen and dated. Any later change is an
amendment: a new version, dated the day it was made and carrying its reason;
the earlier versions are kept and shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db.dialect import upsert_insert
from surveys.db.models import Enrolment, EvaluationPlan, Programme
from surveys.domain.plan import Plan, PlanError, allowed_by, default_plan, expected_from
from surveys.services.errors import Invalid


@dataclass(frozen=True)
class PlanState:
    """The plan in force and its history, as the plan page and the headline show them."""

    plan: Plan
    #: 0 while the plan in force is the default nobody has written down yet.
    version: int
    is_default: bool
    declared_on: date | None
    frozen_on: date | None
    #: Every stored version, oldest first (amendments after version 1).
    versions: list[EvaluationPlan]

    @property
    def digest(self) -> str:
        """What identifies the plan in force (part of the headline's cache key)."""
        sizes = "-".join(str(n) for n in self.plan.expected.values())
        return f"v{self.version}-{self.frozen_on or 'open'}-{sizes}"


def _enrolled(session: Session, programme_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Enrolment.role, func.count())
        .where(Enrolment.programme_id == programme_id)
        .group_by(Enrolment.role)
    ).all()
    return {role: int(n) for role, n in rows}


def _versions(session: Session, programme_id: int) -> list[EvaluationPlan]:
    return list(
        session.scalars(
            select(EvaluationPlan)
            .where(EvaluationPlan.programme_id == programme_id)
            .order_by(EvaluationPlan.version)
        )
    )


def plan_state(session: Session, programme_id: int) -> PlanState:
    """The plan in force: the latest stored version, or the default from the instruments."""
    versions = _versions(session, programme_id)
    if not versions:
        plan = default_plan(expected_from(_enrolled(session, programme_id)))
        return PlanState(plan, 0, True, None, None, [])
    latest = versions[-1]
    plan = Plan.from_dict(json.loads(latest.body))
    return PlanState(
        plan,
        latest.version,
        versions[0].is_default and latest.version == 1,
        latest.declared_on,
        versions[0].frozen_on,
        versions,
    )


def declare_plan(
    session: Session,
    programme: Programme,
    plan: Plan,
    today: date,
    *,
    allowed: dict[str, frozenset[str]],
    reason: str = "",
) -> EvaluationPlan:
    """Declare ``plan`` (before the first release) or amend the frozen one (with ``reason``).

    ``allowed``: the comparison builder's outcomes and the comparisons each allows.
    """
    try:
        allowed_by(plan, allowed)
    except PlanError as exc:
        raise Invalid(str(exc)) from exc
    body = json.dumps(plan.to_dict(), sort_keys=True)
    versions = _versions(session, programme.id)
    if versions and versions[0].frozen_on is None:
        row = versions[0]
        row.body, row.declared_on, row.is_default = body, today, False
        session.flush()
        return row
    if not versions:
        row = EvaluationPlan(
            programme_id=programme.id, version=1, body=body, declared_on=today, reason=""
        )
    else:
        reason = reason.strip()
        if not reason:
            raise Invalid(
                "the plan was frozen when the first result was released; say why it is "
                "amended (the amendment is kept, dated, beside the plan)"
            )
        if len(reason) > 2000:
            raise Invalid("say why in at most 2,000 characters")
        row = EvaluationPlan(
            programme_id=programme.id,
            version=versions[-1].version + 1,
            body=body,
            declared_on=today,
            frozen_on=today,
            reason=reason,
        )
    session.add(row)
    session.flush()
    return row


def freeze_plan(session: Session, programme_id: int, today: date) -> None:
    """Freeze the plan in force at the programme's first release (the default if none)."""
    first = session.scalars(
        select(EvaluationPlan).where(
            EvaluationPlan.programme_id == programme_id, EvaluationPlan.version == 1
        )
    ).one_or_none()
    if first is not None:
        if first.frozen_on is None:
            first.frozen_on = today
        return
    plan = default_plan(expected_from(_enrolled(session, programme_id)))
    # Two releases of one programme may meet here: the first insert wins, the other is a no-op.
    insert = upsert_insert(session, EvaluationPlan.__table__).values(
        programme_id=programme_id,
        version=1,
        body=json.dumps(plan.to_dict(), sort_keys=True),
        declared_on=today,
        frozen_on=today,
        reason="",
        is_default=True,
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["programme_id", "version"]))
