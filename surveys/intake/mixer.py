"""The mixer's plan: which opened submissions go out together, in which batch.

Pure logic (no database, no keys), so it can be tested and property-tested on
its own; :mod:`surveys.intake.mixing` does the reading and writing around it.

Submissions are grouped per *stream* (firm, programme, survey, survey version)
into cells = cohort (role, level band, tenure band, gender group) x period. A
group becomes a :class:`Batch` only when it holds at least k distinct people
(:func:`people`). Leftovers merge upward once their period has ended, one
level at a time, each level releasing what reaches k:

====  =====================================  ==============================
level cohort                                 period (pulse / climate)
====  =====================================  ==============================
0     role, level, tenure, gender            week / round (any time)
1     role, level, tenure, *                 week / round (period ended)
2     role, level, *, *                      week / round (period ended)
3     role, *, *, *                          week / round (period ended)
4     role, *, *, *                          month of the week (week ended)
5     *, *, *, *                             month / round (month/round ended)
====  =====================================  ==============================

Climate rounds are mixed once, when they close (every level applies to a round
only then): a round's figures are counted from all its sessions in one pass,
and a role is never merged into ``*`` when it holds k people in the round --
at level 3, a role's leftovers short of k take back finer batches of the same
role and round from this pass, smallest first, until the role's group holds k
(:func:`_keep_role`). A round once mixed (``RoundState.mixed``) takes no late
submission: those carry on to the next round.

What still cannot reach k when its month (or round) has ended is carried into
the next period of the same stream (the first week of the next month; the next
round of the survey, once there is one) and planned again there, from level 0,
with that period's submissions; it is stored with the period of the batch that
finally releases it. A carried group may also join a combination this pass has
already released (that combination holds k people already). Nothing is ever
planned into a group below k.

Counting people. Person tags are scoped to a *tag period* (the month of a
pulse's week, or the round), so the same person has unrelated tags in two
tag periods. A group's people are therefore counted as the largest number of
distinct tags within any one tag scope: a lower bound that holds whoever
submitted twice across scopes (a carried leftover and a new submission of the
same person count once at most).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from surveys.domain.periods import month_ended, month_of_week, week_after_month, week_ended

#: A stored cohort value where a batch was generalised.
ANY = "*"

Stream = tuple[int, int, str, int]  # firm_id, programme_id, survey_key, survey_version
Cohort = tuple[str, str, str, str]  # role, level_band, tenure_band, gender_group


@dataclass(frozen=True)
class Waiting:
    """An opened sealed submission as the plan sees it (its answers stay with the caller)."""

    id: uuid.UUID
    stream: Stream
    cohort: Cohort
    #: routing period: "2026-W07" (pulses) or "round:12" (climate rounds)
    period: str
    tag_scope: str
    tag: str


@dataclass(frozen=True)
class Batch:
    """Submissions stored together: one (generalised) cohort and one period, >= k people."""

    stream: Stream
    cohort: Cohort
    period_kind: str  # 'week' | 'month' | 'round'
    period: str  # "2026-W07" | "2026-02" | "12"
    ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True)
class RoundState:
    closed: bool
    #: The next round of the same survey and version in the programme, if any.
    next_round: int | None = None
    #: Whether a pass has already stored the round's figures (it takes nothing more).
    mixed: bool = False


@dataclass(frozen=True)
class Calendar:
    """What the plan needs to know about time: today and the rounds' states."""

    today: date
    rounds: Mapping[int, RoundState] = field(default_factory=dict)

    def round_closed(self, round_id: int) -> bool:
        state = self.rounds.get(round_id)
        return state is not None and state.closed

    def ended(self, period: str) -> bool:
        """Whether a routing period ("2026-W07" / "round:12") has ended."""
        if period.startswith("round:"):
            return self.round_closed(int(period[6:]))
        return week_ended(period, self.today)

    def fully_ended(self, period: str) -> bool:
        """Whether nothing more can join this period's top level (month or round)."""
        if period.startswith("round:"):
            return self.round_closed(int(period[6:]))
        return month_ended(month_of_week(period), self.today)

    def next_period(self, period: str) -> str | None:
        if period.startswith("round:"):
            state = self.rounds.get(int(period[6:]))
            following = state.next_round if state else None
            return f"round:{following}" if following is not None else None
        return week_after_month(month_of_week(period))


def people(items: Iterable[Waiting]) -> int:
    """Distinct people in ``items``: the most distinct tags within one tag scope."""
    scopes: dict[str, set[str]] = defaultdict(set)
    for item in items:
        scopes[item.tag_scope].add(item.tag)
    return max((len(tags) for tags in scopes.values()), default=0)


_Key = tuple[Cohort, str, str]  # (cohort, period_kind, period)


def _level_key(level: int, cohort: Cohort, period: str) -> _Key:
    role, level_band, tenure, gender = cohort
    if period.startswith("round:"):
        kind, stored = "round", period[6:]
    else:
        kind, stored = "week", period
    if level == 0:
        return cohort, kind, stored
    if level == 1:
        return (role, level_band, tenure, ANY), kind, stored
    if level == 2:
        return (role, level_band, ANY, ANY), kind, stored
    if level == 3:
        return (role, ANY, ANY, ANY), kind, stored
    if kind == "week":
        stored, kind = month_of_week(period), "month"
    if level == 4:
        return (role, ANY, ANY, ANY), kind, stored
    return (ANY, ANY, ANY, ANY), kind, stored


def _applies(level: int, period: str, calendar: Calendar) -> bool:
    if period.startswith("round:"):
        state = calendar.rounds.get(int(period[6:]))
        if state is None or not state.closed or state.mixed:
            return False  # rounds are mixed once, at their close
    if level == 0:
        return True
    if level == 5:
        return calendar.fully_ended(period)
    if level == 4 and period.startswith("round:"):
        return False  # rounds have no month: level 3 already grouped role x round
    return calendar.ended(period)


def _plan_stream(
    stream: Stream, items: list[Waiting], k: int, calendar: Calendar, max_carries: int
) -> list[Batch]:
    batches: list[Batch] = []
    period = {item.id: item.period for item in items}
    pending = list(items)
    stored: set[_Key] = set()  # combinations this pass already released (>= k people)
    for _ in range(max_carries + 1):
        for level in range(6):
            groups: dict[_Key, list[Waiting]] = defaultdict(list)
            for item in pending:
                if _applies(level, period[item.id], calendar):
                    groups[_level_key(level, item.cohort, period[item.id])].append(item)
            released: set[uuid.UUID] = set()
            for key, members in sorted(groups.items()):
                if level == 3 and key[1] == "round" and key not in stored:
                    members = _keep_role(key, members, batches, stored, items, k)
                if people(members) >= k or key in stored:
                    ids = tuple(m.id for m in members)
                    batches.append(Batch(stream, key[0], key[1], key[2], ids))
                    released.update(ids)
                    stored.add(key)
            pending = [item for item in pending if item.id not in released]
        carried = False
        for item in pending:
            current = period[item.id]
            following = calendar.next_period(current) if calendar.fully_ended(current) else None
            if following is not None:
                period[item.id] = following
                carried = True
        if not carried or not pending:
            break
    return batches


def _keep_role(
    key: _Key,
    members: list[Waiting],
    batches: list[Batch],
    stored: set[_Key],
    items: list[Waiting],
    k: int,
) -> list[Waiting]:
    """A role's leftovers of a round, short of k: joined by finer batches of the same
    role and round released this pass (smallest first) until they hold k people, so
    the role is not merged into ``*``. Those batches leave ``batches``; unchanged
    when even all of them would not make k."""
    if people(members) >= k:
        return members
    role = key[0][0]
    finer = sorted(
        (b for b in batches if b.period_kind == "round" and b.period == key[2]),
        key=lambda b: (len(b.ids), b.cohort),
    )
    by_id = {item.id: item for item in items}
    taken: list[Batch] = []
    joined = list(members)
    for batch in finer:
        if batch.cohort[0] != role or batch.cohort == key[0]:
            continue
        taken.append(batch)
        joined.extend(by_id[i] for i in batch.ids)
        if people(joined) >= k:
            for batch in taken:
                batches.remove(batch)
                stored.discard((batch.cohort, batch.period_kind, batch.period))
            return joined
    return members


def plan(
    items: Iterable[Waiting],
    k_of_firm: Callable[[int], int],
    calendar: Calendar,
    *,
    max_carries: int = 520,
) -> list[Batch]:
    """The batches to release now; every submission not in one stays sealed.

    ``max_carries`` bounds how many periods a leftover may be carried forward
    in one pass (ten years of months: a mixer that has not run for longer than
    that resumes on its next pass).
    """
    streams: dict[Stream, list[Waiting]] = defaultdict(list)
    for item in items:
        streams[item.stream].append(item)
    batches: list[Batch] = []
    for stream in sorted(streams):
        batches.extend(
            _plan_stream(stream, streams[stream], k_of_firm(stream[0]), calendar, max_carries)
        )
    return batches
