"""A researcher asks twice for the same scope and joins the two exports' rows.

The exports are requested and built through the export services
(:func:`request_export`, :func:`run_export`), as the worker builds them; the
researcher then joins each table's rows across the two bundles on every column
that is not a pseudonym (content) and on row position, and combines the two
rows' quasi-identifiers. No combined group may describe fewer than k people.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from surveys.db.models import Account, ExportRequest, Firm
from surveys.db.session import Database
from surveys.services.accounts import create_account
from surveys.services.exports.requests import ScopeInput, request_export
from surveys.settings import Settings
from tests.integration.test_exports_pipeline import pipeline as pipeline  # noqa: F401
from tests.integration.test_exports_pipeline import relay_and_drain
from tests.privacy.summary import record
from tests.privacy.world import build_world, submit_all
from tests.support.sealing import mix

K = 5
QUASI = {
    "survey",
    "firm",
    "programme",
    "month",
    "role",
    "level_band",
    "tenure_band",
    "gender_group",
    "gender",
    "ethnicity",
}
PSEUDONYMS = {"row", "person", "pseudonym", "person_id"}

Table = tuple[list[str], list[list[str]]]


def export_tables(
    db: Database, account_id: int, programme_id: int, folder: Path
) -> dict[str, Table]:
    """One row-level export of the programme, built by the export worker; its CSV tables."""
    with db.transaction() as session:
        account = session.get_one(Account, account_id)
        export_id = request_export(session, account, ScopeInput(programme_id=programme_id)).id
    relay_and_drain(db)
    with db.sessions() as session:
        export = session.get_one(ExportRequest, export_id)
        assert export.status == "done", (export.status, export.message)
        bundle = folder / "exports" / str(export.file_name)
    tables: dict[str, Table] = {}
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                rows = list(csv.reader(io.StringIO(archive.read(name).decode())))
                if rows:
                    tables[name] = (rows[0], rows[1:])
    return tables


def combined_groups(header: list[str], pairs: list[tuple[list[str], list[str]]]) -> Counter[Any]:
    """People per combination of both rows' quasi-identifiers (a differing value
    counts as the pair of values: the finer of the two, whichever it is)."""
    qi = [i for i, name in enumerate(header) if name in QUASI]
    who = [i for i, name in enumerate(header) if name in PSEUDONYMS - {"row"}]
    people: dict[Any, set[Any]] = defaultdict(set)
    for n, (a, b) in enumerate(pairs):
        key = tuple(a[i] if a[i] == b[i] else (a[i], b[i]) for i in qi)
        people[key].add(a[who[0]] if who and a[who[0]] else n)
    return Counter({key: len(members) for key, members in people.items()})


def test_two_exports_of_one_scope_cannot_be_joined_to_refine_a_group(
    pipeline: tuple[Database, Settings],
) -> None:
    db, settings = pipeline
    world = build_world(db)
    submit_all(world)
    mix(db, k=K, today=date(2026, 3, 10))
    with db.transaction() as session:
        firm = session.get_one(Firm, world.firm_id)
        account_id = create_account(
            session, "research@example.com", "correct horse battery", "researcher", [firm]
        ).id
    first = export_tables(db, account_id, world.programme_id, settings.instance_path)
    second = export_tables(db, account_id, world.programme_id, settings.instance_path)
    assert set(first) == set(second) and first
    small: list[tuple[str, str, Any, int]] = []
    rows = 0
    for name, (header, a_rows) in first.items():
        b_header, b_rows = second[name]
        assert b_header == header
        if not QUASI & set(header):
            continue  # not a table of responses (codebook, report)
        rows += len(a_rows)
        content = [i for i, column in enumerate(header) if column not in PSEUDONYMS]
        by_content: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
        for row in b_rows:
            by_content[tuple(row[i] for i in content)].append(row)
        joined = [
            (row, by_content[key][0])
            for row in a_rows
            if len(by_content[key := tuple(row[i] for i in content)]) == 1
        ]
        # Row position: a pair is the same response only if its answers agree.
        answers = [i for i in content if header[i] not in QUASI]
        positional = [
            (a, b)
            for a, b in zip(a_rows, b_rows, strict=False)
            if all(a[i] == b[i] for i in answers)
        ]
        for how, pairs in (("content", joined), ("position", positional)):
            for key, people in combined_groups(header, pairs).items():
                refined = any(isinstance(value, tuple) for value in key)
                if refined and people < K:
                    small.append((name, how, key, people))
    record(f"joining two exports ({db.engine.dialect.name})", sum(p for *_, p in small), rows)
    assert rows > 0
    assert small == [], small[:5]
