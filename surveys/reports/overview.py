"""The programme overview a D&I lead sees, every number through disclosure control.

Enrolment by role, pairings, meetings per month and invitations sent are head
counts of the programme's own records. Responses per role are read from the
released responses the API lists a lead by role, month or round
(:func:`~surveys.reports.judged.by_attribute`), never from the live
counters or the invitations' responded flags, so the overview moves only when a batch of
at least k responses of a cohort has been released. Roles that were sent no
invitation at all are not listed in the survey tables. Response rates divide the
invitations answered (their responded flag) by the invitations sent, per role:
released responses would shrink the numerator (batching, cells below k) but not
the denominator. Each count is a breakdown at k, and a rate is shown only when
both of its counts are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import (
    Firm,
    Meeting,
    Pairing,
    Programme,
)
from surveys.domain.vocab import ROLES
from surveys.reports import cache as release_cache
from surveys.reports import codec
from surveys.reports.counts import answered_by_role, enrolled_by_role, sent_by_role
from surveys.reports.judged import by_attribute
from surveys.reports.pulse_details import calendar_months
from surveys.reports.released_cells import candidate_cells
from surveys.reports.shown_sums import figures_of


@dataclass(frozen=True)
class Overview:
    """The overview tables: each a breakdown with complementary suppression."""

    programme: Programme
    policy: disclosure.Policy
    enrolment: disclosure.Breakdown[str]
    pairings: disclosure.Breakdown[str]
    meetings: disclosure.Breakdown[str]
    invitations: disclosure.Breakdown[str]
    #: Invitations answered (the responded flag), per role: the rates' numerators.
    answered: disclosure.Breakdown[str]
    #: Responses released so far (batches of at least k), per role.
    responses: disclosure.Breakdown[str]
    response_rates: dict[str, disclosure.Result]


def _by_role(counts: Mapping[str, int], roles: Iterable[str] = ROLES) -> dict[str, int]:
    return {role: counts.get(role, 0) for role in roles}


def _rate(
    answered: disclosure.Result, invitations: disclosure.Result, policy: disclosure.Policy
) -> disclosure.Result:
    """Answered over sent; hidden when either count is (a rate times its whole is its part)."""
    if isinstance(answered, disclosure.Suppressed):
        return answered
    if isinstance(invitations, disclosure.Suppressed):
        return invitations
    return disclosure.rate(int(answered.value), int(invitations.value), policy)


def _answered(session: Session, programme: Programme, policy: disclosure.Policy) -> dict[str, int]:
    answered: dict[str, int] = {}
    # The sums the API lists a lead by role (each judged as shown), so the page's total
    # is a sum of listed figures and tells nothing the listing does not.
    cells = candidate_cells(session, programme.id, policy, question_key=RESPONSES, whole=True)
    for cell in by_attribute(cells, "role", policy, figures_of(session, programme.id)):
        # Pulses count by month; round surveys are listed by round only.
        if cell.question_key == RESPONSES and cell.item == "":
            answered[cell.role] = answered.get(cell.role, 0) + cell.released_n
    return answered


def answered_to_dict(answered: dict[str, int]) -> dict[str, Any]:
    return dict(answered)


def answered_from_dict(value: object) -> dict[str, int]:
    """Released responses per role as stored, checked (role names and counts)."""
    data = codec.obj(value)
    answered = {role: codec.integer(data, role) for role in data}
    # '*': responses whose role was generalised by the mixer (surveys/intake/mixer.py).
    if not set(answered) <= {*ROLES, "*"} or any(n < 0 for n in answered.values()):
        raise codec.Malformed("not responses per role")
    return answered


#: How the responses per role are stored (surveys/reports/cache.py).
ANSWERED_CODEC = release_cache.Codec(answered_to_dict, answered_from_dict)


def responses_by_role(
    session: Session, programme: Programme, policy: disclosure.Policy
) -> dict[str, int]:
    """Released responses per role, decided once per release (surveys/reports/cache.py)."""
    key = release_cache.key_for("responses by role", programme, policy.k)
    return release_cache.cached(
        session, key, lambda: _answered(session, programme, policy), ANSWERED_CODEC
    )


def programme_overview(session: Session, programme: Programme, default_k: int) -> Overview:
    """Build the overview of ``programme`` under its firm's k."""
    firm = session.get(Firm, programme.firm_id)
    assert firm is not None
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    enrolled = enrolled_by_role(session, programme.id)
    pairing_rows = session.execute(
        select(Pairing.ended_on.is_(None), func.count())
        .where(Pairing.programme_id == programme.id)
        .group_by(Pairing.ended_on.is_(None))
    ).all()
    pairings = {"active": 0, "ended": 0}
    pairings.update({("active" if active else "ended"): n for active, n in pairing_rows})
    held = session.scalars(
        select(Meeting.held_on)
        .join(Pairing, Pairing.id == Meeting.pairing_id)
        .where(Pairing.programme_id == programme.id)
    ).all()
    counted: dict[str, int] = {}
    for day in held:
        counted[f"{day:%Y-%m}"] = counted.get(f"{day:%Y-%m}", 0) + 1
    # Every month from the first meeting to the last, in date order: a month without
    # meetings is below k like any small one, and is shown in place as suppressed.
    months = {month: counted.get(month, 0) for month in calendar_months(counted)}
    sent = sent_by_role(session, programme.id)
    answered = answered_by_role(session, programme.id)
    released = responses_by_role(session, programme, policy)
    # Roles never surveyed (no pulse goes to the comparison group) are left out rather
    # than shown as a suppressed zero that would drag a real cell down with it.
    surveyed = [role for role in ROLES if sent.get(role)]
    invitations = disclosure.breakdown(_by_role(sent, surveyed), policy)
    answers = disclosure.breakdown(_by_role(answered, surveyed), policy)
    responses = disclosure.breakdown(_by_role(released, surveyed), policy)
    rates = {role: _rate(answers.cells[role], invitations.cells[role], policy) for role in surveyed}
    rates["all"] = _rate(answers.total, invitations.total, policy)
    return Overview(
        programme=programme,
        policy=policy,
        enrolment=disclosure.breakdown(_by_role(enrolled), policy),
        pairings=disclosure.breakdown(pairings, policy),
        meetings=disclosure.breakdown(months, policy),
        invitations=invitations,
        answered=answers,
        responses=responses,
        response_rates=rates,
    )
