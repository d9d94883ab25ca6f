"""GET /api/v1/programmes/<id>/plan: the programme's evaluation plan, its power and history."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import Programme
from surveys.domain.plan_power import alpha_per_step, planned_power
from surveys.services.accounts import firm_scope
from surveys.services.plans import PlanState, plan_state
from webapp import current
from webapp.api.auth import ApiError, api_account, token_required
from webapp.api.blueprint import bp


def plan_json(state: PlanState) -> dict[str, Any]:
    """The plan in force with each comparison's stated power, and every stored version."""
    plan = state.plan
    items = []
    for order, item in enumerate(plan.items, start=1):
        power = planned_power(plan, item)
        items.append(
            {
                "order": order,
                "outcome": item.outcome,
                "comparison": item.comparison,
                "primary": item.primary,
                "minimum_detectable_effect": power.mde,
                "power_at_hoped_effect": power.power_at_hoped,
                "power_note": power.note,
            }
        )
    return {
        "version": state.version,
        "is_default": state.is_default,
        "declared_on": state.declared_on.isoformat() if state.declared_on else None,
        "frozen_on": state.frozen_on.isoformat() if state.frozen_on else None,
        "alpha": plan.alpha,
        "correction": plan.correction,
        "alpha_per_step": alpha_per_step(plan),
        "hoped_effect": plan.hoped_effect,
        "expected": dict(plan.expected),
        "items": items,
        "amendments": [
            {"version": v.version, "date": v.declared_on.isoformat(), "reason": v.reason}
            for v in state.versions[1:]
        ],
    }


@bp.get("/programmes/<int:programme_id>/plan")
@token_required()
def evaluation_plan(programme_id: int) -> ResponseReturnValue:
    """The evaluation plan; comparisons outside it are exploratory wherever they are shown."""
    session = current.session()
    query = select(Programme.id).where(Programme.id == programme_id)
    scope = firm_scope(api_account())
    if scope is not None:
        query = query.where(Programme.firm_id.in_(scope))
    if session.scalar(query) is None:
        raise ApiError(404, "not_found", f"there is no programme {programme_id}")
    return jsonify(plan_json(plan_state(session, programme_id)))
