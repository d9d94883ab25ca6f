"""Build a row-level research bundle (a zip) for one export, in chunks.

The disclosure plan is made first, from counts of quasi-identifier
combinations (:mod:`surveys.export.planning`: one GROUP BY, no rows in
memory); then each survey's responses are read in chunks by id and written to
CSV and Parquet as they come (:mod:`surveys.export.table_rows`); SPSS and
Stata files follow from the Parquet file. Longitudinal rows get per-export
pseudonyms, made by the worker from the encrypted pairing records with a random
key that exists only during the build (surveys/longitudinal/exported.py), so two
exports cannot be joined on them. Without ``pairing_key`` (a process with no
private key) no pseudonym column is written.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import Firm, Person, Programme, Response, SurveyRound
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.export.analysis import Expected, write_analysis
from surveys.export.codebook import write_documents
from surveys.export.comments import Masker, names_from_people
from surveys.export.documents import Metadata, report_text
from surveys.export.fields import PERIOD_NAMES, table_fields, with_categories
from surveys.export.lineage import ScopeRelease, scope_release
from surveys.export.planning import count_in_scope, policy_for, round_months
from surveys.export.scope import Scope
from surveys.export.table_rows import RowContext, TableRows, write_tables
from surveys.longitudinal.exported import ExportPseudonyms, export_pseudonyms

Progress = Callable[[int, int], None]


class EmptyExport(Exception):
    """Nothing in scope may be released; the message says why (no bundle is written)."""


@dataclass(frozen=True)
class Bundle:
    file_name: str
    sha256: str
    rows: int
    report: dict[str, Any]


def build_bundle(
    db: Database,
    export_id: int,
    scope: Scope,
    *,
    include_comments: bool,
    default_k: int,
    folder: Path,
    progress: Progress,
    protect: tuple[str, ...] = (),
    expected: Expected | None,
    pairing_key: bytes | None = None,
) -> Bundle:
    """Write the zip under ``folder``; raise :class:`EmptyExport` when nothing may be released.

    ``protect`` is the researcher's priority order (:mod:`surveys.export.priorities`);
    ``expected`` computes what the dashboard showed for the scope (:mod:`.analysis`);
    it has no default: None leaves the analysis's comparison list empty, said in its note.
    """
    # pandas, pyarrow and pyreadstat load here, in the worker that builds, not in every
    # web process that only takes requests.
    from surveys.export.statfiles import write_spss_and_stata
    from surveys.export.writers import TableWriter

    with db.transaction() as session:
        policy = policy_for(session, scope, default_k)
        if count_in_scope(session, scope) == 0:
            raise EmptyExport("No responses match this scope: choose other surveys or dates.")
        # One release lineage per programme: each response keeps the generalisation of
        # its first release, whatever the scope (surveys/export/releases.py).
        release = scope_release(session, scope, policy, protect)
        if release.k_achieved() is None:
            raise EmptyExport(
                f"Every group of responses in this scope is smaller than {policy.k}, so nothing "
                "can be exported: widen the scope."
            )
        months = round_months(session)
        covered = replace(scope.undated(), periods=release.periods(months))
        shown = None if expected is None else expected(session, covered, default_k)
        total = count_in_scope(session, scope.undated())
        slugs = dict(
            session.execute(select(Firm.id, Firm.slug).where(Firm.id.in_(scope.firm_ids))).all()
        )
        rounds = dict(session.execute(select(SurveyRound.id, SurveyRound.label)).all())
        versions: dict[str, list[int]] = {}
        longitudinal: set[int] = set()
        for key, version, programme_id, paired in session.execute(
            select(
                Response.survey_key,
                Response.survey_version,
                Response.programme_id,
                Programme.longitudinal,
            )
            .join(Programme, Programme.id == Response.programme_id)
            .where(*scope.undated().conditions())
            .group_by(
                Response.survey_key,
                Response.survey_version,
                Response.programme_id,
                Programme.longitudinal,
            )
        ):
            if version not in versions.setdefault(key, []):
                versions[key].append(version)
            if paired:
                longitudinal.add(programme_id)
        aliases = ExportPseudonyms()
        if pairing_key is not None and longitudinal:
            aliases = export_pseudonyms(session, pairing_key, longitudinal)
        pseudonymous = set(aliases.survey_keys)
        masker = Masker(())
        if include_comments:
            people = session.execute(
                select(Person.email, Person.internal_id).where(Person.firm_id.in_(scope.firm_ids))
            ).all()
            masker = Masker(names_from_people([p[0] for p in people], [p[1] for p in people]))
        metadata = Metadata.read(session, export_id, scope)
    # The period column is named for what the release holds: month, quarter or year.
    period = PERIOD_NAMES[release.month_level]
    context = RowContext(slugs, rounds, months, policy, masker, aliases.by_response)
    del aliases
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / f".building-{export_id}-{secrets.token_hex(4)}"
    work.mkdir()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)

    try:
        described, streams = [], {}
        for key in sorted(versions):
            definitions = [catalogue().get(key, v) for v in sorted(versions[key])]
            fields = table_fields(
                definitions,
                pseudonyms=key in pseudonymous,
                with_comments=include_comments,
                period=period,
            )
            described.append((key, definitions[-1].title, sorted(versions[key]), fields))
            streams[key] = (TableRows(release, fields, context), TableWriter(work, key, fields))
        try:
            write_tables(db, scope.undated(), streams, tick)
        finally:
            for _, writer in streams.values():
                writer.close()
        # Quasi-identifiers' enums: the values their rows released.
        described = [
            (key, title, versions, with_categories(fields, streams[key][0].categories))
            for key, title, versions, fields in described
        ]
        for key, title, _, fields in described:
            write_spss_and_stata(streams[key][1].parquet_path, fields, title)
        counts = {key: writer.counts for key, (_, writer) in streams.items()}
        kept = sum(rows.comments_kept for rows, _ in streams.values())
        withheld = sum(rows.comments_withheld for rows, _ in streams.values())
        cost = _cost([rows for rows, _ in streams.values()])
        released = sum(rows.row for rows, _ in streams.values())
        held_back = sum(rows.withheld for rows, _ in streams.values())
        del context, streams  # the per-export pseudonyms go with them (their key is gone)
        plan = rows_report(release, policy, released, held_back, cost)
        report = _report(plan, policy, include_comments, kept, withheld, bool(pseudonymous))
        report["release"] = release.note()
        protected = report["release"]["protect"]
        protected = list(protected[0]) if len(protected) == 1 else []
        report["priorities"] = {"protect": protected, "cost_by_column": cost}
        (work / "disclosure-report.json").write_text(json.dumps(report, indent=2))
        (work / "disclosure-report.txt").write_text(report_text(report))
        write_documents(work, metadata, described, counts, report, policy)
        write_analysis(work, shown, report)
        name = f"export-{export_id}-{secrets.token_hex(8)}.zip"
        digest = _zip(work, folder / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Bundle(name, digest, released, report)


def rows_report(
    release: ScopeRelease,
    policy: disclosure.Policy,
    released: int,
    withheld: int,
    cost: dict[str, dict[str, int]],
) -> dict[str, Any]:
    """What the disclosure report states about k, generalisation and suppression."""
    blanked = {name: c["blanked"] for name, c in cost.items()}
    return {
        "k_required": policy.k,
        "k_achieved": release.k_achieved(),
        "rows_in_scope": released + withheld,
        "rows_released": released,
        "rows_withheld": withheld,
        "generalised": release.generalised(),
        "values_suppressed": sum(blanked.values()),
        "values_suppressed_by_column": blanked,
    }


def _report(
    plan: dict[str, Any],
    policy: disclosure.Policy,
    include_comments: bool,
    kept: int,
    withheld: int,
    pseudonyms: bool,
) -> dict[str, Any]:
    report: dict[str, Any] = dict(plan)
    needed = max(policy.comment_min, policy.k)
    notes = [
        "Dates are released as months at the finest.",
        "Groups are counted in distinct people, not responses. Responses carry no person "
        "id, so a group counts: a climate round's responses (one per person per round; "
        "rounds are never added together); and, for pulses, k people only when the group "
        "holds a whole stored (cohort, period) combination, which the mixer stores only "
        "with at least k distinct people. A group known to hold fewer than k people is "
        "generalised, blanked or withheld.",
        "Every export of a programme belongs to one release lineage: each response keeps "
        "the generalisation and suppression of its first release, whatever the scope of a "
        "later export (other surveys, dates or firms), and an export holds a response or "
        "not by its released values (survey, programme, released month), so two exports "
        "joined row by row show nothing finer than either. A date range is applied to "
        "the released month (or quarter, year): whole released periods are in or out. "
        "Responses stored after a release, in periods it did not cover, form the next "
        "generation, whose groups each hold k people on their own.",
        "Response ids are replaced by row numbers in an order that carries no meaning.",
    ]
    if pseudonyms:
        notes.append(
            "Longitudinal rows carry per-export pseudonyms, made by the worker for this "
            "export with a random key that was discarded: they link rows of one person "
            "here and nowhere else (the database holds no pseudonym in plain form)."
        )
    if include_comments:
        notes.append(
            f"Comments were requested: {kept} exported (masked: e-mail addresses, phone numbers, "
            f"names of the firm's people), {withheld} withheld because their group is below "
            f"{needed}."
        )
    else:
        notes.append("Free-text comments are not included (not requested).")
    report["comments"] = {"included": include_comments, "exported": kept, "withheld": withheld}
    report["notes"] = notes
    return report


def _cost(tables: list[TableRows]) -> dict[str, dict[str, int]]:
    """Values coarsened and blanked per quasi-identifier, over every table."""
    total: dict[str, dict[str, int]] = {}
    for rows in tables:
        for name, counts in rows.cost().items():
            into = total.setdefault(name, {"coarsened": 0, "blanked": 0})
            for what, n in counts.items():
                into[what] += n
    return total


_STORED = {".parquet"}


def _zip(work: Path, target: Path) -> str:
    """Zip ``work`` into ``target`` (written aside, then renamed) and return its SHA-256."""
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in sorted(p for p in work.rglob("*") if p.is_file()):
            method = zipfile.ZIP_STORED if path.suffix in _STORED else zipfile.ZIP_DEFLATED
            name = path.relative_to(work).as_posix()
            archive.write(path, name, compress_type=method, compresslevel=1)
    digest = hashlib.sha256()
    with partial.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    partial.replace(target)
    return digest.hexdigest()
