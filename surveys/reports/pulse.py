"""Pulse trends: each item of the session pulses, month by month.

Built only from cells :func:`~surveys.reports.released_cells.disclosed_cells`
lets through (released snapshots, each cell of at least k, no month within k
of its weeks), added up across cohorts; a month whose total is still below k
is suppressed. Percentages of a shown month come from its released histogram.
Pulses are answered per session, so every figure is judged on the people
behind it (:func:`surveys.disclosure.people_behind`), not its responses.
0-10 items, topic shares and comments are built in
:mod:`surveys.reports.pulse_details` from the same cells, so the page asks the
disclosure module once per survey. A member firm of a cross-organisation
programme gets the same report of its own people, at its own k, built per view
(:func:`member_pulse_report`); its coordinator gets it of the whole programme, from
the pooled cells (:func:`pooled_pulse_report`), never split by member.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme
from surveys.definitions import PULSE_FOR_ROLE, catalogue
from surveys.definitions.model import DEFAULT_LIKERT_LABELS, Question
from surveys.reports import cache as release_cache
from surveys.reports import codec
from surveys.reports.counts import enrolled_by_role
from surveys.reports.headline_rules import likert_month
from surveys.reports.pooled import pooled_cells, pooled_policy
from surveys.reports.pulse_details import (
    CommentMonths,
    ScoreTrend,
    TopicShares,
    calendar_months,
    comment_months,
    score_trend,
    topic_shares,
)
from surveys.reports.released_cells import ReleasedCellView, candidate_cells
from surveys.reports.shown_sums import everyone, figures_of


@dataclass(frozen=True)
class MonthShares:
    """One month of one item: the disclosed n, and the share per answer when shown."""

    period: str
    n: disclosure.Result
    #: Percentages for answers 1..5; empty when the month is suppressed.
    shares: tuple[float, ...]


@dataclass(frozen=True)
class LikertTrend:
    #: Whose pulse: "Mentors' pulse" or "Mentees' pulse".
    survey_title: str
    question_key: str
    question_text: str
    labels: tuple[str, ...]
    months: list[MonthShares]


@dataclass(frozen=True)
class PulseReport:
    """Everything the pulse trends page shows, each number already through disclosure."""

    policy: disclosure.Policy
    likert: list[LikertTrend]
    scores: list[ScoreTrend]
    topics: list[TopicShares]
    comments: list[CommentMonths]
    #: Pulses not shown at all, each with the reason (fewer than k people in the role).
    withheld: list[str] = field(default_factory=list)


#: How the pulse report is stored (surveys/reports/cache.py).
PULSE_CODEC: release_cache.Codec[PulseReport] = release_cache.Codec(
    codec.dump, codec.loader(PulseReport)
)


def pulse_report(session: Session, programme: Programme, default_k: int) -> PulseReport:
    """Likert trends, 0-10 trends, topic shares and comments of the current pulses.

    Kept until the programme's next release, in the process and in the database
    (surveys/reports/cache.py); the worker stores it right after each release.
    """
    firm = session.get(Firm, programme.firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    # Pulses are per session; their figures are judged on people (released_cells). Still,
    # a role with fewer than k people enrolled could describe single pairings, so its
    # pulse is not shown at all (enrolment is live, so it is part of the key).
    enrolled = enrolled_by_role(session, programme.id)
    roles = tuple(role for role in PULSE_FOR_ROLE if enrolled.get(role, 0) >= policy.k)
    key = release_cache.key_for("pulse", programme, policy.k, *roles)
    return release_cache.cached(
        session, key, lambda: _pulse_report(session, programme, policy, roles), PULSE_CODEC
    )


def member_pulse_report(
    session: Session, programme: Programme, firm_id: int, default_k: int
) -> PulseReport:
    """The pulse trends of one member firm's people in a (cross-organisation) programme.

    The same figures as :func:`pulse_report`, from that firm's disclosed cells only,
    each decided at that firm's k (``firm_ids`` of
    :func:`~surveys.reports.released_cells.disclosed_cells`). Built per view, never
    stored: the release cache holds the owning firm's report. Comments are left out:
    pooled comments are matched to cells by cohort and month, not by member.
    """
    firm = session.get(Firm, firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    enrolled = enrolled_by_role(session, programme.id, firm_id=firm_id)
    roles = tuple(role for role in PULSE_FOR_ROLE if enrolled.get(role, 0) >= policy.k)
    return _pulse_report(session, programme, policy, roles, firm_ids=(firm_id,))


def pooled_pulse_report(
    session: Session, programme: Programme, firm_ids: Collection[int], default_k: int
) -> PulseReport:
    """A coordinator's pulse trends of the whole programme (``firm_ids``: its members).

    A role's pulse pools the members whose own lead is shown it (:func:`member_pulse_report`),
    each member's cells as its lead may see them, decided at the largest k of the members
    (:func:`~surveys.reports.pooled.pooled_cells`): pool minus one member's own figures
    is a sum of figures other members' leads were shown. Built per view; no comments.
    """
    firms = session.scalars(select(Firm).where(Firm.id.in_(sorted(firm_ids))))
    policies = {f.id: disclosure.Policy.for_firm(f.min_group_size, default_k) for f in firms}
    policy = pooled_policy(policies)
    enrolled = {i: enrolled_by_role(session, programme.id, firm_id=i) for i in policies}
    members = {
        role: {i for i, p in policies.items() if enrolled[i].get(role, 0) >= p.k}
        for role in PULSE_FOR_ROLE
    }
    counts = {role: sum(enrolled[i].get(role, 0) for i in members[role]) for role in members}
    roles = tuple(role for role, n in counts.items() if n >= policy.k)

    def pooled(role: str, survey_key: str) -> Sequence[ReleasedCellView]:
        return pooled_cells(
            session,
            programme.id,
            programme.firm_id,
            policies,
            by="role",
            survey_key=survey_key,
            members=members[role],
        )

    return _pulse_report(session, programme, policy, roles, source=pooled)


def _pulse_report(
    session: Session,
    programme: Programme,
    policy: disclosure.Policy,
    roles: tuple[str, ...],
    *,
    firm_ids: tuple[int, ...] | None = None,
    source: Callable[[str, str], Sequence[ReleasedCellView]] | None = None,
) -> PulseReport:
    """The owning firm's report, or of ``firm_ids``' cells or ``source``'s (role, survey)."""
    report = PulseReport(policy, [], [], [], [])
    for role, survey_key in PULSE_FOR_ROLE.items():
        definition = catalogue().current(survey_key)
        title = f"{role.capitalize()}s' pulse"
        if role not in roles:
            report.withheld.append(
                f"{title}: not shown, as fewer than {policy.k} {role}s are enrolled and "
                "their session pulses could describe single pairings."
            )
            continue
        found = (
            source(role, survey_key)
            if source is not None
            else candidate_cells(
                session, programme.id, policy, survey_key=survey_key, firm_ids=firm_ids, whole=True
            )
        )
        cells = [
            c for c in found if c.survey_version == definition.version and c.period_kind == "month"
        ]
        # The page's figures: each month over every cohort, with its exact people.
        totals = cells if source else everyone(cells, figures_of(session, programme.id, survey_key))
        for question in definition.questions:
            if question.type == "likert5":
                report.likert.append(_likert(title, question, totals, policy))
            elif question.type == "scale0_10":
                report.scores.append(score_trend(title, question, totals, policy))
            elif question.type == "multi_choice":
                report.topics.append(topic_shares(title, question, totals, policy))
            elif question.type == "text" and firm_ids is None and source is None:
                report.comments.append(
                    comment_months(
                        session,
                        programme.id,
                        title,
                        survey_key,
                        definition.version,
                        question,
                        cells,
                        policy,
                    )
                )
    return report


def _likert(
    title: str, question: Question, cells: list[ReleasedCellView], policy: disclosure.Policy
) -> LikertTrend:
    histograms: dict[str, dict[int, int]] = {}
    parts: dict[str, list[ReleasedCellView]] = {}
    for cell in cells:
        if cell.question_key != question.key:
            continue
        month = histograms.setdefault(cell.period, {})
        parts.setdefault(cell.period, []).append(cell)
        for value, count in disclosure.released(cell).histogram.items():
            month[int(value)] = month.get(int(value), 0) + count
    months = []
    for period in calendar_months(histograms):
        counts = histograms.get(period, {})
        # A month where everyone (or all but a few) gave one answer is hidden like a small
        # one; in people. The headline's share favourable uses the same rule.
        n = likert_month(counts, policy, parts.get(period, []))
        shares: tuple[float, ...] = ()
        if isinstance(n, disclosure.Shown):
            shares = tuple(100.0 * counts.get(v, 0) / n.n for v in range(1, 6))
        months.append(MonthShares(period, n, shares))
    return LikertTrend(
        title,
        question.key,
        question.text,
        question.labels or DEFAULT_LIKERT_LABELS,
        months,
    )
