"""Build a row-level research bundle (a zip) for one export, in chunks.

The disclosure plan is made first, from counts of quasi-identifier
combinations (one GROUP BY, no rows in memory); then each survey's responses
are read in chunks of :data:`CHUNK` by id (random, so the order says nothing)
and written to CSV and Parquet as they come; SPSS and Stata files follow from
the Parquet file. Longitudinal pseudonyms are re-keyed with a random key that
exists only during the build, so two exports cannot be joined on them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from surveys import disclosure
from surveys.db.models import Answer, Firm, Person, Response, SurveyRound
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.export.comments import Masker, names_from_people
from surveys.export.documents import datapackage, readme, report_text
from surveys.export.fields import Field, table_fields
from surveys.export.quasi import DEMOGRAPHIC_QUESTIONS, HIERARCHIES, QUASI_IDENTIFIERS
from surveys.export.scope import Scope
from surveys.export.writers import TableWriter, write_spss_and_stata

CHUNK = 20_000
Progress = Callable[[int, int], None]


class EmptyExport(Exception):
    """Nothing in scope may be released; the message says why (no bundle is written)."""


@dataclass(frozen=True)
class Bundle:
    file_name: str
    sha256: str
    rows: int
    report: dict[str, Any]


def policy_for(session: Session, scope: Scope, default_k: int) -> disclosure.Policy:
    """The strictest k among the firms in scope."""
    sizes = session.scalars(select(Firm.min_group_size).where(Firm.id.in_(scope.firm_ids)))
    return disclosure.Policy(max([s or default_k for s in sizes] or [default_k]))


def count_in_scope(session: Session, scope: Scope) -> int:
    return int(session.scalar(select(func.count()).where(*scope.conditions())) or 0)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _combination_counts(session: Session, scope: Scope) -> dict[disclosure.Combo, int]:
    gender, ethnicity = aliased(Answer), aliased(Answer)
    columns = (
        Response.survey_key,
        Firm.slug,
        Response.programme_id,
        Response.submitted_on,
        Response.role,
        Response.level_band,
        Response.tenure_band,
        Response.gender_group,
        gender.item,
        ethnicity.item,
    )
    query = (
        select(*columns, func.count())
        .join(Firm, Firm.id == Response.firm_id)
        .outerjoin(gender, and_(gender.response_id == Response.id, gender.question_key == "gender"))
        .outerjoin(
            ethnicity,
            and_(ethnicity.response_id == Response.id, ethnicity.question_key == "ethnicity"),
        )
        .where(*scope.conditions())
        .group_by(*columns)
    )
    counts: dict[disclosure.Combo, int] = {}
    for key, slug, programme, day, role, lb, tb, gg, g, e, n in session.execute(query):
        combo = (key, slug, str(programme), _month(day), role, lb, tb, gg, g, e)
        counts[combo] = counts.get(combo, 0) + int(n)
    return counts


class _Rows:
    """Turns chunks of responses and their answers into released rows of one table."""

    def __init__(self, plan: disclosure.RowPlan, fields: list[Field], context: dict[str, Any]):
        self.plan, self.fields, self.context = plan, fields, context
        self.row = 0
        self.comments_kept = self.comments_withheld = 0
        self._released: dict[disclosure.Combo, disclosure.Combo | None] = {}
        self._qi = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}

    def _release(self, combo: disclosure.Combo) -> disclosure.Combo | None:
        if combo not in self._released:
            self._released[combo] = self.plan.apply(combo)
        return self._released[combo]

    def build(self, responses: list[Any], answers: dict[Any, dict[Any, Any]]) -> list[list[Any]]:
        ctx = self.context
        out: list[list[Any]] = []
        for r in responses:
            given = answers.get(r.id, {})
            combo = (
                r.survey_key,
                ctx["slugs"][r.firm_id],
                str(r.programme_id),
                _month(r.submitted_on),
                r.role,
                r.level_band,
                r.tenure_band,
                r.gender_group,
                *(given.get(q) for q in DEMOGRAPHIC_QUESTIONS),
            )
            shown = self._release(combo)
            if shown is None:
                continue
            self.row += 1
            out.append([self._value(f, r, given, shown) for f in self.fields])
        return out

    def _value(self, f: Field, r: Any, given: dict[Any, Any], shown: disclosure.Combo) -> Any:
        kind, name = f.source[0], f.source[1]
        if kind == "qi":
            return shown[self._qi[name]]
        if kind == "value" or kind == "choice":
            return given.get(name)
        if kind == "item":
            if name not in given:
                return None
            return 1 if (name, f.source[2]) in given else 0
        if kind == "text":
            text = given.get(name)
            if not text:
                return None
            if not disclosure.comments(self.plan.group_sizes[shown], self.context["policy"]).shown:
                self.comments_withheld += 1
                return None
            self.comments_kept += 1
            masker: Masker = self.context["masker"]
            return masker(text)
        if name == "row":
            return self.row
        if name == "person":
            if r.pseudonym is None:
                return None
            key: bytes = self.context["pseudonym_key"]
            return hmac.new(key, r.pseudonym.encode(), hashlib.sha256).hexdigest()[:20]
        if name == "survey_version":
            return r.survey_version
        if name == "round":
            return self.context["rounds"].get(r.round_id)
        raise ValueError(f"unknown field source {f.source}")


_RESPONSE_COLUMNS = (
    Response.id,
    Response.survey_key,
    Response.survey_version,
    Response.firm_id,
    Response.programme_id,
    Response.round_id,
    Response.submitted_on,
    Response.role,
    Response.level_band,
    Response.tenure_band,
    Response.gender_group,
    Response.pseudonym,
)


def _answers(session: Session, scope: Scope, key: str, first: Any, last: Any) -> dict[Any, Any]:
    query = (
        select(Answer.response_id, Answer.question_key, Answer.item, Answer.value, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_key == key, *scope.conditions())
        .where(Answer.response_id >= first, Answer.response_id <= last)
    )
    out: dict[Any, dict[Any, Any]] = {}
    for rid, question, item, value, text in session.execute(query):
        given = out.setdefault(rid, {})
        if item:
            given[question] = item  # single choice: the option; multi: marks "answered"
            given[(question, item)] = 1
        else:
            given[question] = value if value is not None else text
    return out


def _write_table(
    db: Database,
    scope: Scope,
    key: str,
    rows: _Rows,
    writer: TableWriter,
    tick: Callable[[int], None],
) -> None:
    last: Any = None
    while True:
        with db.sessions() as session:
            query = select(*_RESPONSE_COLUMNS).where(
                Response.survey_key == key, *scope.conditions()
            )
            if last is not None:
                query = query.where(Response.id > last)
            chunk = list(session.execute(query.order_by(Response.id).limit(CHUNK)))
            if not chunk:
                return
            answers = _answers(session, scope, key, chunk[0].id, chunk[-1].id)
        writer.write(rows.build(chunk, answers))
        tick(len(chunk))
        last = chunk[-1].id


def build_bundle(
    db: Database,
    export_id: int,
    scope: Scope,
    *,
    include_comments: bool,
    default_k: int,
    folder: Path,
    progress: Progress,
) -> Bundle:
    """Write the zip under ``folder``; raise :class:`EmptyExport` when nothing may be released."""
    with db.sessions() as session:
        policy = policy_for(session, scope, default_k)
        total = count_in_scope(session, scope)
        if total == 0:
            raise EmptyExport("No responses match this scope: choose other surveys or dates.")
        plan = disclosure.anonymise_rows(_combination_counts(session, scope), HIERARCHIES, policy)
        if plan.k_achieved is None:
            raise EmptyExport(
                f"Every group of responses in this scope is smaller than {policy.k}, so nothing "
                "can be exported: widen the scope."
            )
        slugs = dict(
            session.execute(select(Firm.id, Firm.slug).where(Firm.id.in_(scope.firm_ids))).all()
        )
        rounds = dict(session.execute(select(SurveyRound.id, SurveyRound.label)).all())
        versions: dict[str, list[int]] = {}
        pseudonymous: set[str] = set()
        for key, version, with_pseudonym in session.execute(
            select(Response.survey_key, Response.survey_version, func.max(Response.pseudonym))
            .where(*scope.conditions())
            .group_by(Response.survey_key, Response.survey_version)
        ):
            versions.setdefault(key, []).append(version)
            if with_pseudonym is not None:
                pseudonymous.add(key)
        masker = Masker(())
        if include_comments:
            people = session.execute(
                select(Person.email, Person.internal_id).where(Person.firm_id.in_(scope.firm_ids))
            ).all()
            masker = Masker(names_from_people([p[0] for p in people], [p[1] for p in people]))
    context: dict[str, Any] = {
        "slugs": slugs,
        "rounds": rounds,
        "policy": policy,
        "masker": masker,
        "pseudonym_key": secrets.token_bytes(32),
    }
    folder.mkdir(parents=True, exist_ok=True)
    work = folder / f".building-{export_id}-{secrets.token_hex(4)}"
    work.mkdir()
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress(done, total)

    try:
        tables, kept, withheld = [], 0, 0
        for key in sorted(versions):
            definitions = [catalogue().get(key, v) for v in sorted(versions[key])]
            fields = table_fields(
                definitions, pseudonyms=key in pseudonymous, with_comments=include_comments
            )
            rows = _Rows(plan, fields, context)
            writer = TableWriter(work, key, fields)
            try:
                _write_table(db, scope, key, rows, writer, tick)
            finally:
                writer.close()
            title = definitions[-1].title
            write_spss_and_stata(writer.parquet_path, fields, title)
            tables.append((key, title, sorted(versions[key]), fields))
            kept, withheld = kept + rows.comments_kept, withheld + rows.comments_withheld
        context.pop("pseudonym_key")  # discarded: the pseudonyms cannot be recomputed
        report = _report(plan, policy, include_comments, kept, withheld, bool(pseudonymous))
        (work / "datapackage.json").write_text(json.dumps(datapackage(export_id, tables), indent=2))
        (work / "disclosure-report.json").write_text(json.dumps(report, indent=2))
        (work / "disclosure-report.txt").write_text(report_text(report))
        (work / "README.txt").write_text(readme(export_id, [t[0] for t in tables], report))
        name = f"export-{export_id}-{secrets.token_hex(8)}.zip"
        digest = _zip(work, folder / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Bundle(name, digest, plan.rows - plan.withheld_rows, report)


def _report(
    plan: disclosure.RowPlan,
    policy: disclosure.Policy,
    include_comments: bool,
    kept: int,
    withheld: int,
    pseudonyms: bool,
) -> dict[str, Any]:
    report: dict[str, Any] = dict(plan.report())
    needed = max(policy.comment_min, policy.k)
    notes = [
        "Dates are released as months at the finest.",
        "Groups are counted in responses; a person who answered a pulse more than once "
        "within one combination counts once per response.",
        "Response ids are replaced by row numbers in an order that carries no meaning.",
    ]
    if pseudonyms:
        notes.append(
            "Longitudinal pseudonyms were re-keyed for this export with a random key that "
            "was discarded: they link rows of one person here and nowhere else."
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


_STORED = {".parquet"}


def _zip(work: Path, target: Path) -> str:
    """Zip ``work`` into ``target`` (written aside, then renamed) and return its SHA-256."""
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path in sorted(work.iterdir()):
            method = zipfile.ZIP_STORED if path.suffix in _STORED else zipfile.ZIP_DEFLATED
            archive.write(path, path.name, compress_type=method, compresslevel=1)
    digest = hashlib.sha256()
    with partial.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    partial.replace(target)
    return digest.hexdigest()
