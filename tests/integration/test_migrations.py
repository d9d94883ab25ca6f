"""The Alembic migrations and the models describe the same schema, on both databases."""

from __future__ import annotations

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from surveys.db import migrate
from surveys.db.base import Base
from surveys.db.session import Database
from surveys.longitudinal.vault import pairing_key, pseudonyms_of
from tests.support import factories as f
from tests.support.sealing import keys_for_tests


def test_autogenerate_finds_no_difference_between_models_and_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(db: Database) -> None:
    migrate.downgrade(db.url, "base")
    try:
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        migrate.upgrade(db.url)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_0019_moves_plain_pseudonyms_into_pairing_records_with_the_workers_keys(
    db: Database,
) -> None:
    """Where the upgrade runs with the private key and the secret (the test session's
    environment), a stored plain pseudonym becomes a pairing record and the column goes."""
    # The programme is made with today's models, before going back: later revisions add
    # columns (e.g. 0020's calendar rule) that 0018's table does not have yet.
    with db.transaction() as session:
        programme = f.programme(session, longitudinal=True)
        firm_id, programme_id = programme.firm_id, programme.id
    migrate.downgrade(db.url, "0018")
    try:
        rid = uuid.uuid4()
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO responses (id, survey_key, survey_version, period_kind, period,"
                    " firm_id, programme_id, role, level_band, tenure_band, gender_group,"
                    " pseudonym) VALUES (:id, 'climate', 1, 'week', '2026-W06', :firm,"
                    " :programme, 'mentor', 'junior', '2-5y', 'woman', :alias)"
                ),
                {
                    "id": rid.hex if db.engine.dialect.name == "sqlite" else rid,
                    "firm": firm_id,
                    "programme": programme_id,
                    "alias": "a" * 64,
                },
            )
    finally:
        migrate.upgrade(db.url)
    columns = {c["name"] for c in inspect(db.engine).get_columns("responses")}
    assert "pseudonym" not in columns
    key = pairing_key(keys_for_tests())
    assert key is not None
    with db.sessions() as session:
        assert pseudonyms_of(session, key, [programme_id]) == {rid: "a" * 64}
