"""HR imports: all or nothing, a report naming every bad row, re-imports update by internal id."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.db import migrate
from surveys.db.models import Person, Promotion
from surveys.db.session import Database
from surveys.services.people import ImportRejected, import_people, read_csv
from tests.support import factories as f
from webapp.cli import main
from workers import runtime

HEADER = (
    "internal_id,email,level,practice_area,office,start_date,leave_date,leave_reason,"
    "promotion_dates,working_pattern,gender,ethnicity\n"
)
GOOD = HEADER + (
    "E1,ada@example.com,Counsel,Corporate,London,2015-03-01,,,2019-09-01;2023-09-01,"
    "full-time,woman,Asian or Asian British\n"
    "E2,ben@example.com,partner,Disputes,Leeds,2010-01-04,2026-06-30,resigned,,"
    "part-time,prefer not to say,\n"
    "E3,cat@example.com,trainee,Tax,London,2025-09-01,,,,,,\n"
)


def snapshot(session: Session) -> list[tuple[Any, ...]]:
    people = session.execute(
        select(Person.internal_id, Person.email, Person.level, Person.left_on).order_by(
            Person.internal_id
        )
    ).all()
    promotions = session.execute(
        select(Promotion.person_id, Promotion.promoted_on, Promotion.to_level).order_by(
            Promotion.person_id, Promotion.promoted_on
        )
    ).all()
    return [tuple(r) for r in people] + [tuple(r) for r in promotions]


def run(db: Database, firm_id: int, text: str) -> Any:
    with db.transaction() as session:
        return import_people(session, firm_id, read_csv(text.encode()))


def new_firm(db: Database) -> int:
    with db.transaction() as session:
        return f.firm(session).id


def test_a_good_file_creates_people_with_promotions_and_leaving(db: Database) -> None:
    firm_id = new_firm(db)
    result = run(db, firm_id, GOOD)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    with db.sessions() as session:
        ada = session.scalars(select(Person).where(Person.internal_id == "E1")).one()
        assert ada.level == "counsel" and ada.gender == "woman"
        steps = session.execute(
            select(Promotion.promoted_on, Promotion.to_level)
            .where(Promotion.person_id == ada.id)
            .order_by(Promotion.promoted_on)
        ).all()
        assert [tuple(s) for s in steps] == [
            (date(2019, 9, 1), "senior associate"),
            (date(2023, 9, 1), "counsel"),
        ]
        ben = session.scalars(select(Person).where(Person.internal_id == "E2")).one()
        assert (ben.left_on, ben.leave_reason, ben.working_pattern, ben.gender) == (
            date(2026, 6, 30),
            "resigned",
            "part-time",
            "prefer not to say",
        )


def test_reimporting_updates_people_by_internal_id(db: Database) -> None:
    firm_id = new_firm(db)
    run(db, firm_id, GOOD)
    changed = GOOD.replace("E3,cat@example.com,trainee", "E3,cat@example.com,associate").replace(
        "2019-09-01;2023-09-01", "2023-09-01"
    )
    result = run(db, firm_id, changed)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 1)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 3
        assert session.scalar(select(Person.level).where(Person.internal_id == "E3")) == "associate"
        assert session.scalar(select(func.count()).select_from(Promotion)) == 1


def test_two_people_may_swap_email_addresses_in_one_file(db: Database) -> None:
    firm_id = new_firm(db)
    run(db, firm_id, GOOD)
    swapped = (
        GOOD.replace("ada@example.com", "tmp").replace("ben@example.com", "ada@example.com")
    ).replace("tmp", "ben@example.com")
    run(db, firm_id, swapped)
    with db.sessions() as session:
        assert session.scalar(select(Person.email).where(Person.internal_id == "E1")) == (
            "ben@example.com"
        )


BAD_ROWS = [
    ("E9,zed@example.com,intern,Tax,London,2020-01-01,,,,,,", "level", "unknown level 'intern'"),
    ("E9,zed@example.com,partner,Tax,London,2020-31-01,,,,,,", "start_date", "not a date"),
    ("E9,ada@example.com,partner,Tax,London,2020-01-01,,,,,,", "email", "duplicate of row 2"),
    ("E1,zed@example.com,partner,Tax,London,2020-01-01,,,,,,", "internal_id", "duplicate of row 2"),
    (",zed@example.com,partner,Tax,London,2020-01-01,,,,,,", "internal_id", "is required"),
    ("E9,zed@example.com,partner,Tax,London,2020-01-01,2019-01-01,,,,,", "leave_date", "before"),
    (
        "E9,zed@example.com,partner,Tax,London,2020-01-01,2024-01-01,bored,,,,",
        "leave_reason",
        "unknown",
    ),
    ("E9,not-an-email,partner,Tax,London,2020-01-01,,,,,,", "email", "not an e-mail"),
    ("E9,zed@example.com,partner,Tax,London,2020-01-01,,,,weekends,,", "working_pattern", "not"),
    (
        "E9,zed@example.com,partner,Tax,London,2020-01-01,,,2019-05-01,,,",
        "promotion_dates",
        "before",
    ),
    ("E9,zed@example.com,partner,Tax,London,2020-01-01,,,,,", None, "has 11 fields"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS)
def test_one_bad_row_rejects_the_file_and_changes_nothing(
    db: Database, row: str, column: str | None, message: str
) -> None:
    firm_id = new_firm(db)
    run(db, firm_id, GOOD)
    with db.sessions() as session:
        before = snapshot(session)
    updated = GOOD.replace("trainee", "associate") + row + "\n"
    with pytest.raises(ImportRejected) as caught:
        run(db, firm_id, updated)
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(5, column)], problems
    assert message in problems[0].message
    with db.sessions() as session:
        assert snapshot(session) == before


def test_the_report_lists_every_problem_in_the_file(db: Database) -> None:
    firm_id = new_firm(db)
    text = HEADER + (
        "E1,a@example.com,partner,Tax,London,2020-01-01,,,,,,\n"
        "E2,b@example.com,boss,Tax,London,yesterday,,,,,,\n"
        "E3,a@example.com,partner,Tax,London,2020-01-01,,,,,,\n"
    )
    with pytest.raises(ImportRejected) as caught:
        run(db, firm_id, text)
    assert [str(p) for p in caught.value.problems] == [
        "row 3, column level: unknown level 'boss' "
        "(trainee, associate, senior associate, counsel, partner, board)",
        "row 3, column start_date: 'yesterday' is not a date (use YYYY-MM-DD)",
        "row 4, column email: duplicate of row 2",
    ]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_an_email_held_by_someone_not_in_the_file_is_refused(db: Database) -> None:
    firm_id = new_firm(db)
    run(db, firm_id, GOOD)
    text = HEADER + "E7,ben@example.com,partner,Tax,London,2020-01-01,,,,,,\n"
    with pytest.raises(ImportRejected) as caught:
        run(db, firm_id, text)
    assert "belongs to E2 already" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"internal_id,email,level\n", "missing required column(s) practice_area"),
        (HEADER.replace("office", "ofice").encode(), "unknown column 'ofice'"),
        (HEADER.encode(), "header but no people"),
        (HEADER.encode() + b'E1,"a@example.com,partner\n', "malformed CSV"),
    ],
)
def test_a_malformed_file_is_refused_with_a_message(
    sqlite_db: Database, data: bytes, message: str
) -> None:
    firm_id = new_firm(sqlite_db)
    with pytest.raises(ImportRejected) as caught, sqlite_db.transaction() as session:
        import_people(session, firm_id, read_csv(data))
    assert message in str(caught.value.problems[0])


def test_the_cli_imports_a_file_or_exits_2_with_the_report(tmp_path: Path) -> None:
    """In process (the command, not the interpreter's start, is under test; the entry
    point itself is tests/integration/test_startup.py's)."""
    url = f"sqlite:///{tmp_path / 'people.sqlite3'}"
    migrate.upgrade(url)
    env = {
        "SECRET_KEY": "k" * 40,
        "DATABASE_URL": url,
        "FLIPSIDE_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLIPSIDE_DEMO": "1",
        "REDIS_URL": "",
    }

    def flipside(args: list[str]) -> Result:
        return CliRunner().invoke(main, args, env=env)

    try:
        made = flipside(["firms", "create", "--name", "Harcourt", "--slug", "harcourt-vale"])
        assert made.exit_code == 0, made.output
        good = tmp_path / "hr.csv"
        good.write_text(GOOD)
        imported = flipside(["people", "import", "--firm", "harcourt-vale", str(good)])
        assert imported.exit_code == 0, imported.output
        assert "3 people added" in imported.stdout
        bad = tmp_path / "bad.csv"
        bad.write_text(GOOD.replace("Counsel", "Chief"))
        refused = flipside(["people", "import", "--firm", "harcourt-vale", str(bad)])
        assert refused.exit_code == 2
        assert "nothing was imported" in refused.stderr
        assert "row 2, column level: unknown level 'Chief'" in refused.stderr
        unknown = flipside(["people", "import", "--firm", "nobody", str(good)])
        assert unknown.exit_code == 2 and "no firm 'nobody'" in unknown.stderr
    finally:
        runtime.db().dispose()  # the app the command built left its engine behind
