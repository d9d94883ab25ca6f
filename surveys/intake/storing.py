"""Storing a pass's released batches: plain responses and answers, shuffled, counted.

Called by :func:`surveys.intake.mixing.release_chunk`, once per chunk transaction.
Rows go in random order with fresh random ids, in bulk (COPY on PostgreSQL,
one executemany elsewhere), with no date, no person tag and no pseudonym; then the batch is
counted into the aggregate cells and released, and its comments pooled. The
person tags are used once before they are dropped: to count the people (not
sessions) behind each cell (:func:`surveys.aggregates.people.headcounts`), and
the exact distinct people behind every figure across passes with the
programme-scoped tag (:func:`surveys.intake.people_seals.count_people`).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from surveys import aggregates
from surveys.aggregates.figures import Session as Counted
from surveys.aggregates.people import Tagged, headcounts
from surveys.db.dialect import is_postgres
from surveys.db.models import Answer, Response
from surveys.intake.mixer import Batch
from surveys.intake.people_seals import Final, count_people
from surveys.intake.sealing import Opener, SealedAnswer, Submission
from surveys.longitudinal.vault import PairingKeyMissing, write_records


def _answer_row(response_id: uuid.UUID, answer: SealedAnswer) -> dict[str, Any]:
    return {
        "response_id": response_id,
        "question_key": answer.question_key,
        "item": answer.item,
        "value": answer.value,
        "text": answer.text,
    }


def store(
    session: Session,
    batches: Sequence[Batch],
    opened: Mapping[uuid.UUID, Submission],
    rng: random.Random,
    opener: Opener | None = None,
    final: Final | None = None,
) -> int:
    """Insert the batches' responses and answers in random order; count and release them.

    With ``opener`` (the mixer's), also count the exact people behind every figure
    (``final`` says which periods have ended, so their sealed sessions go). A
    longitudinal submission's pseudonym is stored only inside an encrypted pairing
    record (surveys/longitudinal/vault.py, with the opener's pairing key), never in
    the response."""
    pairing_key = None if opener is None else opener.pairing_key
    responses: list[dict[str, Any]] = []
    pairing: list[tuple[int, uuid.UUID, str]] = []
    for batch in batches:
        role, level_band, tenure_band, gender_group = batch.cohort
        for sealed_id in batch.ids:
            sub = opened[sealed_id]
            rid = uuid.uuid4()
            if sub.pseudonym is not None:
                pairing.append((sub.programme_id, rid, sub.pseudonym))
            responses.append(
                {
                    "id": rid,
                    "survey_key": sub.survey_key,
                    "survey_version": sub.survey_version,
                    "firm_id": sub.firm_id,
                    "programme_id": sub.programme_id,
                    "round_id": sub.round_id,
                    "role": role,
                    "level_band": level_band,
                    "tenure_band": tenure_band,
                    "gender_group": gender_group,
                    "period_kind": batch.period_kind,
                    "period": batch.period,
                    "_answers": sub.answers,
                    "_tag": (sub.tag_period, sub.tag),
                    "_person": sub.person or f"{sub.tag_period}|{sub.tag}",
                }
            )
    if not responses:
        return 0
    rng.shuffle(responses)
    tags = {r["id"]: r.pop("_tag") for r in responses}
    person = {r["id"]: r.pop("_person") for r in responses}
    answers = [_answer_row(r["id"], a) for r in responses for a in r.pop("_answers")]
    rng.shuffle(answers)
    _insert_rows(session, Response.__table__, responses)
    _insert_rows(session, Answer.__table__, answers)
    if pairing:
        if pairing_key is None:
            raise PairingKeyMissing("longitudinal responses need the pairing key to be stored")
        write_records(session, pairing_key, pairing, rng)
    views = [_Stored(**{name: r[name] for name in _Stored.__dataclass_fields__}) for r in responses]
    ids = [r["id"] for r in responses]
    view_of = dict(zip(ids, views, strict=True))
    by_response: dict[uuid.UUID, list[_Counted]] = {rid: [] for rid in ids}
    texts: list[tuple[_Stored, str, str | None]] = []
    for row in answers:
        if row["text"] is not None:
            texts.append((view_of[row["response_id"]], row["question_key"], row["text"]))
        else:
            counted = _Counted(row["question_key"], row["item"], row["value"])
            by_response[row["response_id"]].append(counted)
    people = headcounts(
        Tagged(view, by_response.get(rid, ()), *tags[rid])
        for rid, view in zip(ids, views, strict=True)
    )
    aggregates.add_batch(session, views, by_response, ids, people, texts)
    if opener is not None:
        sessions = [_session(person[rid], view, by_response[rid]) for rid, view in view_of.items()]
        count_people(session, opener, sessions, final or (lambda kind, period: False))
    return len(responses)


def _session(person: str, view: _Stored, answers: Sequence[_Counted]) -> tuple[_Stored, Counted]:
    cohort = (view.role, view.level_band, view.tenure_band, view.gender_group)
    scalars = tuple((a.question_key, str(a.value)) for a in answers if a.value is not None)
    picks = {(a.question_key, a.item) for a in answers if a.value is None and a.item}
    return view, Counted(person, cohort, scalars, tuple(sorted(picks)))


def _insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` fast: on PostgreSQL with COPY in the pass's transaction (an
    executemany sends one statement per row), elsewhere an executemany."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    assert raw is not None  # a checked-out psycopg connection
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


@dataclass
class _Stored:
    """What aggregates.contributions reads of a stored response."""

    survey_key: str
    survey_version: int
    firm_id: int
    programme_id: int
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period_kind: str
    period: str


@dataclass
class _Counted:
    question_key: str
    item: str
    value: int | None
