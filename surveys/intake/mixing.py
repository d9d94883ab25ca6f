"""One mixer pass against the database: open, plan, store in random order, count, delete.

A pass (:func:`mix_now`) runs in bounded transactions and bounded memory:

1. *plan* (one read-only transaction): read the sealed rows of the periods that
   can release something now (:func:`surveys.intake.due.due_periods`, from the
   plain routing key alone) through a server-side cursor, a page at a time, and
   open each one only to keep what the plan needs (:class:`Waiting`: stream,
   cohort, period, tag; a few hundred bytes, not the answers); plan the batches
   (:func:`surveys.intake.mixer.plan`);
2. *release*, group by group, each chunk of groups in its own transaction
   (:func:`release_chunk`): lock the chunk's sealed rows (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL), open them again, insert the released responses and
   answers shuffled, with fresh random ids, with no date and no person tag; count
   them into the aggregate cells, pool the comments; delete the sealed rows.
   A *group* is every batch of one stored combination (stream, cohort, period):
   a carried group may lean on a batch of the same combination released in the
   same pass, so a group goes out whole or not at all. A group any of whose rows
   another mixer holds or has already released is left to the next pass: two
   mixers never release a row twice;
3. *close* (one transaction under the mixer's advisory lock): drop the ended
   periods' people seals, compute the paired differences of climate round pairs
   that closed since (:func:`surveys.longitudinal.release.release_paired`, at k),
   record the pass.

A failure (or SIGKILL) inside a chunk rolls that chunk back: nothing lost,
nothing doubled; the chunks committed before it stand (each one complete, >= k
people per batch), and a redelivered pass finds only what is still sealed.
Leftovers below k are not touched at all (not even rewritten).

:func:`mix_pass` is the same in the caller's one transaction (round-closing
actor, the demo's clock, tests).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from surveys.db.dialect import is_postgres
from surveys.db.models import SealedSubmission
from surveys.db.session import Database
from surveys.domain.periods import month_ended
from surveys.intake.due import due_periods, inbox, k_of, rounds_of
from surveys.intake.keys import PRIVATE_KEY, Keys
from surveys.intake.mixer import Batch, Calendar, Waiting, plan
from surveys.intake.passes import record_pass
from surveys.intake.people_seals import drop_ended
from surveys.intake.sealing import Opener
from surveys.intake.storing import store
from surveys.longitudinal.release import release_paired
from surveys.longitudinal.vault import pairing_key

__all__ = ["LOCK_KEY", "MixReport", "due_periods", "inbox", "mix_now", "mix_pass"]

#: Key of the PostgreSQL advisory lock held by a pass's closing step ("mix" in ASCII).
LOCK_KEY = 0x6D6978
#: Key of the session-level advisory lock a whole pass holds (one pass at a time).
PASS_KEY = LOCK_KEY + 1
_CHUNK = 5000
#: Rows read (and opened) per page of the server-side cursor.
PAGE = 2000
#: Rows released per transaction (a group larger than this still goes out whole).
CHUNK_ROWS = 2000

Final = Callable[[str, str], bool]


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


@dataclass(frozen=True)
class Planned:
    """A pass's plan: the inbox size, the groups to release, which periods are final."""

    sealed: int
    groups: list[list[Batch]]
    final: Final


def lock(session: Session) -> None:
    """Hold the mixer lock until the transaction ends (PostgreSQL; SQLite writers queue)."""
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _waiting(session: Session, due: list[str], opener: Opener) -> Iterator[tuple[Waiting, int]]:
    """Every due sealed row, opened a page at a time, as (what the plan needs, firm id)."""
    for start in range(0, len(due), _CHUNK):
        query = select(SealedSubmission.id, SealedSubmission.sealed).where(
            SealedSubmission.period.in_(due[start : start + _CHUNK])
        )
        result = session.execute(query.execution_options(yield_per=PAGE))
        for sealed_id, sealed in result:
            sub = opener.open(sealed)
            yield (
                Waiting(
                    id=sealed_id,
                    stream=(sub.firm_id, sub.programme_id, sub.survey_key, sub.survey_version),
                    cohort=(sub.role, sub.level_band, sub.tenure_band, sub.gender_group),
                    period=sub.period,
                    tag_scope=sub.tag_period,
                    tag=sub.tag,
                ),
                sub.round_id or 0,
            )


def plan_pass(session: Session, opener: Opener, today: date, default_k: int) -> Planned:
    """Read, open and plan the due rows (nothing written); see the module docstring."""
    counts = inbox(session)
    due = due_periods(session, counts, today, default_k)
    waiting: list[Waiting] = []
    round_ids: set[int] = set()
    for item, round_id in _waiting(session, due, opener):
        waiting.append(item)
        if round_id:
            round_ids.add(round_id)
    rounds = rounds_of(session, round_ids)
    following = {s.next_round for s in rounds.values() if s.next_round} - set(rounds)
    while following:  # where leftovers may be carried
        rounds.update(rounds_of(session, following))
        following = {s.next_round for s in rounds.values() if s.next_round} - set(rounds)
    calendar = Calendar(today, rounds)
    k = k_of(session, {w.stream[0] for w in waiting}, default_k)
    batches = plan(waiting, k.__getitem__, calendar)
    del waiting

    def final(kind: str, period: str) -> bool:
        if kind == "round":
            return calendar.round_closed(int(period))
        return month_ended(period, calendar.today)

    grouped: dict[tuple[object, ...], list[Batch]] = {}
    for batch in batches:
        key = (batch.stream, batch.cohort, batch.period_kind, batch.period)
        grouped.setdefault(key, []).append(batch)
    return Planned(sum(counts.values()), list(grouped.values()), final)


def chunks(groups: Sequence[list[Batch]], rows: int | None = None) -> Iterator[list[list[Batch]]]:
    """Consecutive groups of at most about ``rows`` (:data:`CHUNK_ROWS`) rows; one group
    is never split."""
    rows = rows or CHUNK_ROWS
    chunk: list[list[Batch]] = []
    size = 0
    for group in groups:
        group_rows = sum(len(b.ids) for b in group)
        if chunk and size + group_rows > rows:
            yield chunk
            chunk, size = [], 0
        chunk.append(group)
        size += group_rows
    if chunk:
        yield chunk


def release_chunk(
    session: Session,
    chunk: Sequence[list[Batch]],
    opener: Opener,
    rng: random.Random,
    final: Final,
) -> tuple[int, int, frozenset[int]]:
    """Release the chunk's groups whose rows are all still sealed and free, in the caller's
    transaction: (rows released, batches, programmes)."""
    wanted = [i for group in chunk for batch in group for i in batch.ids]
    sealed: dict[uuid.UUID, bytes] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = (
            select(SealedSubmission.id, SealedSubmission.sealed)
            .where(SealedSubmission.id.in_(wanted[start : start + _CHUNK]))
            .with_for_update(skip_locked=True)
        )
        sealed.update((row[0], row[1]) for row in session.execute(query))
    batches = [
        batch
        for group in chunk
        if all(i in sealed for batch in group for i in batch.ids)
        for batch in group
    ]
    if not batches:
        return 0, 0, frozenset()
    opened = {i: opener.open(sealed[i]) for batch in batches for i in batch.ids}
    del sealed
    released = store(session, batches, opened, rng, opener, final)
    gone = list(opened)
    for start in range(0, len(gone), _CHUNK):
        session.execute(
            delete(SealedSubmission)
            .where(SealedSubmission.id.in_(gone[start : start + _CHUNK]))
            .execution_options(synchronize_session=False)
        )
    return released, len(batches), frozenset(s.programme_id for s in opened.values())


def close_pass(session: Session, opener: Opener, today: date, default_k: int) -> frozenset[int]:
    """The pass's last step, under the mixer lock: people seals, paired differences."""
    lock(session)
    drop_ended(session, today)  # after counting: a period's last pass still had them
    return release_paired(session, opener.pairing_key, default_k)


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
    planned = plan_pass(session, opener, today, default_k)
    released = batches = 0
    programmes: frozenset[int] = frozenset()
    for chunk in chunks(planned.groups):
        rows, count, touched = release_chunk(session, chunk, opener, rng, planned.final)
        released, batches, programmes = released + rows, batches + count, programmes | touched
    programmes |= close_pass(session, opener, today, default_k)
    return MixReport(planned.sealed, released, batches, programmes)


class MixerKeyMissing(Exception):
    """The private key is not configured where a mixer pass was asked for."""


def opener_for(keys: Keys) -> Opener:
    """The opener of the configured private key, or one clear line saying it is missing."""
    if keys.private_key is None:
        raise MixerKeyMissing(
            f"{PRIVATE_KEY} is required where the mixer runs (worker processes, "
            "`flipside mix`); web processes only need the public key"
        )
    return Opener(keys.private_key, pairing_key(keys))


def mix_now(
    db: Database,
    keys: Keys,
    *,
    default_k: int,
    today: date | None = None,
    rng: random.Random | None = None,
) -> MixReport:
    """One pass in bounded transactions: plan, one per chunk of groups, close (the actor,
    `flipside mix`, benches). Several may run at once: see :func:`release_chunk`."""
    opener = opener_for(keys)
    rng = rng or random.SystemRandom()
    today = today or date.today()
    if not is_postgres(db.engine):
        return _pass(db, opener, rng, today, default_k)
    # One pass at a time on PostgreSQL: a pass that finds another running does nothing
    # (the rows stay sealed for the next). Row locks alone keep two passes from releasing
    # a row twice, but two passes that each lock part of one group release neither part.
    with db.engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PASS_KEY}).scalar():
            lock.rollback()
            return MixReport(0, 0, 0, frozenset())
        try:
            return _pass(db, opener, rng, today, default_k)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PASS_KEY})
            lock.commit()


def _pass(
    db: Database, opener: Opener, rng: random.Random, today: date, default_k: int
) -> MixReport:
    with db.transaction() as session:
        planned = plan_pass(session, opener, today, default_k)
    released = batches = 0
    programmes: frozenset[int] = frozenset()
    for chunk in chunks(planned.groups):
        with db.transaction() as session:
            rows, count, touched = release_chunk(session, chunk, opener, rng, planned.final)
        released, batches, programmes = released + rows, batches + count, programmes | touched
    with db.transaction() as session:
        programmes |= close_pass(session, opener, today, default_k)
        record_pass(session)
    return MixReport(planned.sealed, released, batches, programmes)
