"""A scale's scores and reliability from stored (released) responses.

The mixer stores responses only in batches of at least k people, so a stored
response is released data. For one scope (a firm's survey version, optionally
one climate round) this reads the answers to a scale's items, keys them
(reverse-keyed items turned round), and gives:

- :func:`scale_scores`: each response's total and subscale scores, in no order
  (response ids are random), for the comparison builder and the research
  bundle, never for a page by itself;
- :func:`scale_reliability`: α (Feldt interval) and ω under the release rule of
  :mod:`surveys.stats.reliability_release` (at least max(3k, 30) complete
  responses; no two releases fewer than k people apart). Every release is
  kept in ``reliability_releases`` (scope, n, digest). A release is judged
  against every earlier one that may overlap it: the same scope, and between
  one round and all rounds together (one holds the other) of the same firm,
  survey version and scale. The caller's transaction commits it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Answer, ReliabilityRelease, Response
from surveys.definitions.scale_model import Scale
from surveys.stats.reliability import ItemMoments
from surveys.stats.reliability_release import Release, Reliability, release_reliability

__all__ = ["keyed_rows", "scale_reliability", "scale_scores"]


def _answers(
    session: Session, scale: Scale, firm_id: int, survey: tuple[str, int], round_id: int | None
) -> dict[uuid.UUID, dict[str, int]]:
    query = (
        select(Answer.response_id, Answer.question_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.firm_id == firm_id,
            Response.survey_key == survey[0],
            Response.survey_version == survey[1],
            Answer.question_key.in_(scale.item_keys()),
            Answer.item == "",
            Answer.value.is_not(None),
        )
    )
    if round_id is not None:
        query = query.where(Response.round_id == round_id)
    found: dict[uuid.UUID, dict[str, int]] = {}
    for response_id, key, value in session.execute(query):
        if value is not None:
            found.setdefault(response_id, {})[key] = value
    return found


def keyed_rows(
    session: Session,
    scale: Scale,
    *,
    firm_id: int,
    survey: tuple[str, int],
    round_id: int | None = None,
) -> list[list[float | None]]:
    """Each stored response's item answers in the scale's direction (None: unanswered)."""
    rows = []
    for answers in _answers(session, scale, firm_id, survey, round_id).values():
        rows.append(
            [float(scale.keyed(k, answers[k])) if k in answers else None for k in scale.item_keys()]
        )
    return rows


def scale_scores(
    session: Session,
    scale: Scale,
    *,
    firm_id: int,
    survey: tuple[str, int],
    round_id: int | None = None,
) -> list[dict[str, float | None]]:
    """Each stored response's total and subscale scores (None where an item is missing)."""
    answers = _answers(session, scale, firm_id, survey, round_id)
    return [scale.score(dict(a)) for a in answers.values()]


def scale_reliability(
    session: Session,
    scale: Scale,
    *,
    firm_id: int,
    survey: tuple[str, int],
    k: int,
    round_id: int | None = None,
) -> Reliability:
    """α and ω of ``scale`` in this scope, if the release rule allows (else ReleaseRefused).

    Flushes the release's record; nothing is recorded when the rule refuses.
    """
    rows = keyed_rows(session, scale, firm_id=firm_id, survey=survey, round_id=round_id)
    family = f"firm {firm_id}: {survey[0]} v{survey[1]}: {scale.key} v{scale.version}"
    whole = f"{family}: all rounds"
    scope = whole if round_id is None else f"{family}: round {round_id}"
    moments = ItemMoments.from_rows(rows, len(scale.items))
    kept = session.scalars(
        select(ReliabilityRelease).where(
            ReliabilityRelease.firm_id == firm_id,
            ReliabilityRelease.scope.startswith(family + ":", autoescape=True),
        )
    )
    previous = [
        Release(r.scope, r.n, r.digest)
        for r in kept
        if r.scope == scope or whole in (r.scope, scope)
    ]
    released, record = release_reliability(scope, moments, k=k, previous=previous)
    if record not in previous:
        session.add(
            ReliabilityRelease(firm_id=firm_id, scope=scope, digest=record.digest, n=record.n)
        )
        session.flush()
    return released
