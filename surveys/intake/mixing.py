"""One mixer pass against the database: open, plan, store in random order, count, delete.

Everything happens in the caller's single transaction (:func:`mix_pass`):

1. a lock so two mixers never overlap (PostgreSQL: a transaction-scoped advisory
   lock; SQLite: every write transaction is ``BEGIN IMMEDIATE`` already);
2. read the sealed rows of the periods that can release something now
   (:func:`due_periods`, from the plain routing key alone) and open them with
   the private key; the others are not even read;
3. plan the batches (:func:`surveys.intake.mixer.plan`);
4. insert the released responses and their answers, shuffled, with fresh random
   ids, in bulk (one executemany per table), with no date and no person tag;
5. count them into the aggregate cells and release those cells, pool the
   comments (:func:`surveys.aggregates.add_batch`);
6. delete the opened sealed rows, by id list.

A failure anywhere rolls all of it back: nothing lost, nothing doubled; a
redelivered pass finds only what is still sealed. Leftovers below k are not
touched at all (not even rewritten), so they wait exactly as they were.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from surveys.db.models import FigurePeople, Firm, SealedSubmission, SurveyRound
from surveys.db.session import Database
from surveys.domain.periods import month_ended, month_of_week, week_ended
from surveys.intake.keys import PRIVATE_KEY, Keys
from surveys.intake.mixer import Calendar, RoundState, Waiting, plan
from surveys.intake.people_seals import drop_ended
from surveys.intake.sealing import Opener
from surveys.intake.storing import store

#: Key of the PostgreSQL advisory lock held by a running pass ("mix" in ASCII).
LOCK_KEY = 0x6D6978
_CHUNK = 5000


@dataclass(frozen=True)
class MixReport:
    sealed: int
    released: int
    batches: int
    #: Programmes whose release version the pass moved (their reports are stale).
    programmes: frozenset[int] = frozenset()

    @property
    def waiting(self) -> int:
        return self.sealed - self.released


def lock(session: Session) -> None:
    """Hold the mixer lock until the transaction ends (PostgreSQL; SQLite writers queue)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _rounds(session: Session, round_ids: set[int]) -> dict[int, RoundState]:
    """Each round's state and the next round of the same survey in its programme."""
    if not round_ids:
        return {}
    mine = session.execute(select(SurveyRound).where(SurveyRound.id.in_(sorted(round_ids))))
    found: dict[int, RoundState] = {}
    for (round_,) in mine:
        following = session.scalar(
            select(SurveyRound.id)
            .where(
                SurveyRound.programme_id == round_.programme_id,
                SurveyRound.survey_key == round_.survey_key,
                SurveyRound.survey_version == round_.survey_version,
                SurveyRound.opened_on > round_.opened_on,
            )
            .order_by(SurveyRound.opened_on, SurveyRound.id)
            .limit(1)
        )
        found[round_.id] = RoundState(bool(round_.closed), following)
    mixed = session.scalars(
        select(FigurePeople.period)
        .where(
            FigurePeople.period_kind == "round",
            FigurePeople.period.in_(sorted(str(i) for i in found)),
        )
        .distinct()
    )
    for period in mixed:
        state = found[int(period)]
        found[int(period)] = RoundState(state.closed, state.next_round, mixed=True)
    return found


def _k_of(session: Session, firm_ids: set[int], default_k: int) -> dict[int, int]:
    rows = session.execute(
        select(Firm.id, Firm.min_group_size).where(Firm.id.in_(sorted(firm_ids)))
    )
    configured = {firm_id: k for firm_id, k in rows}
    return {firm_id: configured.get(firm_id) or default_k for firm_id in firm_ids}


def inbox(session: Session) -> dict[str, int]:
    """Sealed rows waiting per routing period (the plain column only: nothing opened)."""
    query = select(SealedSubmission.period, func.count()).group_by(SealedSubmission.period)
    return {period: int(rows) for period, rows in session.execute(query)}


def due_periods(
    session: Session, counts: Mapping[str, int], today: date, default_k: int
) -> list[str]:
    """The routing periods whose sealed rows a pass opens: those that can release now.

    ``counts`` is :func:`inbox`. A period is due when it has ended (its week, or
    its round closed: leftovers merge upward and carry on), or when it is a week
    holding at least k rows (the smallest k of any firm: fewer rows cannot hold k
    people). A round is mixed only once closed (:mod:`surveys.intake.mixer`).
    Not-ended periods that a
    due, fully ended one carries its leftovers into (the next month's first week,
    the survey's next round) are opened with it, so the carried people meet the
    new ones. Everything else waits unread: opening every sealed row on every pass
    would cost the whole inbox each time (PRODUCT.md 3: a period released within
    60 s with a million waiting). Safety never depends on this choice -- the plan
    releases nothing below k whatever it is given -- only how soon a group goes out.
    """
    if not counts:
        return []
    smallest = session.scalar(select(func.min(Firm.min_group_size)))
    k = min(default_k, smallest) if smallest else default_k
    round_ids = {int(p[6:]) for p in counts if p.startswith("round:")}
    closed = set(session.scalars(select(SurveyRound.id).where(SurveyRound.closed))) & round_ids
    rounds = _rounds(session, closed)  # open rounds need no more than "not closed"
    due = set()
    carries_into_weeks = False
    for period, rows in counts.items():
        if period.startswith("round:"):
            state = rounds.get(int(period[6:]))
            ended = state is not None and state.closed
            following = state.next_round if state is not None and ended else None
            while following is not None and f"round:{following}" not in due:
                after = _rounds(session, {following}).get(following)
                if after is None or not after.closed:
                    break  # an open round mixes nothing yet
                due.add(f"round:{following}")  # carried leftovers meet the next round
                following = after.next_round
        else:
            ended = week_ended(period, today)
            carries_into_weeks |= month_ended(month_of_week(period), today)
        if ended or (rows >= k and not period.startswith("round:")):
            due.add(period)
    if carries_into_weeks:
        due.update(p for p in counts if not p.startswith("round:"))
    return sorted(due & set(counts))


def mix_pass(
    session: Session,
    opener: Opener,
    *,
    default_k: int,
    today: date | None = None,
    rng: random.Random | None = None,
) -> MixReport:
    """One pass in the caller's transaction (the caller commits); see the module docstring."""
    lock(session)
    rng = rng or random.SystemRandom()
    today = today or date.today()
    counts = inbox(session)
    due = due_periods(session, counts, today, default_k)
    rows: list[Any] = []
    for start in range(0, len(due), _CHUNK):
        rows += session.execute(
            select(SealedSubmission.id, SealedSubmission.sealed).where(
                SealedSubmission.period.in_(due[start : start + _CHUNK])
            )
        ).all()
    if not rows:
        drop_ended(session, today)
        return MixReport(sum(counts.values()), 0, 0)
    opened = {row.id: opener.open(row.sealed) for row in rows}
    waiting = [
        Waiting(
            id=sealed_id,
            stream=(sub.firm_id, sub.programme_id, sub.survey_key, sub.survey_version),
            cohort=(sub.role, sub.level_band, sub.tenure_band, sub.gender_group),
            period=sub.period,
            tag_scope=sub.tag_period,
            tag=sub.tag,
        )
        for sealed_id, sub in opened.items()
    ]
    round_ids = {s.round_id for s in opened.values() if s.round_id is not None}
    rounds = _rounds(session, round_ids)
    following = {s.next_round for s in rounds.values() if s.next_round} - set(rounds)
    while following:  # where leftovers may be carried
        rounds.update(_rounds(session, following))
        following = {s.next_round for s in rounds.values() if s.next_round} - set(rounds)
    calendar = Calendar(today, rounds)
    k = _k_of(session, {s.firm_id for s in opened.values()}, default_k)
    batches = plan(waiting, k.__getitem__, calendar)

    def final(kind: str, period: str) -> bool:
        if kind == "round":
            return calendar.round_closed(int(period))
        return month_ended(period, calendar.today)

    released = store(session, batches, opened, rng, opener, final)
    gone = [sealed_id for batch in batches for sealed_id in batch.ids]
    for start in range(0, len(gone), _CHUNK):
        session.execute(
            delete(SealedSubmission)
            .where(SealedSubmission.id.in_(gone[start : start + _CHUNK]))
            .execution_options(synchronize_session=False)
        )
    drop_ended(session, today)  # after counting: a period's last pass still had them
    programmes = frozenset(opened[i].programme_id for batch in batches for i in batch.ids)
    return MixReport(sum(counts.values()), released, len(batches), programmes)


class MixerKeyMissing(Exception):
    """The private key is not configured where a mixer pass was asked for."""


def opener_for(keys: Keys) -> Opener:
    """The opener of the configured private key, or one clear line saying it is missing."""
    if keys.private_key is None:
        raise MixerKeyMissing(
            f"{PRIVATE_KEY} is required where the mixer runs (worker processes, "
            "`flipside mix`); web processes only need the public key"
        )
    return Opener(keys.private_key)


def mix_now(db: Database, keys: Keys, *, default_k: int, today: date | None = None) -> MixReport:
    """One pass in its own transaction (the actor, `flipside mix`, the demo and tests)."""
    opener = opener_for(keys)
    with db.transaction() as session:
        return mix_pass(session, opener, default_k=default_k, today=today)
