"""The evaluation plan's page: view it (leads, admins, researchers), declare or amend it (leads,
admins).

Before the first release the form replaces the declared plan; afterwards the
plan is frozen and the form adds a dated amendment, which needs its reason
(:mod:`surveys.services.plans`). The form lists every outcome under every
comparison it allows; the plan's order is the form's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from surveys.domain.plan import (
    CORRECTIONS,
    GROUPS,
    PLANNABLE,
    Plan,
    PlanError,
    Planned,
    checked,
    default_plan,
)
from surveys.domain.plan_power import alpha_per_step, planned_power
from surveys.reports.builder.request import outcomes
from surveys.services.errors import ServiceError
from surveys.services.plans import declare_plan, plan_state
from webapp import current
from webapp.auth.access import login_required, programme_or_404, signed_in
from webapp.dashboard.blueprint import bp
from webapp.dashboard.navigation import navigation
from webapp.errors import sentence


def allowed() -> dict[str, frozenset[str]]:
    """Each builder outcome and the comparisons a plan may name for it."""
    return {key: o.comparisons & frozenset(PLANNABLE) for key, o in outcomes().items()}


def choices(plan: Plan) -> list[Planned]:
    """Every pair the form offers, in the form's order: ``plan``'s own first, then the rest."""
    listed = list(plan.items) + list(default_plan({}).items)
    for key, comparisons in allowed().items():
        listed += [Planned(key, c, False) for c in PLANNABLE if c in comparisons]
    seen: set[tuple[str, str]] = set()
    return [p for p in listed if not (p.key in seen or seen.add(p.key))]  # type: ignore[func-returns-value]


def _field(item: Planned) -> str:
    return f"plan-{item.outcome}|{item.comparison}"


def _number(form: MultiDict[str, str], name: str, kind: type[float] | type[int]) -> float:
    text = form.get(name, "").strip()
    try:
        return kind(text)
    except ValueError:
        raise PlanError(f"'{name}' must be a number, not {text[:20]!r}") from None


def plan_from_form(form: MultiDict[str, str], offered: list[Planned]) -> Plan:
    """The plan the form describes; :class:`PlanError` says what to correct."""
    items = []
    for item in offered:
        chosen = form.get(_field(item), "")
        if chosen not in ("", "primary", "secondary"):
            raise PlanError(f"choose primary, secondary or not planned for {item.outcome}")
        if chosen:
            items.append(Planned(item.outcome, item.comparison, chosen == "primary"))
    if not items:
        raise PlanError("plan at least one comparison")
    expected = {g: int(_number(form, f"expected-{g}", int)) for g in GROUPS}
    if any(n < 0 for n in expected.values()):
        raise PlanError("expected answers cannot be negative")
    return checked(
        Plan(
            tuple(items),
            _number(form, "alpha", float),
            form.get("correction", "holm"),
            _number(form, "hoped_effect", float),
            expected,
        )
    )


def _page(programme_id: int, error: str | None = None, status: int = 200) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    state = plan_state(current.session(), programme.id)
    shown = state.plan
    powers = {item.key: planned_power(shown, item) for item in shown.items}
    html = render_template(
        "dashboard/plan.html",
        programme=programme,
        state=state,
        powers=powers,
        alpha_step=alpha_per_step(shown),
        offered=choices(shown),
        field=_field,
        labels={k: o.label for k, o in outcomes().items()},
        comparisons=PLANNABLE,
        corrections=CORRECTIONS,
        groups=GROUPS,
        may_edit=signed_in().role in ("admin", "lead"),
        form=request.form if error else None,
        error=error,
        nav=navigation(programme, "plan"),
    )
    return html, status


@bp.get("/programmes/<int:programme_id>/plan")
@login_required("admin", "lead", "researcher")
def plan(programme_id: int) -> ResponseReturnValue:
    return _page(programme_id)


@bp.post("/programmes/<int:programme_id>/plan")
@login_required("admin", "lead")
def declare(programme_id: int) -> ResponseReturnValue:
    programme = programme_or_404(programme_id)
    session = current.session()
    state = plan_state(session, programme.id)
    try:
        wanted = plan_from_form(request.form, choices(state.plan))
        declare_plan(
            session,
            programme,
            wanted,
            datetime.now(UTC).date(),
            allowed=allowed(),
            reason=request.form.get("reason", ""),
        )
    except PlanError as exc:
        return _page(programme_id, str(exc), 400)
    except ServiceError as exc:
        session.rollback()
        return _page(programme_id, sentence(exc), exc.status)
    session.commit()
    return redirect(url_for("dashboard.plan", programme_id=programme.id, _anchor="plan-heading"))
