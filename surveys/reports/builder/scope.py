"""What every comparison reads from: the programme's :class:`Scope` and its :class:`Rounds`.

Both are resolved once, before the builder loops over the chosen outcomes, and
never change afterwards: a comparison is a plain function of
``(Scope, Outcome, Rounds)`` that hands back its row and the group means it
showed (:class:`Compared`), so no comparison writes into state another reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme, SurveyRound
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE
from surveys.reports.builder.comparisons import TABLE
from surveys.reports.builder.request import BadQuery, BuilderRequest, Outcome
from surveys.reports.builder.sides import GroupMean, Loader, OutcomeRow, pick_round
from surveys.reports.counts import answered_by_role, enrolled_by_role
from surveys.reports.two_cohorts import released_histogram
from surveys.services.errors import Invalid


@dataclass(frozen=True)
class Scope:
    """One programme under its firm's k, and the test the request chose for two sides."""

    session: Session
    programme: Programme
    firm: Firm
    policy: disclosure.Policy
    #: A key of :data:`~surveys.reports.two_cohorts.TESTS` (the climate index: Welch only).
    test: str = "welch"
    #: The months a pulse is read over ("2026-02", ...); None = every month (the dashboard).
    months: tuple[str, ...] | None = None

    @property
    def k(self) -> int:
        return self.policy.k


def scope_of(
    session: Session,
    programme: Programme,
    default_k: int,
    test: str,
    months: tuple[str, ...] | None = None,
) -> Scope:
    """The programme's scope: its firm is read once, its k is the firm's or ``default_k``."""
    firm = session.get_one(Firm, programme.firm_id)
    policy = disclosure.Policy.for_firm(firm.min_group_size, default_k)
    return Scope(session, programme, firm, policy, test, months)


@dataclass(frozen=True)
class Rounds:
    """The climate rounds a request reads: ``one``, or ``before`` and ``after`` (did).

    All three are None when no chosen outcome reads the climate survey (pulse
    and HR outcomes only). A comparison that needs a round it was not given
    is refused, like any other comparison the rules do not allow.
    """

    one: SurveyRound | None = None
    before: SurveyRound | None = None
    after: SurveyRound | None = None

    def single(self) -> SurveyRound:
        """The one round compared; refused when the request resolved none."""
        if self.one is None:
            raise Invalid("this comparison reads one climate round, and none was chosen")
        return self.one

    def pair(self) -> tuple[SurveyRound, SurveyRound]:
        """The before and after rounds of a difference-in-differences."""
        if self.before is None or self.after is None:
            raise Invalid("difference-in-differences reads a before and an after climate round")
        return self.before, self.after

    def describe(self) -> str:
        """Which rounds were read, in words ("" when none was)."""
        if self.before is not None and self.after is not None:
            return f"climate rounds '{self.before.label}' (before) and '{self.after.label}' (after)"
        return f"climate round '{self.one.label}'" if self.one is not None else ""

    def read(self) -> tuple[SurveyRound, ...]:
        """Every round read, in order: one, or before then after."""
        return tuple(r for r in (self.one, self.before, self.after) if r is not None)


_NEEDS_TWO = {"did": "difference-in-differences", "paired": "a paired comparison"}


def resolve_rounds(rounds: list[SurveyRound], request: BuilderRequest, needs_round: bool) -> Rounds:
    """The rounds ``request`` names among the programme's climate ``rounds``, before the loop.

    Unnamed rounds default to the latest (or, for the before round, the first).
    A before round that opened after its after round is refused with a sentence
    for the form: reversed, every change would read the wrong way round.
    """
    if not needs_round:
        return Rounds()
    comparison = TABLE.get(request.comparison)
    if comparison is not None and comparison.needs_rounds:
        before = pick_round(rounds, request.baseline_id, 0)
        after = pick_round(rounds, request.followup_id, -1)
        if before.id == after.id and len(rounds) > 1:
            raise BadQuery(
                f"the before and after rounds are both '{before.label}'; "
                "choose two different rounds"
            )
        if before.id == after.id:
            raise Invalid(
                f"{_NEEDS_TWO[request.comparison]} needs two climate rounds; there is one"
            )
        if (before.opened_on, before.id) > (after.opened_on, after.id):
            raise BadQuery(
                f"the before round '{before.label}' (opened {before.opened_on:%d %B %Y}) "
                f"is later than the after round '{after.label}' (opened "
                f"{after.opened_on:%d %B %Y}); choose the earlier round as before"
            )
        return Rounds(before=before, after=after)
    return Rounds(one=pick_round(rounds, request.round_id, -1))


@dataclass(frozen=True)
class Compared:
    """One comparison's outcome row and the group means it shows beside it."""

    row: OutcomeRow
    means: list[GroupMean] = field(default_factory=list)


#: A comparison: one outcome compared within the scope, over the resolved rounds.
Compare = Callable[[Scope, Outcome, Rounds], Compared]


def loader(scope: Scope, roles: tuple[str, ...], round_id: int | None, role_survey: bool) -> Loader:
    """Question key -> the pooled released histogram of ``roles`` in one round (or pulse)."""

    def read(question_key: str) -> Counter[float]:
        if role_survey:  # a pulse: each role answers its own survey, over its months
            total: Counter[float] = Counter()
            for role in roles:
                total += released_histogram(
                    scope.session,
                    scope.programme.id,
                    PULSE_FOR_ROLE[role],
                    question_key,
                    "role",
                    [role],
                    scope.k,
                    months=scope.months,
                )
            return total
        return released_histogram(
            scope.session,
            scope.programme.id,
            CLIMATE,
            question_key,
            "role",
            roles,
            scope.k,
            round_id,
        )

    return read


def enough_people(scope: Scope, specs: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """Pulses count sessions, not people: a side also needs k people enrolled.

    Five pulse responses can come from one mentor's five sessions; a side
    whose role has fewer than k people in the programme could describe one
    pairing, which mentors are promised never happens.
    """
    enrolled = enrolled_by_role(scope.session, scope.programme.id)
    for label, roles in specs:
        if sum(enrolled.get(role, 0) for role in roles) < scope.k:
            raise Invalid(
                f"fewer than {scope.k} {label} are enrolled, so their session pulses "
                "could describe single pairings"
            )


def answered(scope: Scope, roles: tuple[str, ...], round_id: int | None, role_survey: bool) -> int:
    """Invitations of ``roles`` answered: in one climate round, or (pulses) every session's."""
    if role_survey:
        keys = [PULSE_FOR_ROLE[role] for role in roles]
        counts = answered_by_role(scope.session, scope.programme.id, survey_keys=keys)
    else:
        counts = answered_by_role(scope.session, scope.programme.id, round_id=round_id)
    return sum(counts.get(role, 0) for role in roles)
