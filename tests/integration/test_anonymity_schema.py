"""Anonymity by structure (PRODUCT.md 2.3): nothing in what was answered points at who was asked.

Responses hold a period (ISO week, month or round), never a date; the sealed inbox holds only
an id, a routing period and sealed bytes; no pseudonym key is kept in the database.
"""

from __future__ import annotations

from sqlalchemy import Date, DateTime, Integer, LargeBinary, String, Uuid, inspect

import surveys.db.models  # noqa: F401  (registers every table)
from surveys.db.base import Base
from surveys.db.session import Database

ANSWER_SIDE = ("responses", "answers", "sealed_submissions")
WHO_SIDE = {
    "survey_invitations",
    "people",
    "pairings",
    "meetings",
    "enrolments",
    "accounts",
    "outbox_events",
    "processed_events",
    "promotions",
}


def test_response_and_answer_tables_reference_no_person_invitation_or_meeting() -> None:
    for name in ANSWER_SIDE:
        table = Base.metadata.tables[name]
        referred = {fk.column.table.name for fk in table.foreign_keys}
        assert not referred & WHO_SIDE, f"{name} refers to {referred & WHO_SIDE}"


def test_nothing_on_the_who_side_references_a_response() -> None:
    for table in Base.metadata.tables.values():
        if table.name in ANSWER_SIDE:
            continue
        referred = {fk.column.table.name for fk in table.foreign_keys}
        assert not referred & set(ANSWER_SIDE), f"{table.name} refers to a response"


def test_responses_carry_a_period_but_no_date_or_time() -> None:
    for name in ANSWER_SIDE:
        for column in Base.metadata.tables[name].columns:
            assert not isinstance(column.type, DateTime), f"{name}.{column.name} has a time"
            assert not isinstance(column.type, Date), f"{name}.{column.name} has a date"
    responses = Base.metadata.tables["responses"]
    assert "submitted_on" not in responses.c
    assert isinstance(responses.c.period.type, String)
    assert isinstance(responses.c.period_kind.type, String)


def test_sealed_submissions_hold_only_an_id_a_period_and_sealed_bytes() -> None:
    sealed = Base.metadata.tables["sealed_submissions"]
    assert set(sealed.c.keys()) == {"id", "period", "sealed"}
    assert isinstance(sealed.c.id.type, Uuid)
    assert isinstance(sealed.c.sealed.type, LargeBinary)
    assert not sealed.foreign_keys


def test_no_pseudonym_key_is_kept_in_the_database(db: Database) -> None:
    assert "pseudonym_keys" not in Base.metadata.tables
    assert "pseudonym_keys" not in inspect(db.engine).get_table_names()
    for table in Base.metadata.tables.values():
        for column in table.columns:
            assert "pseudonym_key" not in column.name, f"{table.name}.{column.name}"


def test_nothing_links_a_response_to_an_invitation() -> None:
    invitations = Base.metadata.tables["survey_invitations"]
    for name in ANSWER_SIDE:
        table = Base.metadata.tables[name]
        assert not any("invitation" in c.name or "token" in c.name for c in table.columns)
        assert not any(c.name in {"person_id", "person_tag", "tag"} for c in table.columns)
    assert not any(fk.column.table.name in ANSWER_SIDE for fk in invitations.foreign_keys)


def test_responses_have_no_sequence_or_server_side_default_that_orders_them() -> None:
    responses = Base.metadata.tables["responses"]
    assert isinstance(responses.c.id.type, Uuid)
    for name in ANSWER_SIDE:
        for column in Base.metadata.tables[name].columns:
            assert column.server_default is None, f"{name}.{column.name} has a server default"
            if column.primary_key and isinstance(column.type, Integer):
                raise AssertionError(f"{name}.{column.name} is an integer key (a sequence)")


def test_invitations_record_whether_but_not_when_a_response_came() -> None:
    invitations = Base.metadata.tables["survey_invitations"]
    assert "responded" in invitations.c
    assert not any("respon" in c.name and c.name != "responded" for c in invitations.columns)


def test_aggregate_cells_keep_no_time_of_their_last_change() -> None:
    cells = Base.metadata.tables["aggregate_cells"]
    assert not any(isinstance(c.type, DateTime) for c in cells.columns)


def test_sqlite_keeps_no_hidden_insertion_order_for_responses(sqlite_db: Database) -> None:
    # The sealed inbox too: its order would be the submissions' order.
    with sqlite_db.engine.connect() as conn:
        for table in ANSWER_SIDE:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = ?", (table,)
            ).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID"), f"{table} numbers its rows"
