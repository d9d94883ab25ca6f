"""The mixer's sealed people sets: exact distinct people behind figures, across passes.

Each pass stores batches and, before it drops their person tags, counts the
people behind every figure the batches count in
(:mod:`surveys.aggregates.people_counts`). To count *distinct* people across
passes it keeps, per firm x programme x survey version (a *stream*):

* for each **open period** (a month of pulses, a climate round): the period's
  stored sessions so far as :class:`~surveys.aggregates.figures.Session` (the
  programme-scoped person tag, the stored cohort, the scalar answers and chosen
  options; no free text). Each pass adds its sessions and counts the period
  again from all of them: exact. Deleted once the period has ended (the month's
  last week has ended, the round has closed) and its last pass has counted it;
* for the **programme**: every respondent's programme tag and stored cohort
  (who answered, nothing answered), for programme-to-date respondents.

Both are sealed to the mixer's own public key (a libsodium sealed box, as the
inbox) and padded to a power of two of at least :data:`MIN_SIZE` bytes, so a
database reader learns at most the order of magnitude of a period's sessions,
which the invitations say anyway. Only the private key opens them. A late
session for a period whose sessions are gone (sealed before the month ended,
mixed after) is counted as a lower bound (:func:`~surveys.aggregates.figures_writing.merge_late`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from nacl.public import PublicKey, SealedBox
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as DbSession

from surveys.aggregates.cells import ResponseLike, periods
from surveys.aggregates.figures import Session, count, respondents, to_date
from surveys.aggregates.figures_writing import (
    Stream,
    merge_late,
    period_figures,
    write_figures,
)
from surveys.db.dialect import upsert_insert
from surveys.db.models import PeopleSeal, SurveyRound
from surveys.domain.periods import month_ended
from surveys.intake.sealing import Opener

__all__ = ["MIN_SIZE", "count_people", "drop_ended", "padded", "unpadded"]

#: The smallest sealed state, in bytes of plain text (then powers of two): about 80
#: sessions of a full pulse, so every state of fewer people than the largest k (10),
#: each with several sessions, has this one length.
MIN_SIZE = 16384
_PROGRAMME = ("programme", "")
#: Whether a period ('month' | 'round', its value) has ended for good.
Final = Callable[[str, str], bool]


def padded(data: Any) -> bytes:
    """``data`` as JSON padded with spaces to a power of two >= MIN_SIZE bytes."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    size = MIN_SIZE
    while size < len(raw):
        size *= 2
    return raw + b" " * (size - len(raw))


def unpadded(raw: bytes) -> Any:
    return json.loads(raw)


def _stream(response: ResponseLike) -> Stream:
    return (response.firm_id, response.programme_id, response.survey_key, response.survey_version)


def _load(db: DbSession, opener: Opener, streams: Iterable[Stream]) -> dict[tuple[Any, ...], Any]:
    """The sealed states of ``streams``, opened, keyed (stream, period_kind, period)."""
    found: dict[tuple[Any, ...], Any] = {}
    wanted = set(streams)
    if not wanted:
        return found
    rows = db.execute(
        select(PeopleSeal).where(
            PeopleSeal.programme_id.in_(sorted({s[1] for s in wanted})),
            PeopleSeal.firm_id.in_(sorted({s[0] for s in wanted})),
        )
    ).scalars()
    for row in rows:
        stream = (row.firm_id, row.programme_id, row.survey_key, row.survey_version)
        if stream in wanted:
            found[stream, row.period_kind, row.period] = unpadded(opener.open_raw(row.sealed))
    return found


def _save(db: DbSession, opener: Opener, stream: Stream, kind: str, period: str, data: Any) -> None:
    firm_id, programme_id, survey_key, survey_version = stream
    sealed = bytes(SealedBox(PublicKey(opener.public_key)).encrypt(padded(data)))
    stmt = upsert_insert(db, PeopleSeal.__table__)
    key = {
        "programme_id": programme_id,
        "survey_key": survey_key,
        "survey_version": survey_version,
        "firm_id": firm_id,
        "period_kind": kind,
        "period": period,
    }
    db.execute(
        stmt.values(**key, sealed=sealed).on_conflict_do_update(
            index_elements=list(key), set_={"sealed": stmt.excluded.sealed}
        )
    )


def count_people(
    db: DbSession,
    opener: Opener,
    stored: Sequence[tuple[ResponseLike, Session]],
    final: Final,
) -> None:
    """Count the people behind every figure ``stored`` (this pass's responses, each with
    its session) counts in, write them, and keep or drop the sealed sets."""
    fresh: dict[tuple[Stream, str, str], list[Session]] = defaultdict(list)
    for response, session in stored:
        for kind, period in periods(response.period_kind, response.period):
            if kind in ("month", "round"):
                fresh[_stream(response), kind, period].append(session)
    streams = {key[0] for key in fresh}
    states = _load(db, opener, streams)
    for (stream, kind, period), sessions in sorted(fresh.items()):
        kept = states.get((stream, kind, period))
        counted = count(sessions)
        if kept is None:
            before = period_figures(db, stream, (kind, period)).get((kind, period))
            if before:  # its sessions were dropped when it ended: a late arrival
                write_figures(db, stream, kind, period, merge_late(before, counted))
                continue
            kept = []
        everyone = [*(Session.decode(s) for s in kept), *sessions]
        write_figures(db, stream, kind, period, count(everyone) if kept else counted)
        if not final(kind, period):
            _save(db, opener, stream, kind, period, [s.encode() for s in everyone])
    by_stream: dict[Stream, list[Session]] = defaultdict(list)
    for response, session in stored:
        by_stream[_stream(response)].append(session)
    for stream, sessions in sorted(by_stream.items()):
        members = {(p, tuple(c)) for p, c in states.get((stream, *_PROGRAMME), [])}
        members.update((s.person, s.cohort) for s in sessions)
        listed = sorted(members)
        figures = to_date(respondents(listed), list(period_figures(db, stream).values()))
        write_figures(db, stream, *_PROGRAMME, figures)
        _save(db, opener, stream, *_PROGRAMME, [[p, list(c)] for p, c in listed])


def drop_ended(db: DbSession, today: date) -> None:
    """Delete the sealed sessions of every period that has ended (at the end of every
    pass, whether it released anything or not)."""
    rows = db.execute(
        select(PeopleSeal.id, PeopleSeal.period_kind, PeopleSeal.period).where(
            PeopleSeal.period_kind != "programme"
        )
    ).all()
    rounds = [int(row.period) for row in rows if row.period_kind == "round"]
    closed = set(
        db.scalars(select(SurveyRound.id).where(SurveyRound.id.in_(rounds), SurveyRound.closed))
    )
    ended = [
        row.id
        for row in rows
        if (
            int(row.period) in closed
            if row.period_kind == "round"
            else month_ended(row.period, today)
        )
    ]
    if ended:
        db.execute(
            delete(PeopleSeal)
            .where(PeopleSeal.id.in_(ended))
            .execution_options(synchronize_session=False)
        )
