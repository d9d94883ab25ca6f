"""The pseudonym intersection attack, as a database reader would run it.

A value stored equal across several responses may be one person's mark (a plain
pseudonym was). For every *family* of such values -- each column of
``responses`` but its id, the cohort columns together, and each question's
answers -- the reader groups the responses sharing a value and intersects the
people who could have written each of them (:func:`tests.privacy.linking.eliminate`).
A family behaves like a pseudonym when no group's intersection is empty (one
person could have written every group: a candidate of each response, with a
responded invitation for each -- an invitation yields one response); in such a
family, a group whose intersection holds fewer than k people narrows its
responses below k.

The score counts a response as linked only when the narrowed set holds its true
author (the test knows authors; the attacker does not).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from surveys.db.models import Response
from surveys.domain.vocab import COHORT
from tests.privacy import linking

#: family name -> value -> the responses (ids as the database casts them) holding it
Families = dict[str, dict[Any, set[str]]]


def equal_values(session: Session) -> Families:
    """Every family of values and, per value shared by two responses or more, those responses."""
    families: Families = defaultdict(lambda: defaultdict(set))
    columns = [c.name for c in Response.__table__.columns if c.name != "id"]
    rows = session.execute(
        text(f"SELECT CAST(id AS VARCHAR) AS rid, {', '.join(columns)} FROM responses")
    )
    for row in rows:
        values = row._mapping
        for column in columns:
            families[column][values[column]].add(values["rid"])
        families["cohort"][tuple(values[c] for c in COHORT)].add(values["rid"])
    answers = session.execute(
        text("SELECT CAST(response_id AS VARCHAR), question_key, item, value, text FROM answers")
    )
    for rid, question, item, value, answer_text in answers:
        families[f"answer:{question}"][(item, value, answer_text)].add(rid)
    return {
        name: {value: ids for value, ids in groups.items() if len(ids) > 1}
        for name, groups in families.items()
    }


@dataclass(frozen=True)
class Known:
    """What the reader knows besides the values: each response's candidate people, and
    how many responses each person can have written (one per responded invitation)."""

    candidates: Mapping[str, set[int]]
    #: response -> (survey, round id or None for a pulse)
    slot: Mapping[str, tuple[str, int | None]]
    #: person -> (survey, round id or None) -> responded invitations
    capacity: Mapping[int, Counter[tuple[str, int | None]]]


def known(session: Session) -> Known:
    candidates = linking.eliminate(session)
    slot = {
        rid: (survey, round_id)
        for rid, survey, round_id in session.execute(
            text("SELECT CAST(id AS VARCHAR), survey_key, round_id FROM responses")
        )
    }
    capacity: dict[int, Counter[tuple[str, int | None]]] = defaultdict(Counter)
    for c in linking.read_claimed(session):
        capacity[c.person_id][(c.survey_key, c.round_id)] += 1
    return Known(candidates, slot, capacity)


def narrowed(
    groups: Mapping[Any, Iterable[str]], world: Known, k: int
) -> dict[str, set[int]] | None:
    """Response -> the fewer than k people the family's grouping narrows it to; None when
    the family cannot be one person's mark: some group has nobody who could have written
    every response in it (a candidate of each, with an invitation for each)."""
    found: dict[str, set[int]] = {}
    for members in groups.values():
        ids = list(members)
        needed = Counter(world.slot[r] for r in ids)
        common = {
            person
            for person in set.intersection(*(set(world.candidates[r]) for r in ids))
            if all(world.capacity[person][s] >= n for s, n in needed.items())
        }
        if not common:
            return None
        if len(common) < k:
            found.update({r: common for r in ids})
    return found


def attack(
    families: Families, world: Known, author: Mapping[str, int], k: int
) -> dict[str, set[str]]:
    """family -> the responses it links to fewer than k people, their author among them."""
    linked: dict[str, set[str]] = {}
    for name, groups in families.items():
        found = narrowed(groups, world, k)
        if found:
            hits = {r for r, people in found.items() if author.get(r) in people}
            if hits:
                linked[name] = hits
    return linked
