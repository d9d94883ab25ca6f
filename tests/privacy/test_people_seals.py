"""The mixer's sealed people sets tell a database reader nothing (issue 22).

Attack: read ``people_seals`` (what the mixer keeps to count distinct people
across passes) without the private key. Its rows are sealed boxes; their length
is the only thing left to read. A month holding k people and one holding
several times as many, each person with one session or several, must have
sealed states of one length, so the size never says how many people (or
sessions) a figure rests on below k -- nor well above it. Beyond about 80
sessions the length doubles (a power of two), which says no more than the
invitations' responded flags do.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from surveys.db.models import FigurePeople, PeopleSeal
from surveys.db.session import Database
from surveys.intake.people_seals import MIN_SIZE
from tests.support import factories as f
from tests.support.sealing import mix, seal_direct

K = 5
ANSWERS = {"spoke_openly": 4, "mentee_engaged": 5, "good_use_of_time": 3,
           "recommend_programme": 9, "topics": ["wellbeing", "technology"]}  # fmt: skip


def test_sealed_people_sets_have_one_length_whatever_they_hold(sqlite_db: Database) -> None:
    with sqlite_db.transaction() as session:
        programmes = [f.programme(session, f.firm(session, min_group_size=K)) for _ in range(3)]
        sizes = {programmes[0].id: (K, 1), programmes[1].id: (K, 4), programmes[2].id: (20, 1)}
        for programme in programmes:
            people, sessions = sizes[programme.id]
            for _ in range(people):
                person = uuid.uuid4().hex * 2  # as long as a real keyed tag
                for day in range(sessions):
                    seal_direct(session, programme.firm_id, programme.id, ANSWERS,
                                person=person, day=date(2026, 3, 2 + day))  # fmt: skip
    assert mix(sqlite_db, k=K, today=date(2026, 3, 12)).released == K + 4 * K + 20
    with sqlite_db.sessions() as session:
        rows = session.execute(select(PeopleSeal.period_kind, PeopleSeal.sealed)).all()
        counted = session.scalars(
            select(FigurePeople.people).where(
                FigurePeople.period_kind == "month",
                FigurePeople.question_key == "",
                FigurePeople.attribute == "*",
            )
        ).all()
    assert sorted(counted) == [K, K, 20]  # the mixer did count them, exactly
    months = [len(sealed) for kind, sealed in rows if kind == "month"]
    to_date = [len(sealed) for kind, sealed in rows if kind == "programme"]
    assert len(months) == 3 and len(set(months)) == 1, months
    assert len(to_date) == 3 and len(set(to_date)) == 1, to_date
    assert all(b"spoke_openly" not in sealed for _, sealed in rows)  # opaque
    assert months[0] == to_date[0] == MIN_SIZE + 48  # the box adds its 48 bytes
