"""A database reader intersects, across one person's responses, who could have written each.

Issue 22's attack: with a plain pseudonym on every longitudinal response, the
reader grouped each pseudonym's responses (pulses and climate rounds) and
intersected the responded invitations that could have produced each: many
people fell below k. Here a longitudinal world answers pulses and two climate
rounds through the real path and the mixer; the reader tries every value stored
equal across responses (:mod:`tests.privacy.intersection`). The control runs
the same attack on the grouping a plain pseudonym gave, so the world is known
to be linkable whenever such a value exists.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import inspect, text

from surveys.db.base import Base
from surveys.db.session import Database
from surveys.intake import keys as keyring
from surveys.longitudinal.vault import pairing_key, pseudonyms_of
from tests.privacy.intersection import attack, equal_values, known
from tests.privacy.rounds import run_rounds
from tests.privacy.summary import record
from tests.privacy.world import World, build_world, submit_all
from tests.support.sealing import keys_for_tests

K = 5


def authors(db: Database, world: World) -> dict[str, int]:
    """Response id (as the database casts it) -> its author, from the pairing records:
    the test holds the workers' keys, the attacker does not."""
    key = pairing_key(keys_for_tests())
    assert key is not None
    secret = keys_for_tests().pseudonym_secret
    person_of = {keyring.pseudonym(secret, world.programme_id, pid): pid for pid in world.people}
    with db.sessions() as session:
        cast = {
            uuid.UUID(rid): rid
            for (rid,) in session.execute(text("SELECT CAST(id AS VARCHAR) FROM responses"))
        }
        found = pseudonyms_of(session, key, [world.programme_id])
    return {cast[rid]: person_of[alias] for rid, alias in found.items()}


def longitudinal_world(db: Database) -> World:
    """Pulses of February's meetings, then a baseline and a follow-up climate round that
    everyone answers but one person in five, who skip the follow-up."""
    world = build_world(db, longitudinal=True)
    submit_all(world)
    run_rounds(world, answering=lambda person, number: number == 0 or person % 5 != 0, k=K)
    return world


def test_no_value_equal_across_responses_narrows_anyone_below_k(db: Database) -> None:
    world = longitudinal_world(db)
    with db.sessions() as session:
        reader = known(session)
        families = equal_values(session)
    author = authors(db, world)
    # Every stored response is paired by the worker (so pairing still works) ...
    assert set(author) == set(reader.candidates) and len(author) >= 3 * K
    # ... and the control: grouped as a plain pseudonym grouped them, people fall below k.
    by_person: dict[int, set[str]] = defaultdict(set)
    for rid, person in author.items():
        by_person[person].add(rid)
    control = attack({"pseudonym": dict(by_person)}, reader, author, K)
    record(
        f"plain pseudonym intersection, control ({db.engine.dialect.name})",
        len(control.get("pseudonym", ())),
        len(author),
    )
    assert control, "the world must be linkable through a plain pseudonym"
    linked = attack(families, reader, author, K)
    record(
        f"pseudonym intersection ({db.engine.dialect.name})",
        len(set().union(*linked.values())),
        len(author),
    )
    assert len(families) > 10
    assert linked == {}


def test_pairing_records_are_all_different_of_one_length_and_joined_to_nothing(
    db: Database,
) -> None:
    """What replaced the pseudonym gives the reader nothing to group or join on: every
    record differs (even one person's), all have one length, no table refers to them,
    and nothing but answers refers to a response."""
    world = longitudinal_world(db)
    with db.sessions() as session:
        sealed = [
            bytes(s)
            for (s,) in session.execute(
                text("SELECT sealed FROM pairing_records WHERE programme_id = :p"),
                {"p": world.programme_id},
            )
        ]
        responses = session.scalar(text("SELECT count(*) FROM responses"))
    assert len(sealed) == responses and len(set(sealed)) == len(sealed)
    assert {len(s) for s in sealed} == {120}
    inspector = inspect(db.engine)
    referring = {
        (table, fk["referred_table"])
        for table in Base.metadata.tables
        for fk in inspector.get_foreign_keys(table)
        if fk["referred_table"] in {"responses", "pairing_records"}
    }
    assert referring == {("answers", "responses")}
    columns = {c["name"] for c in inspector.get_columns("pairing_records")}
    assert columns == {"id", "programme_id", "sealed"}
