"""A reader of the whole database (a backup, a replica, a superuser) tries to link answers.

Each test loads a world through the real services (HR import, pairings,
meetings, pulse invitations, the real submission path, the mixer) and plays one
attacker from ISSUE13's "Why". A test fails when any response links to fewer
than k people; each records its result for the closing summary.
"""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from surveys.db.session import Database
from surveys.intake import keys as keyring
from surveys.longitudinal.vault import pairing_key, pseudonyms_of
from tests.privacy import linking
from tests.privacy.summary import record
from tests.privacy.world import (
    JUNIOR_WOMAN,
    PARTNER_WOMAN,
    World,
    answers_for,
    build_world,
    submit_all,
    visit_and_submit,
)
from tests.support.sealing import keys_for_tests, mix

K = 5
#: A day after February's month ended: every merge rule applies to February's leftovers.
AFTER_FEBRUARY = date(2026, 3, 10)


def true_people(world: World) -> dict[str, int]:
    """pseudonym -> person (the test holds the secret; the attacker does not)."""
    secret = keys_for_tests().pseudonym_secret
    return {keyring.pseudonym(secret, world.programme_id, pid): pid for pid in world.people}


def authors(session: Session, world: World) -> dict[uuid.UUID, int]:
    """response id -> its author, read from the pairing records with the workers' keys
    (the test holds them; the attacker does not)."""
    key = pairing_key(keys_for_tests())
    assert key is not None
    people = true_people(world)
    found = pseudonyms_of(session, key, [world.programme_id])
    return {rid: people[alias] for rid, alias in found.items()}


def test_transaction_ids_link_no_response_to_an_invitation(pg_db: Database, web_for: Any) -> None:
    """xmin: no response or answer row was written by a submission's transaction, and
    the transaction that wrote it wrote responses of at least k people."""
    world = build_world(pg_db)
    client = web_for(pg_db)
    half = len(world.invitations) // 2
    submit_all(world, world.invitations[:half])
    mix(pg_db, k=K, today=AFTER_FEBRUARY)
    for n, invited in enumerate(world.invitations[half:]):  # live HTTP visits, this week
        visit_and_submit(client, invited.token, answers_for(invited, n))
        world.log.append(invited)
    mix(pg_db, k=K, today=date.today() + timedelta(days=60))
    with pg_db.sessions() as session:
        people = authors(session, world)
        written = set(session.scalars(text("SELECT xmin::text FROM survey_invitations")))
        written |= set(session.scalars(text("SELECT xmin::text FROM outbox_events")))
        responses = session.execute(text("SELECT xmin::text, id FROM responses")).all()
        answers = set(session.scalars(text("SELECT DISTINCT xmin::text FROM answers")))
        answers |= set(session.scalars(text("SELECT DISTINCT xmin::text FROM pairing_records")))
    by_xmin: dict[str, set[int]] = defaultdict(set)
    for xmin, rid in responses:
        by_xmin[xmin].add(people[rid])
    linked = [xmin for xmin, _ in responses if xmin in written or len(by_xmin[xmin]) < K] + sorted(
        answers & written
    )
    record("xmin (PostgreSQL)", len(linked), len(responses))
    assert len(responses) >= 2 * K
    assert not (set(by_xmin) | answers) & written
    assert all(len(who) >= K for who in by_xmin.values()), {x: len(w) for x, w in by_xmin.items()}


def test_quasi_identifiers_leave_every_response_with_k_people(db: Database) -> None:
    """Match each response's programme, survey, period and bands against the responded
    invitations (person, meeting day, HR attributes), eliminate, count who is left."""
    world = build_world(db)
    submit_all(world)
    report = mix(db, k=K, today=AFTER_FEBRUARY)
    assert report.released >= 2 * K
    with db.sessions() as session:
        left = linking.eliminate(session)
    below = {rid: len(who) for rid, who in left.items() if len(who) < K}
    record(f"quasi-identifier elimination ({db.engine.dialect.name})", len(below), len(left))
    assert len(left) == report.released
    assert below == {}


def test_no_pseudonym_is_stored_or_recomputed_from_anything_in_the_database(db: Database) -> None:
    """No value in the database is a person's pseudonym, in plain form or inside bytes,
    and HMAC-SHA256 / SHA-256 of every person id, internal id and e-mail under every
    str/bytes value in the database reproduces none; the workers' keys do."""
    world = build_world(db)
    submit_all(world)
    mix(db, k=K, today=AFTER_FEBRUARY)
    pseudonyms = set(true_people(world))
    with db.sessions() as session:
        values = list(linking.every_value(session))
        people = session.execute(
            text("SELECT id, internal_id, email FROM people WHERE firm_id = :f"),
            {"f": world.firm_id},
        ).all()
        stored = session.scalar(text("SELECT count(*) FROM responses"))
        mine = authors(session, world)
    keys = linking.key_like(values)
    raw = [bytes(v) if isinstance(v, memoryview) else v for v in values]
    blobs = [v for v in raw if isinstance(v, bytes)]
    inside = {p for p in pseudonyms if any(p.encode() in b for b in blobs)}
    plain = pseudonyms & {v for v in raw if isinstance(v, str)}
    messages: set[str] = set()
    for pid, internal_id, email in people:
        messages |= {str(pid), internal_id, email, f"{world.programme_id}|{pid}"}
    guessed = linking.recomputations(keys, messages, world.programme_id)
    hit = guessed & {v for v in raw if isinstance(v, str)}
    record(
        f"pseudonym recomputation ({db.engine.dialect.name})",
        len(hit | plain | inside),
        len(pseudonyms),
    )
    assert stored >= K and len(keys) > 50
    assert plain == set() and inside == set() and hit == set()
    # The control: with the workers' keys (outside the database) every stored response
    # is paired to its author, so a regression to a plain or database-keyed pseudonym
    # would be caught above.
    assert len(mine) == stored and set(mine.values()) <= set(world.people)


def test_heap_order_does_not_follow_a_proxy_log(pg_db: Database, web_for: Any) -> None:
    """A proxy logged every POST /s/<token> in order; responses read in ctid order are
    paired with log lines by position. Over several cohorts the exact matches must
    stay within what a random shuffle gives (one per cohort on average)."""
    client = web_for(pg_db)
    trials, size = 6, 20
    forwards = backwards = total = 0
    rng = random.Random(13)
    yesterday = date.today() - timedelta(days=1)
    for trial in range(trials):
        world = build_world(
            pg_db,
            mentors=(JUNIOR_WOMAN,) * (size // 2),
            mentees=(PARTNER_WOMAN,) * (size // 2),
            meeting_days=lambda _i: [yesterday],
            name=f"Heap {trial}",
        )
        order = list(world.invitations)
        rng.shuffle(order)
        for n, invited in enumerate(order):
            visit_and_submit(client, invited.token, answers_for(invited, n))
        mix(pg_db, k=K, today=date.today())
        with pg_db.sessions() as session:
            people = authors(session, world)
            on_disk = [
                people[rid]
                for rid in session.scalars(
                    text("SELECT id FROM responses WHERE programme_id = :p ORDER BY ctid"),
                    {"p": world.programme_id},
                )
            ]
        logged = [invited.person_id for invited in order]
        assert sorted(on_disk) == sorted(logged)
        forwards += sum(a == b for a, b in zip(on_disk, logged, strict=True))
        backwards += sum(a == b for a, b in zip(reversed(on_disk), logged, strict=True))
        total += len(logged)
    # A random permutation has one fixed point on average (variance 1): allow 4 sd.
    threshold = trials + 4 * math.sqrt(trials) + 2
    best = max(forwards, backwards)
    record("heap order vs proxy log (PostgreSQL)", best if best > threshold else 0, total)
    assert best <= threshold, (forwards, backwards, threshold)
