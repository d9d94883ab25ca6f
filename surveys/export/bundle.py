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
import random
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, String, and_, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from surveys import disclosure
from surveys.db.models import Answer, Firm, Person, Response, SurveyRound
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.domain.periods import month_of_week
from surveys.export.comments import Masker, names_from_people
from surveys.export.documents import datapackage, readme, report_text
from surveys.export.fields import Field, table_fields
from surveys.export.quasi import HIERARCHIES, QUASI_IDENTIFIERS
from surveys.export.scope import Scope

if TYPE_CHECKING:
    from surveys.export.writers import TableWriter

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


#: A response's stored period as one column ("week:2026-W07", "month:2026-02", "round:12").
_PERIOD = Response.period_kind + ":" + Response.period


def round_months(session: Session) -> dict[int, str]:
    """Each round's month ('YYYY-MM' of its closing day): a climate response's month."""
    return {
        rid: f"{day:%Y-%m}"
        for rid, day in session.execute(select(SurveyRound.id, SurveyRound.closes_on))
    }


def stored_month(period: str, rounds: dict[int, str]) -> str:
    """The export's month of a stored period (see :data:`_PERIOD`): a week's month,
    a merged batch's month, or a round's closing month. Responses carry no date."""
    kind, _, value = period.partition(":")
    if kind == "week":
        return month_of_week(value)
    if kind == "round":
        return rounds.get(int(value), "")
    return value


def _combination_counts(session: Session, scope: Scope) -> dict[disclosure.Combo, int]:
    gender, ethnicity = aliased(Answer), aliased(Answer)
    columns = (
        Response.survey_key,
        Firm.slug,
        Response.programme_id,
        _PERIOD,
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
    months = round_months(session)
    for key, slug, programme, period, role, lb, tb, gg, g, e, n in session.execute(query):
        combo = (key, slug, str(programme), stored_month(period, months), role, lb, tb, gg, g, e)
        counts[combo] = counts.get(combo, 0) + int(n)
    return counts


class _Rows:
    """Turns chunks of responses and their answers into released rows of one table.

    Runs once per response (a million times in a big export), so the columns
    are compiled once into (code, key, option) steps instead of dispatching on
    each field's source per cell.
    """

    def __init__(self, plan: disclosure.RowPlan, fields: list[Field], context: dict[str, Any]):
        self.plan, self.context = plan, context
        self.row = 0
        self.comments_kept = self.comments_withheld = 0
        self._released: dict[disclosure.Combo, disclosure.Combo | None] = {}
        qi = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}
        self._steps: list[tuple[int, Any, Any]] = []
        for f in fields:
            kind, name = f.source[0], f.source[1]
            if kind == "qi":
                self._steps.append((_QI, qi[name], None))
            elif kind in ("value", "choice"):
                self._steps.append((_GIVEN, name, None))
            elif kind == "item":
                self._steps.append((_ITEM, name, (name, f.source[2])))
            elif kind == "text":
                self._steps.append((_TEXT, name, None))
            elif name in ("row", "person", "survey_version", "round"):
                self._steps.append((_META, name, None))
            else:
                raise ValueError(f"unknown field source {f.source}")

    def _release(self, combo: disclosure.Combo) -> disclosure.Combo | None:
        if combo not in self._released:
            self._released[combo] = self.plan.apply(combo)
        return self._released[combo]

    def build(self, r: Any, given: dict[Any, Any]) -> list[Any] | None:
        """The released row of one response, or None when its group is withheld."""
        ctx = self.context
        combo = (
            r[1],
            ctx["slugs"][r[3]],
            str(r[4]),
            stored_month(r[6], ctx["round_months"]),
            r[7],
            r[8],
            r[9],
            r[10],
            given.get("gender"),
            given.get("ethnicity"),
        )
        shown = self._release(combo)
        if shown is None:
            return None
        self.row += 1
        out: list[Any] = []
        append = out.append
        for code, a, b in self._steps:
            if code == _GIVEN:
                append(given.get(a))
            elif code == _ITEM:
                append((1 if b in given else 0) if a in given else None)
            elif code == _QI:
                append(shown[a])
            elif code == _META:
                append(self._meta(a, r))
            else:
                append(self._text(given.get(a), shown))
        return out

    def _meta(self, name: str, r: Any) -> Any:
        if name == "row":
            return self.row
        if name == "survey_version":
            return r[2]
        if name == "round":
            return self.context["rounds"].get(r[5])
        if r[11] is None:
            return None
        key: bytes = self.context["pseudonym_key"]
        return hmac.new(key, r[11].encode(), hashlib.sha256).hexdigest()[:20]

    def _text(self, text: Any, shown: disclosure.Combo) -> str | None:
        if not text:
            return None
        if not disclosure.comments(self.plan.group_sizes[shown], self.context["policy"]).shown:
            self.comments_withheld += 1
            return None
        self.comments_kept += 1
        masker: Masker = self.context["masker"]
        return masker(text)


_GIVEN, _ITEM, _QI, _META, _TEXT = range(5)
#: Ids as the driver returns them (no UUID objects per row: there are millions).
_RAW_ID = type_coerce(Response.id, String())
_RESPONSE_COLUMNS = (
    _RAW_ID,
    Response.survey_key,
    Response.survey_version,
    Response.firm_id,
    Response.programme_id,
    Response.round_id,
    _PERIOD,
    Response.role,
    Response.level_band,
    Response.tenure_band,
    Response.gender_group,
    Response.pseudonym,
)
_ANSWER_ID = type_coerce(Answer.response_id, String())


def _answers(conn: Connection, chunk: list[Any]) -> dict[Any, dict[Any, Any]]:
    """The answers of a chunk's responses: one range scan of the answers' primary key."""
    out: dict[Any, dict[Any, Any]] = {r[0]: {} for r in chunk}
    query = select(_ANSWER_ID, Answer.question_key, Answer.item, Answer.value, Answer.text).where(
        _ANSWER_ID >= chunk[0][0], _ANSWER_ID <= chunk[-1][0]
    )
    for rid, question, item, value, text in conn.execute(query):
        given = out.get(rid)
        if given is None:
            continue  # a response outside the scope, between two inside it
        if item:
            given[question] = item  # single choice: the option; multi: marks "answered"
            given[(question, item)] = 1
        else:
            given[question] = value if value is not None else text
    return out


_SHUFFLE = random.SystemRandom()


def _write_tables(
    db: Database,
    scope: Scope,
    tables: dict[str, tuple[_Rows, TableWriter]],
    tick: Callable[[int], None],
) -> None:
    """One pass over the responses in scope, in chunks of id order, each row to its survey's
    table. Each chunk is shuffled before its rows are numbered: in id order, the same
    response would sit at the same place in every export, and that place would join two
    exports' re-keyed pseudonyms."""
    last: Any = None
    while True:
        with db.engine.connect() as conn:
            query = select(*_RESPONSE_COLUMNS).where(*scope.conditions())
            if last is not None:
                query = query.where(_RAW_ID > last)
            chunk = list(conn.execute(query.order_by(Response.id).limit(CHUNK)))
            if not chunk:
                return
            answers = _answers(conn, chunk)
        last = chunk[-1][0]
        _SHUFFLE.shuffle(chunk)
        pending: dict[str, list[list[Any]]] = {key: [] for key in tables}
        for r in chunk:
            rows, _ = tables[r[1]]
            row = rows.build(r, answers[r[0]])
            if row is not None:
                pending[r[1]].append(row)
        for key, built in pending.items():
            tables[key][1].write(built)
        tick(len(chunk))


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
    # pandas, pyarrow and pyreadstat load here, in the worker that builds, not in every
    # web process that only takes requests.
    from surveys.export.writers import TableWriter, write_spss_and_stata

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
        "round_months": round_months(session),
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
        described, streams = [], {}
        for key in sorted(versions):
            definitions = [catalogue().get(key, v) for v in sorted(versions[key])]
            fields = table_fields(
                definitions, pseudonyms=key in pseudonymous, with_comments=include_comments
            )
            described.append((key, definitions[-1].title, sorted(versions[key]), fields))
            streams[key] = (_Rows(plan, fields, context), TableWriter(work, key, fields))
        try:
            _write_tables(db, scope, streams, tick)
        finally:
            for _, writer in streams.values():
                writer.close()
        for key, title, _, fields in described:
            write_spss_and_stata(streams[key][1].parquet_path, fields, title)
        kept = sum(rows.comments_kept for rows, _ in streams.values())
        withheld = sum(rows.comments_withheld for rows, _ in streams.values())
        context.pop("pseudonym_key")  # discarded: the pseudonyms cannot be recomputed
        report = _report(plan, policy, include_comments, kept, withheld, bool(pseudonymous))
        (work / "datapackage.json").write_text(
            json.dumps(datapackage(export_id, described), indent=2)
        )
        (work / "disclosure-report.json").write_text(json.dumps(report, indent=2))
        (work / "disclosure-report.txt").write_text(report_text(report))
        (work / "README.txt").write_text(readme(export_id, [t[0] for t in described], report))
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
