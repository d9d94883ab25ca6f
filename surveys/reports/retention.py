"""Retention and promotion: Kaplan–Meier curves and the log-rank test from HR dates.

This is person-level data, so disclosure control is stricter than for the
survey histograms: a comparison runs only when each group holds at least k
people (the engine refuses otherwise); time is coarsened to whole months from
enrolment; a curve is shown only while at least k people of its group are
still followed (at risk), and the share "within N months" obeys the same rule.

**Every shown step rests on at least k events** (PRODUCT.md 2.3): a drop of
fewer than k people (100% to 98.7% of 78 is one person leaving) would tell who
left. Months are merged into intervals, a life table: a step is shown at the
first month by which at least k events have happened since the last step, so
each drop is k people or more; N of "within N months" closes an interval when it
can (the events since the last step join it), so the share is the curve's value
at N. Events after the last step that never reach k are not shown: the curve
stops there, and the page says so with the wording of every other suppression.
Every count shown goes through :mod:`surveys.disclosure`. Only the summary
numbers leave this module: the engine's full step list (every event time) is
never handed to a page.

HR data is not survey answers: it is read live (there is no batched release
of HR records), and it never touches the anonymous responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Enrolment, Firm, Person, Programme, Promotion
from surveys.services.errors import Invalid
from surveys.stats import StatsInputError, TestResult, survival_comparison

DAYS_PER_MONTH = 30.4375
#: How each split names its groups, and which enrolment roles each holds.
SPLITS: dict[str, dict[str, tuple[str, ...]]] = {
    "participants": {"participants": ("mentor", "mentee"), "comparison group": ("comparison",)},
    "mentors-mentees": {"mentors": ("mentor",), "mentees": ("mentee",)},
}
OUTCOME_WORDS = {"retention": "leaving the firm", "promotion": "promotion"}


@dataclass(frozen=True)
class CurvePoint:
    """One step of one group's Kaplan–Meier curve: the estimate at the end of an interval
    of months holding at least k events (shown only while k are at risk). The first point
    of a curve is its start (month 0, 100%)."""

    group: str
    month: int
    #: Share still without the event (not yet left / not yet promoted).
    estimate: float
    low: float | None
    high: float | None
    at_risk: int


@dataclass(frozen=True)
class SurvivalView:
    outcome: str
    split: str
    months: int
    #: People per group, through disclosure.
    n: dict[str, disclosure.Result]
    points: list[CurvePoint]
    #: Percentage with the event within ``months`` months, per group.
    within: dict[str, disclosure.Result]
    result: TestResult | None
    refused: str | None
    #: Per group, why the curve stops before the last month followed (fewer than k events).
    notes: dict[str, str] = field(default_factory=dict)


def _months(start: date, end: date) -> float:
    return float(int(max((end - start).days, 0) // DAYS_PER_MONTH))


def person_times(
    session: Session, programme: Programme, outcome: str, roles: tuple[str, ...], today: date
) -> tuple[list[float], list[int]]:
    rows = session.execute(
        select(Person.id, Enrolment.enrolled_on, Person.left_on)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.programme_id == programme.id, Enrolment.role.in_(roles))
        # HR outcomes stay per member firm: the programme's own people only.
        .where(Person.firm_id == programme.firm_id)
        .order_by(Person.id)
    ).all()
    promoted: dict[int, list[date]] = {}
    if outcome == "promotion" and rows:
        for person_id, day in session.execute(
            select(Promotion.person_id, Promotion.promoted_on).where(
                Promotion.person_id.in_([r[0] for r in rows])
            )
        ):
            promoted.setdefault(person_id, []).append(day)
    times: list[float] = []
    events: list[int] = []
    for person_id, start, left_on in rows:
        if start > today or (left_on is not None and left_on < start):
            continue  # not followed yet, or gone before the programme began
        gone = left_on if left_on is not None and left_on <= today else None
        if outcome == "retention":
            end, event = (gone, 1) if gone is not None else (today, 0)
        else:
            stop = gone or today
            after = sorted(d for d in promoted.get(person_id, []) if start < d <= stop)
            end, event = (after[0], 1) if after else (stop, 0)
        times.append(_months(start, end))
        events.append(event)
    return times, events


def _estimate_at(steps: list[list[float]], month: int) -> float:
    value = 1.0
    for time, estimate in steps:
        if time <= month:
            value = estimate
    return value


def _band_at(band: list[list[float | None]], month: int) -> tuple[float | None, float | None]:
    low: float | None = None
    high: float | None = None
    for time, lo, hi in band:
        if time is not None and time <= month:
            low, high = lo, hi
    return low, high


def survival_view(
    session: Session,
    programme: Programme,
    outcome: str,
    split: str,
    default_k: int,
    today: date,
    months: int = 12,
) -> SurvivalView:
    """Kaplan–Meier per group of ``split`` and the log-rank test, disclosed."""
    if outcome not in OUTCOME_WORDS:
        raise Invalid(f"outcome must be one of {', '.join(OUTCOME_WORDS)}")
    if split not in SPLITS:
        raise Invalid(f"the groups must be one of {', '.join(SPLITS)}")
    firm = session.get(Firm, programme.firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    data = {
        group: person_times(session, programme, outcome, roles, today)
        for group, roles in SPLITS[split].items()
    }
    n = {group: disclosure.count(len(times), policy) for group, (times, _) in data.items()}
    try:
        result = survival_comparison(data, min_group_size=policy.k, outcome=OUTCOME_WORDS[outcome])
    except StatsInputError as exc:
        return SurvivalView(outcome, split, months, n, [], {}, None, f"No test was run: {exc}")
    points: list[CurvePoint] = []
    within: dict[str, disclosure.Result] = {}
    notes: dict[str, str] = {}
    for group, (times, events) in data.items():
        steps = result.extras["km"][group]
        band = result.extras["km_ci"][group]
        followed = _last_followed(times, policy.k)
        cuts, left = life_table(times, events, policy.k, followed, months)
        points.append(CurvePoint(group, 0, 1.0, None, None, len(times)))
        if not left and followed > (cuts[-1] if cuts else 0):
            cuts.append(followed)  # no event since the last step: the curve runs on flat
        for month in cuts:
            low, high = _band_at(band, month)
            at_risk = sum(1 for t in times if t >= month)
            points.append(CurvePoint(group, month, _estimate_at(steps, month), low, high, at_risk))
        if left:
            notes[group] = (
                f"The curve stops at month {cuts[-1]}: the events after it are "
                if cuts
                else "No step of this curve is shown: its events are "
            ) + f"suppressed (fewer than {policy.k})."
        last = max((c for c in cuts if c <= months), default=-1)
        if followed >= months and not _events_between(times, events, last, months):
            within[group] = disclosure.Shown(
                100.0 * (1.0 - _estimate_at(steps, months)), len(times)
            )
        elif followed >= months:
            within[group] = disclosure.Suppressed(f"suppressed (fewer than {policy.k})")
        else:
            within[group] = disclosure.Suppressed(
                f"suppressed (fewer than {policy.k} people followed for {months} months)"
            )
    # The engine's step lists name every event time and its observed/expected counts
    # can fall below k: only the disclosed points and the test itself leave.
    shown = replace(result, extras={})
    return SurvivalView(outcome, split, months, n, points, within, shown, None, notes)


def _last_followed(times: list[float], k: int) -> int:
    """The last month at which at least k people of the group are still followed (-1: none)."""
    month = -1
    while sum(1 for t in times if t >= month + 1) >= k:
        month += 1
    return month


def _events_between(times: list[float], events: list[int], after: int, until: int) -> int:
    """Events in the months after ``after`` up to ``until``: a share at ``until`` rests on
    them, so it is shown only when there are none (it is then the last step's value)."""
    return sum(e for t, e in zip(times, events, strict=True) if after < t <= until)


def life_table(
    times: list[float], events: list[int], k: int, followed: int, cut: int
) -> tuple[list[int], int]:
    """The months that end an interval of at least k events (up to ``followed``), and the
    events after the last one (fewer than k, not shown). The interval holding ``cut``
    ends there when it can: the events since the last step join the one before."""
    per_month: dict[int, int] = {}
    for t, e in zip(times, events, strict=True):
        per_month[int(t)] = per_month.get(int(t), 0) + e
    cuts: list[int] = []
    pending = 0
    for month in range(followed + 1):
        pending += per_month.get(month, 0)
        if pending >= k:
            cuts.append(month)
            pending = 0
        elif month == cut and pending and cuts:
            cuts[-1], pending = month, 0
    return cuts, pending
