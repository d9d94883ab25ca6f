"""The rows of a bundle's tables: responses read in chunks, released through the plan.

Each survey's responses are read in chunks of :data:`CHUNK` by id (random, so
the order says nothing), shuffled, and turned into released rows by a
:class:`TableRows` per survey; a group the plan withholds gives no row.
Longitudinal pseudonyms are re-keyed with :attr:`RowContext.pseudonym_key`, a
random key that exists only during the build.
"""

from __future__ import annotations

import hashlib
import hmac
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
from surveys.export.planning import COHORT_COLUMNS, stored_month
from surveys.export.priorities import cost_by_column
from surveys.export.quasi import QUASI_IDENTIFIERS
from surveys.export.scope import PERIOD, Scope

if TYPE_CHECKING:
    from surveys.export.writers import TableWriter

CHUNK = 20_000

#: How a column of a row is filled (compiled once per table, see :class:`TableRows`).
GIVEN, ITEM, QI, META, TEXT = range(5)

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
    Response.pseudonym,
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
    #: The random key pseudonyms are re-keyed with; dropped when the build ends.
    pseudonym_key: bytes


class TableRows:
    """Turns chunks of responses and their answers into released rows of one table.

    Runs once per response (a million times in a big export), so the columns
    are compiled once into (code, key, option) steps instead of dispatching on
    each field's source per cell.
    """

    def __init__(self, plan: disclosure.RowPlan, fields: list[Field], context: RowContext):
        self.plan, self.context = plan, context
        self.row = 0
        self.comments_kept = self.comments_withheld = 0
        self._released: dict[disclosure.Combo, disclosure.Combo | None] = {}
        #: released rows per stored combination (what the priorities cost, see cost())
        self._seen: Counter[disclosure.Combo] = Counter()
        qi = {name: i for i, name in enumerate(QUASI_IDENTIFIERS)}
        self._steps: list[tuple[int, Any, Any]] = []
        for f in fields:
            kind, name = f.source[0], f.source[1]
            if kind == "qi":
                self._steps.append((QI, qi[name], None))
            elif kind in ("value", "choice"):
                self._steps.append((GIVEN, name, None))
            elif kind == "item":
                self._steps.append((ITEM, name, (name, f.source[2])))
            elif kind == "text":
                self._steps.append((TEXT, name, None))
            elif name in ("row", "person", "survey_version", "round"):
                self._steps.append((META, name, None))
            else:
                raise ValueError(f"unknown field source {f.source}")

    def _release(self, combo: disclosure.Combo) -> disclosure.Combo | None:
        if combo not in self._released:
            self._released[combo] = self.plan.apply(combo)
        return self._released[combo]

    def build(self, r: Any, given: dict[Any, Any]) -> list[Any] | None:
        """The released row of one response, or None when its group is withheld."""
        combo = (
            r.survey_key,
            self.context.slugs[r.firm_id],
            str(r.programme_id),
            stored_month(r.period, self.context.round_months),
            *_cohort_of(r),
            given.get("gender"),
            given.get("ethnicity"),
        )
        shown = self._release(combo)
        if shown is None:
            return None
        self._seen[combo] += 1
        self.row += 1
        out: list[Any] = []
        append = out.append
        for code, a, b in self._steps:
            if code == GIVEN:
                append(given.get(a))
            elif code == ITEM:
                append((1 if b in given else 0) if a in given else None)
            elif code == QI:
                append(shown[a])
            elif code == META:
                append(self._meta(a, r))
            else:
                append(self._text(given.get(a), shown))
        return out

    def cost(self) -> dict[str, dict[str, int]]:
        """Released rows whose quasi-identifier was coarsened or blanked, per column."""
        return cost_by_column(self._seen, self._released)

    def _meta(self, name: str, r: Any) -> Any:
        if name == "row":
            return self.row
        if name == "survey_version":
            return r.survey_version
        if name == "round":
            return self.context.rounds.get(r.round_id)
        if r.pseudonym is None:
            return None
        key = self.context.pseudonym_key
        return hmac.new(key, r.pseudonym.encode(), hashlib.sha256).hexdigest()[:20]

    def _text(self, text: Any, shown: disclosure.Combo) -> str | None:
        if not text:
            return None
        if not disclosure.comments(self.plan.group_sizes[shown], self.context.policy).shown:
            self.comments_withheld += 1
            return None
        self.comments_kept += 1
        return self.context.masker(text)


def _answers(conn: Connection, chunk: list[Any]) -> dict[Any, dict[Any, Any]]:
    """The answers of a chunk's responses: one range scan of the answers' primary key."""
    out: dict[Any, dict[Any, Any]] = {r.id: {} for r in chunk}
    query = select(_ANSWER_ID, Answer.question_key, Answer.item, Answer.value, Answer.text).where(
        _ANSWER_ID >= chunk[0].id, _ANSWER_ID <= chunk[-1].id
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
            chunk = list(conn.execute(query.order_by(Response.id).limit(CHUNK)))
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
