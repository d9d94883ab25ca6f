"""The evaluation plan's pure rules: the default from the instruments, checking, stated power."""

from __future__ import annotations

import math

import pytest
from werkzeug.datastructures import MultiDict

from surveys.definitions import CLIMATE, catalogue
from surveys.domain.plan import (
    Plan,
    PlanError,
    Planned,
    allowed_by,
    default_plan,
    expected_from,
)
from surveys.domain.plan_power import alpha_per_step, planned_power
from surveys.stats.power import minimum_detectable_effect, power_two_sample

BELONGING = "climate:belonging"
SIZES = {"participants": 40, "comparison": 60, "mentors": 20, "mentees": 22}


def test_the_default_plan_has_every_scored_climate_item_as_a_primary_before_and_after() -> None:
    plan = default_plan(SIZES)
    scored = [
        q.key for q in catalogue().current(CLIMATE).questions if q.type in ("likert5", "scale0_10")
    ]
    assert "recommend_firm" in scored  # the 0-10 "would you recommend the firm"
    primaries = [i.outcome for i in plan.items if i.primary]
    assert primaries == [f"climate:{key}" for key in scored]
    assert all(i.comparison == "did" for i in plan.items if i.primary)
    assert plan.has("climate:recommend_firm", "participants")
    assert plan.has("index:climate", "participants")
    assert plan.has("hr:retention", "participants") and plan.has("hr:promotion", "participants")
    assert (plan.alpha, plan.correction) == (0.05, "holm")


def test_a_plan_survives_its_stored_form_and_keeps_its_order() -> None:
    plan = default_plan(SIZES)
    shuffled = Plan(tuple(reversed(plan.items)), 0.01, "BH", 0.4, SIZES)
    again = Plan.from_dict(shuffled.to_dict())
    assert again == shuffled
    assert [i.key for i in again.items] == [i.key for i in reversed(plan.items)]


@pytest.mark.parametrize(
    "change,message",
    [
        ({"alpha": 0.5}, "alpha"),
        ({"alpha": float("nan")}, "finite"),
        ({"correction": "bonferroni"}, "correction"),
        ({"hoped_effect": 0}, "hoped-for"),
        ({"items": []}, "at least one"),
        ({"items": [{"outcome": BELONGING, "comparison": "did", "primary": False}]}, "primary"),
        ({"items": [{"outcome": BELONGING, "comparison": "benchmark"}]}, "cannot be planned"),
        ({"items": [{"outcome": BELONGING, "comparison": "did", "primary": True}] * 2}, "twice"),
        ({"expected": {"participants": -3}}, "expected answers"),
        ({"expected": {"participants": 2.5}}, "expected answers"),
    ],
)  # fmt: skip
def test_a_plan_that_cannot_be_used_is_refused_with_what_to_correct(
    change: dict[str, object], message: str
) -> None:
    data = default_plan(SIZES).to_dict() | change
    with pytest.raises(PlanError, match=message):
        Plan.from_dict(data)


def test_an_outcome_is_planned_only_under_a_comparison_it_allows() -> None:
    allowed = {"index:climate": frozenset({"participants"}), "climate:belonging": frozenset()}
    plan = Plan((Planned("index:climate", "did", True),))
    with pytest.raises(PlanError, match="cannot be compared"):
        allowed_by(plan, allowed)
    with pytest.raises(PlanError, match="no outcome"):
        allowed_by(Plan((Planned("climate:nothing", "did", True),)), allowed)
    assert allowed_by(Plan((Planned("index:climate", "participants", True),)), allowed)


def test_expected_sizes_are_the_enrolled_times_the_response_rate() -> None:
    assert expected_from({"mentor": 10, "mentee": 11, "comparison": 50}, 0.5) == {
        "participants": 10,
        "comparison": 25,
        "mentors": 5,
        "mentees": 5,
    }


def test_the_stated_power_is_the_engines_at_alpha_over_m() -> None:
    plan = default_plan(SIZES)
    m = len(plan.items)
    assert alpha_per_step(plan) == pytest.approx(0.05 / m)
    versus = planned_power(plan, Planned("index:climate", "participants", False))
    assert versus.mde == pytest.approx(minimum_detectable_effect(40, 60, 0.8, 0.05 / m))
    assert versus.power_at_hoped == pytest.approx(power_two_sample(0.3, 40, 60, 0.05 / m))
    # A difference-in-differences compares two changes: sized as half the answers each side.
    did = planned_power(plan, Planned("climate:belonging", "did", True))
    assert did.mde == pytest.approx(minimum_detectable_effect(20, 30, 0.8, 0.05 / m))
    assert did.mde is not None and versus.mde is not None and did.mde > versus.mde
    mentors = planned_power(plan, Planned("pulse:recommend_programme", "mentors-mentees", False))
    assert mentors.n == (20, 22)
    assert "d ≥" in versus.note and f"{versus.mde:.2f}" in versus.note
    # No power is invented where none can be stated.
    assert planned_power(plan, Planned("hr:retention", "participants", False)).mde is None
    tiny = Plan(plan.items, expected={"participants": 1, "comparison": 60})
    assert planned_power(tiny, Planned("index:climate", "participants", False)).mde is None
    assert math.isfinite(versus.power_at_hoped or math.nan)


def test_the_plan_form_keeps_its_order_and_refuses_what_it_cannot_use() -> None:
    from webapp.dashboard.plan_views import plan_from_form

    offered = [
        Planned("climate:belonging", "did", False),
        Planned("index:climate", "participants", False),
        Planned("climate:recommend_firm", "did", False),
    ]
    form = MultiDict(
        {
            "plan-climate:belonging|did": "secondary",
            "plan-climate:recommend_firm|did": "primary",
            "alpha": "0.05",
            "correction": "holm",
            "hoped_effect": "0.3",
            **{f"expected-{g}": "10" for g in SIZES},
        }
    )
    plan = plan_from_form(form, offered)
    assert [(i.outcome, i.primary) for i in plan.items] == [
        ("climate:belonging", False),
        ("climate:recommend_firm", True),
    ]
    form["alpha"] = "five"
    with pytest.raises(PlanError, match="alpha"):
        plan_from_form(form, offered)
    form["alpha"] = "0.05"
    form["plan-index:climate|participants"] = "maybe"
    with pytest.raises(PlanError, match="primary, secondary"):
        plan_from_form(form, offered)
