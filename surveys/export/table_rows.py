"""The rows of a bundle's tables: responses read in chunks, released through the plan.

Each survey's responses are read in chunks of :data:`CHUNK` by id (random, so
the order says nothing), shuffled, and turned into released rows by a
:class:`TableRows` per survey; a group the plan withholds gives no row.
Longitudinal rows get the per-export pseudonyms of :attr:`RowContext.pseudonyms`,
made by the worker for this build alone (surveys/longitudinal/exported.py). A missing answer or
quasi-identifier gets its code (:mod:`surveys.export.missing`): not asked in
the row's survey version, not answered, or suppressed by the plan.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, String, select, type_coerce

from surveys import disclosure
from surveys.db.models import Answer, Response
from surveys.db.session import Database
from surveys.domain.vocab import COHORT
from surveys.export.comments import Masker
from surveys.export.fields import Field
from surveys.export.lineage import Part, ScopeRelease
from surveys.export.missing import NOT_ANSWERED, NOT_APPLICABLE, NOT_ASKED, SUPPRESSED
from surveys.export.planning import COHORT_COLUMNS, stored_month
from surveys.export.priorities import cost_by_column
from surveys.export.quasi import DEMOGRAPHIC_QUESTIONS, QUASI_IDENTIFIERS
from surveys.export.scope import PERIOD, Scope

if TYPE_CHECKING:
    from surveys.export.writers import TableWriter

CHUNK = 20_000

#: How a column of a row is filled (compiled once per table, see :class:`TableRows`).
GIVEN, ITEM, QI, META, TEXT, ROW, VERSION = range(7)

#: Ids as the driver returns them (no UUID objects per row: there are millions).
_RAW_ID = type_coerce(Response.id, String())
_RESPONSE_COLUMNS = (
    _RAW_ID.label("id"),
    Response.survey_key,
    Response.survey_version,
    Response.firm_id,
    Response.programme_id,
    Response.round_id,
    PERIOD,
    *COHORT_COLUMNS,
)
_ANSWER_ID = type_coerce(Answer.response_id, String())
_cohort_of = attrgetter(*COHORT)


@dataclass(frozen=True)
class RowContext:
    """What every table of one build shares."""

    #: firm id -> slug
    slugs: Mapping[int, str]
    #: round id -> label
    rounds: Mapping[int, str]
    #: round id -> 'YYYY-MM' of its closing day (a climate response's month)
    round_months: Mapping[int, str]
    policy: disclosure.Policy
    masker: Masker
    #: response id (32 hex digits) -> its per-export pseudonym; dropped when the build ends.
    pseudonyms: Mapping[str, str]


class TableRows:
    """Turns chunks of responses and their answers into released rows of one table.

    Runs once per response (a million times in a big export), so the columns
    are compiled once into (code, key, option) steps instead of dispatching on
    each field's source per cell.
    """

    def __init__(self, release: ScopeRelease, fields: list[Field], context: RowContext):
        self.release, self.context = release, context
        self.row = self.withheld = 0
        self.comments_kept = self.comments_withheld = 0
        #: (generation, stored combination) -> (as its plan released it, as exported)
        self._released: dict[tuple[int, disclosure.Combo], tuple[Any, Any]] = {}
        self._months: dict[str, str] = {}  # stored period -> its month (a few hundred)
        #: released rows per (generation, stored combination): what the priorities cost
        self._combos: Counter[tuple[int, disclosure.Combo]] = Counter()
        qi = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}
        #: QI column -> the values released in it (the codebook's enum)
        self.categories: dict[str, set[str]] = {}
        self._seen: dict[int, set[str]] = {}
        # (code, key, option, missing): missing maps a survey version to the code of a
        # missing value (not asked when the version lacks the question), in the column's type.
        self._steps: list[tuple[int, Any, Any, Any]] = []
        for f in fields:
            kind, name = f.source[0], f.source[1]
            missing = _Missing(f.versions, as_text=f.type == "string")
            if kind == "qi":
                self._seen[qi[name]] = self.categories[f.name] = set()
                demographic = name in DEMOGRAPHIC_QUESTIONS  # an answer: asked or not
                self._steps.append((QI, qi[name], demographic, missing))
            elif kind in ("value", "choice"):
                self._steps.append((GIVEN, name, None, missing))
            elif kind == "item":
                self._steps.append((ITEM, name, (name, f.source[2]), missing))
            elif kind == "text":
                self._steps.append((TEXT, name, None, None))
            elif name == "row":
                self._steps.append((ROW, name, None, None))
            elif name == "survey_version":
                self._steps.append((VERSION, name, None, None))
            elif name in ("person", "round"):
                self._steps.append((META, name, None, None))
            else:
                raise ValueError(f"unknown field source {f.source}")

    def _month(self, period: str) -> str:
        month = self._months.get(period)
        if month is None:
            month = self._months[period] = stored_month(period, self.context.round_months)
        return month

    def _release(self, part: Part, combo: disclosure.Combo) -> tuple[Any, Any]:
        key = (part.generation.id, combo)
        if key not in self._released:
            planned = part.plan.apply(combo)
            shown = None if planned is None else self.release.finish(part, planned)
            if shown is not None and not self.release.holds(shown):
                shown = ()  # released, but outside the export's scope
            self._released[key] = (planned, shown)
            for i, values in self._seen.items():
                value = shown[i] if shown else None
                if value is not None:
                    values.add(value)
        return self._released[key]

    def build(self, r: Any, given: dict[Any, Any]) -> list[Any] | None:
        """The released row of one response, or None when its group is withheld."""
        combo = (
            r.survey_key,
            self.context.slugs[r.firm_id],
            str(r.programme_id),
            self._month(r.period),
            *_cohort_of(r),
            given.get("gender"),
            given.get("ethnicity"),
        )
        part = self.release.part(r.firm_id, r.programme_id, r.period)
        planned, shown = (None, None) if part is None else self._release(part, combo)
        if shown is None:  # withheld; counted when its stored month is in the range
            self.withheld += self.release.scope.holds_month(combo[3])
            return None
        if not shown:
            return None
        assert part is not None
        self._combos[part.generation.id, combo] += 1
        self.row += 1
        version = r.survey_version
        out: list[Any] = []
        append = out.append
        for code, a, b, missing in self._steps:
            if code == GIVEN:
                value = given.get(a)
                append(missing[version] if value is None else value)
            elif code == ITEM:
                append((1 if b in given else 0) if a in given else missing[version])
            elif code == QI:
                value = shown[a]
                if value is None:
                    if combo[a] is not None:
                        value = missing.suppressed
                    elif b:
                        value = missing[version]
                    else:
                        value = missing.not_applicable
                append(value)
            elif code == ROW:
                append(self.row)
            elif code == VERSION:
                append(version)
            elif code == META:
                append(self._meta(a, r))
            else:
                append(self._text(given.get(a), part.plan.group_sizes[planned]))  # type: ignore[index]
        return out

    def cost(self) -> dict[str, dict[str, int]]:
        """Released rows whose quasi-identifier was coarsened or blanked, per column."""
        return cost_by_column((c, self._released[g, c][1], n) for (g, c), n in self._combos.items())

    def _meta(self, name: str, r: Any) -> Any:
        if name == "round":
            return self.context.rounds.get(r.round_id)
        return self.context.pseudonyms.get(str(r.id).replace("-", "").lower())

    def _text(self, text: Any, people: int) -> str | None:
        if not text:
            return None
        if not disclosure.comments(people, self.context.policy).shown:
            self.comments_withheld += 1
            return None
        self.comments_kept += 1
        return self.context.masker(text)


class _Missing(dict[int, Any]):
    """survey version -> the code of a missing value in it: not asked when the version
    lacks the question (``asked`` lists the versions that have it), else not answered."""

    def __init__(self, asked: tuple[int, ...], *, as_text: bool) -> None:
        super().__init__()
        self.asked = frozenset(asked)
        self.convert = str if as_text else int
        self.suppressed = self.convert(SUPPRESSED)
        self.not_applicable = self.convert(NOT_APPLICABLE)

    def __missing__(self, version: int) -> Any:
        code = NOT_ANSWERED if not self.asked or version in self.asked else NOT_ASKED
        self[version] = self.convert(code)
        return self[version]


def _answers(conn: Connection, chunk: list[Any]) -> dict[Any, dict[Any, Any]]:
    """The answers of a chunk's responses: one range scan of the answers' primary key."""
    out: dict[Any, dict[Any, Any]] = {r.id: {} for r in chunk}
    query = select(_ANSWER_ID, Answer.question_key, Answer.item, Answer.value, Answer.text).where(
        _ANSWER_ID >= chunk[0].id, _ANSWER_ID <= chunk[-1].id
    )
    # The driver's own tuples, fetched in one call: no Row object per answer (there are
    # millions; these columns need no conversion, the id is read as the driver gives it).
    for rid, question, item, value, text in conn.execute(query).cursor.fetchall():
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


def write_tables(
    db: Database,
    scope: Scope,
    tables: dict[str, tuple[TableRows, TableWriter]],
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
            chunk = list(conn.execute(query.order_by(Response.id).limit(CHUNK)).fetchall())
            if not chunk:
                return
            answers = _answers(conn, chunk)
        last = chunk[-1].id
        _SHUFFLE.shuffle(chunk)
        pending: dict[str, list[list[Any]]] = {key: [] for key in tables}
        for r in chunk:
            rows, _ = tables[r.survey_key]
            row = rows.build(r, answers[r.id])
            if row is not None:
                pending[r.survey_key].append(row)
        for key, built in pending.items():
            tables[key][1].write(built)
        tick(len(chunk))
        del chunk, answers, pending  # before the next chunk is read, not after
