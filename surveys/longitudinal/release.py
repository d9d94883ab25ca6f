"""Paired differences, computed by the worker at release and stored only at k.

Called by the mixer pass (:func:`surveys.intake.mixing.mix_pass`) in its
transaction, after it stored what it released: for every longitudinal
programme, each pair of its closed climate rounds (same survey, before opened
first) not yet released is computed once, now, and never again (a later figure
set beside an earlier one could tell what one late answer changed).

For a pair, the pairing records (:mod:`.vault`) tell which responses of the two
rounds are one person's; each person paired in a scored question gives one
difference (after - before). Per question, one row for everyone paired and
one per value of each cohort attribute (the value in the before round; a value
the mixer generalised to ``*`` is counted in no value's group). A group is
stored only when it holds at least k distinct people and its differences are
not all the same (else the figure would tell each member's change: the
group-attribute rule); within an attribute, groups are dropped, smallest first,
until the people left out of every stored group are none or at least k, so no
group can be had by subtracting the others from the whole.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveys.aggregates.release import move_release_version
from surveys.db.models import (
    Answer,
    Firm,
    PairedDifference,
    PairedRelease,
    Programme,
    Response,
    SurveyRound,
)
from surveys.domain.vocab import COHORT
from surveys.longitudinal.vault import pseudonyms_of

#: A cohort value the mixer generalised (never a group of its own here).
ANY = "*"


@dataclass(frozen=True)
class _Person:
    cohort: tuple[str, ...]
    values: dict[str, int]


def _due(session: Session) -> dict[int, list[tuple[str, int, int]]]:
    """programme id -> (survey, before round, after round) of closed pairs not yet released."""
    rounds = session.execute(
        select(SurveyRound.programme_id, SurveyRound.survey_key, SurveyRound.id)
        .join(Programme, Programme.id == SurveyRound.programme_id)
        .where(Programme.longitudinal, SurveyRound.closed)
        .order_by(SurveyRound.opened_on, SurveyRound.id)
    ).all()
    done = {
        tuple(row)
        for row in session.execute(
            select(
                PairedRelease.programme_id,
                PairedRelease.survey_key,
                PairedRelease.before_round_id,
                PairedRelease.after_round_id,
            )
        )
    }
    ordered: dict[tuple[int, str], list[int]] = defaultdict(list)
    for programme_id, survey_key, round_id in rounds:
        ordered[(programme_id, survey_key)].append(round_id)
    due: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for (programme_id, survey_key), ids in ordered.items():
        for before, after in combinations(ids, 2):
            if (programme_id, survey_key, before, after) not in done:
                due[programme_id].append((survey_key, before, after))
    return due


def _people(
    session: Session, programme_id: int, round_id: int, pseudonyms: Mapping[uuid.UUID, str]
) -> dict[str, _Person]:
    """pseudonym -> the cohort and scored answers of their response in ``round_id``."""
    responses = session.execute(
        select(Response.id, *(getattr(Response, c) for c in COHORT)).where(
            Response.programme_id == programme_id, Response.round_id == round_id
        )
    ).all()
    mine = {row[0]: row for row in responses if row[0] in pseudonyms}
    answers = session.execute(
        select(Answer.response_id, Answer.question_key, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme_id,
            Response.round_id == round_id,
            Answer.value.is_not(None),
        )
    ).all()
    values: dict[object, dict[str, int]] = defaultdict(dict)
    for rid, question, value in answers:
        if rid in mine and value is not None:
            values[rid][question] = int(value)
    found: dict[str, _Person] = {}
    twice: set[str] = set()
    for rid, row in mine.items():
        alias = pseudonyms[rid]
        if alias in found:
            twice.add(alias)  # never expected (one invitation per round): pair neither
        found[alias] = _Person(tuple(row[1:]), values.get(rid, {}))
    return {alias: p for alias, p in found.items() if alias not in twice}


def _groups(
    before: dict[str, _Person], after: dict[str, _Person], k: int
) -> list[tuple[str, str, str, Counter[int]]]:
    """(question, attribute, value, histogram of differences) of every group shown."""
    diffs: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    for alias in before.keys() & after.keys():
        b, a = before[alias], after[alias]
        for question in b.values.keys() & a.values.keys():
            diffs[question].append((b.cohort, a.values[question] - b.values[question]))
    shown = []
    for question, pairs in sorted(diffs.items()):
        everyone = Counter(d for _, d in pairs)
        if not _safe(everyone, k):
            continue
        shown.append((question, "", "", everyone))
        for i, attribute in enumerate(COHORT):
            by_value: dict[str, Counter[int]] = defaultdict(Counter)
            for cohort, d in pairs:
                if cohort[i] != ANY:
                    by_value[cohort[i]][d] += 1
            kept = {v: h for v, h in by_value.items() if _safe(h, k)}
            while kept and 0 < len(pairs) - sum(h.total() for h in kept.values()) < k:
                smallest = min(kept, key=lambda v: (kept[v].total(), v))
                del kept[smallest]
            shown += [(question, attribute, v, h) for v, h in sorted(kept.items())]
    return shown


def _safe(histogram: Counter[int], k: int) -> bool:
    """At least k people, and not all of them with the same difference."""
    return histogram.total() >= k and sum(1 for n in histogram.values() if n) > 1


def release_paired(session: Session, key: bytes | None, default_k: int) -> frozenset[int]:
    """Compute and store every due round pair's differences; the programmes changed."""
    if key is None:
        return frozenset()
    due = _due(session)
    if not due:
        return frozenset()
    firms = dict(session.execute(select(Programme.id, Programme.firm_id)).all())
    k_of = dict(session.execute(select(Firm.id, Firm.min_group_size)).all())
    changed = set()
    for programme_id, pairs in sorted(due.items()):
        k = k_of.get(firms[programme_id]) or default_k
        pseudonyms = pseudonyms_of(session, key, [programme_id])
        answered: dict[int, dict[str, _Person]] = {}
        for survey_key, before, after in pairs:
            for round_id in (before, after):
                if round_id not in answered:
                    answered[round_id] = _people(session, programme_id, round_id, pseudonyms)
            rows = [
                {
                    "programme_id": programme_id,
                    "survey_key": survey_key,
                    "question_key": question,
                    "before_round_id": before,
                    "after_round_id": after,
                    "attribute": attribute,
                    "value": value,
                    "people": histogram.total(),
                    "histogram": {str(d): n for d, n in sorted(histogram.items())},
                }
                for question, attribute, value, histogram in _groups(
                    answered[before], answered[after], k
                )
            ]
            if rows:
                session.execute(insert(PairedDifference), rows)
            session.add(
                PairedRelease(
                    programme_id=programme_id,
                    survey_key=survey_key,
                    before_round_id=before,
                    after_round_id=after,
                )
            )
        session.flush()
        move_release_version(session, programme_id)
        changed.add(programme_id)
    return frozenset(changed)
