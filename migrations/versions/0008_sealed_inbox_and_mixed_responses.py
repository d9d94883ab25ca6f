"""Anonymity at rest: the sealed inbox; responses hold a period, not a date; no pseudonym keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

Existing responses are re-mixed by the mixer's own rule (a frozen copy of the planner
as it was, below; the migration imports no application code):
dates become ISO weeks (or the round), groups below k per (cohort, period) are
generalised upward ('*', week -> month), and what still cannot reach k is
deleted, with a printed count. Legacy rows carry no person tag, so each
response counts as one person here (the best that can be known). Existing
pseudonyms are re-keyed under FLIPSIDE_PSEUDONYM_SECRET (HMAC of the old
pseudonym), so pairs stay paired, and ``pseudonym_keys`` is dropped. The
aggregate cells and pooled comments are rebuilt from the re-mixed rows.

On PostgreSQL the old row versions stay on disk as dead tuples (with their
old dates and transaction ids) until the operator runs, after this migration:
``VACUUM FULL responses, answers, aggregate_cells, pooled_comments;``
(README, "Upgrading to the sealed inbox"). SQLite rewrites the table here.
Downgrading keeps the rows (a period's first day becomes the date) but loses
sealed submissions not yet mixed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import random
import re
import secrets
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op
from nacl.public import PrivateKey

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_COHORT_CHECKS = {
    "role": ("mentor", "mentee", "comparison"),
    "level_band": ("junior", "mid", "senior"),
    "tenure_band": ("<2y", "2-5y", "5-10y", "10y+"),
    "gender_group": ("woman", "man", "another", "undisclosed"),
}


# (The planner's dataclasses are NamedTuples here: Alembic loads this file outside
# sys.modules, where dataclasses cannot resolve their annotations.)

# surveys/intake/keys.py: the pseudonym secret (the demo's generated file) and the re-keying.
_PUBLIC_KEY = "FLIPSIDE_MIXER_PUBLIC_KEY"
_PRIVATE_KEY = "FLIPSIDE_MIXER_PRIVATE_KEY"
_PSEUDONYM_SECRET = "FLIPSIDE_PSEUDONYM_SECRET"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _demo_keys(instance_path: Path) -> dict[str, str]:
    path = instance_path / "demo-keys"
    if path.exists():
        lines = (line.partition("=") for line in path.read_text().splitlines())
        return {name.strip(): value.strip() for name, _, value in lines if name.strip()}
    instance_path.mkdir(parents=True, exist_ok=True)
    private = PrivateKey.generate()
    found = {
        _PUBLIC_KEY: _b64(bytes(private.public_key)),
        _PRIVATE_KEY: _b64(bytes(private)),
        _PSEUDONYM_SECRET: _b64(secrets.token_bytes(32)),
    }
    path.write_text("".join(f"{name}={value}\n" for name, value in found.items()))
    path.chmod(0o600)
    return found


def _pseudonym_secret(env: Mapping[str, str], *, demo: bool, instance_path: Path) -> bytes:
    values = {name: env.get(name, "").strip() for name in (_PUBLIC_KEY, _PSEUDONYM_SECRET)}
    if demo and not values[_PUBLIC_KEY]:
        values = {**_demo_keys(instance_path), **{k: v for k, v in values.items() if v}}
    text = values.get(_PSEUDONYM_SECRET, "")
    if not text:
        raise ValueError(
            f"{_PSEUDONYM_SECRET} is required (generate keys with `flipside keys generate`; "
            "only the demo, FLIPSIDE_DEMO=1, generates its own)"
        )
    try:
        value = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise ValueError(f"{_PSEUDONYM_SECRET} is not base64") from None
    if len(value) < 32:
        raise ValueError(f"{_PSEUDONYM_SECRET} must be at least 32 bytes (base64), got {len(value)}")
    return value


def rekey_pseudonym(secret: bytes, old: str) -> str:
    subkey = hmac.new(secret, b"flipside/pseudonym-rekey/v1", hashlib.sha256).digest()
    return hmac.new(subkey, old.encode(), hashlib.sha256).hexdigest()


# The aggregates' rebuild (surveys/aggregates/checks.py and comments.py) on the schema of
# this revision: every cell recomputed from the re-mixed rows and released at once (every
# kept row is in a batch of at least k), the free-text answers pooled, masked and released.
_KEY = (
    "survey_key", "survey_version", "firm_id", "programme_id",
    "role", "level_band", "tenure_band", "gender_group",
)


def _cell_periods(period_kind: str, period: str) -> list[tuple[str, str]]:
    if period_kind == "week":
        return [("week", period), ("month", month_of_week(period))]
    return [(period_kind, period)]


def _comment_period(period_kind: str, period: str) -> str:
    if period_kind == "week":
        return month_of_week(period)
    if period_kind == "round":
        return f"round:{period}"
    return period


def _recompute(conn: sa.Connection) -> dict[tuple, list]:
    """Cell key -> [n, total, total_sq, histogram], as the raw rows say."""
    found: dict[tuple, list] = {}

    def add(head: tuple, question: str, item: str, value: int | None, hits: int, kind: str,
            period: str) -> None:
        for cell_kind, cell_period in _cell_periods(kind, period):
            survey, version, *rest = head
            key = (survey, version, question, item, *rest, cell_kind, cell_period)
            stats = found.setdefault(key, [0, 0, 0, {}])
            stats[0] += hits
            if value is not None:
                stats[1] += value * hits
                stats[2] += value * value * hits
                stats[3][str(value)] = stats[3].get(str(value), 0) + hits

    cols = ", ".join(f"r.{c}" for c in _KEY)
    for row in conn.execute(sa.text(
        f"SELECT {cols}, r.period_kind, r.period, a.question_key, a.item, a.value, "
        f"count(*) AS hits FROM responses r JOIN answers a ON a.response_id = r.id "
        f"WHERE a.text IS NULL GROUP BY {cols}, r.period_kind, r.period, "
        f"a.question_key, a.item, a.value"
    )):
        head, kind, period = tuple(row[:8]), row[8], row[9]
        question, item, value, hits = row[10], row[11] or "", row[12], int(row[13])
        if value is None and not item:
            continue  # free text
        add(head, question, item, value if value is not None else 1, hits, kind, period)
    for row in conn.execute(sa.text(
        f"SELECT {cols}, r.period_kind, r.period, count(*) AS hits FROM responses r "
        f"GROUP BY {cols}, r.period_kind, r.period"
    )):
        add(tuple(row[:8]), "", "", None, int(row[10]), row[8], row[9])
    return found



# ---------------------------------------------------------------------------------------
# Frozen copies of the application code this migration ran with (surveys/domain/periods.py,
# surveys/intake/mixer.py, surveys/intake/keys.py, surveys/domain/comments.py and the
# aggregates' rebuild), so that later renames or changes of those modules cannot change or
# break it. A migration is history: do not import the application here.
# ---------------------------------------------------------------------------------------

def week_of(day: date) -> str:
    """``2026-W07`` for a day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def month_of_week(week: str) -> str:
    """The month a week belongs to: its Thursday's."""
    return f"{week_start(week) + timedelta(days=3):%Y-%m}"


def weeks_of_month(month: str) -> list[str]:
    """The weeks whose Thursday falls in ``month`` (``2026-02``), in order."""
    year, number = (int(part) for part in month.split("-"))
    day = date(year, number, 1)
    day += timedelta(days=(3 - day.weekday()) % 7)  # the month's first Thursday
    weeks = []
    while day.month == number:
        weeks.append(week_of(day))
        day += timedelta(days=7)
    return weeks


def week_ended(week: str, today: date) -> bool:
    return today >= week_start(week) + timedelta(days=7)


def month_ended(month: str, today: date) -> bool:
    """Every week of the month has ended."""
    return week_ended(weeks_of_month(month)[-1], today)


def week_after_month(month: str) -> str:
    """The first week of the following month."""
    last = week_start(weeks_of_month(month)[-1])
    return week_of(last + timedelta(days=7))


EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
#: Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<!\w)\+?(?:[\s().-]*\d){7,}(?!\w)")
EMAIL_MASK = "[e-mail removed]"
PHONE_MASK = "[phone number removed]"


def mask_contact_details(text: str) -> str:
    """``text`` with every e-mail address and phone number replaced by a marker."""
    return PHONE.sub(lambda m: _keep_lead(m.group(0)), EMAIL.sub(EMAIL_MASK, text))


def _keep_lead(found: str) -> str:
    # The pattern may take the space before the number with it: keep that space.
    lead = found[: len(found) - len(found.lstrip())]
    return lead + PHONE_MASK


#: A stored cohort value where a batch was generalised.
ANY = "*"

Stream = tuple[int, int, str, int]  # firm_id, programme_id, survey_key, survey_version
Cohort = tuple[str, str, str, str]  # role, level_band, tenure_band, gender_group


class Waiting(NamedTuple):
    """An opened sealed submission as the plan sees it (its answers stay with the caller)."""

    id: uuid.UUID
    stream: Stream
    cohort: Cohort
    #: routing period: "2026-W07" (pulses) or "round:12" (climate rounds)
    period: str
    tag_scope: str
    tag: str


class Batch(NamedTuple):
    """Submissions stored together: one (generalised) cohort and one period, >= k people."""

    stream: Stream
    cohort: Cohort
    period_kind: str  # 'week' | 'month' | 'round'
    period: str  # "2026-W07" | "2026-02" | "12"
    ids: tuple[uuid.UUID, ...]


class RoundState(NamedTuple):
    closed: bool
    #: The next round of the same survey and version in the programme, if any.
    next_round: int | None = None


class Calendar(NamedTuple):
    """What the plan needs to know about time: today and the rounds' states."""

    today: date
    rounds: Mapping[int, RoundState] = {}  # noqa: RUF012 - read only

    def round_closed(self, round_id: int) -> bool:
        state = self.rounds.get(round_id)
        return state is not None and state.closed

    def ended(self, period: str) -> bool:
        """Whether a routing period ("2026-W07" / "round:12") has ended."""
        if period.startswith("round:"):
            return self.round_closed(int(period[6:]))
        return week_ended(period, self.today)

    def fully_ended(self, period: str) -> bool:
        """Whether nothing more can join this period's top level (month or round)."""
        if period.startswith("round:"):
            return self.round_closed(int(period[6:]))
        return month_ended(month_of_week(period), self.today)

    def next_period(self, period: str) -> str | None:
        if period.startswith("round:"):
            state = self.rounds.get(int(period[6:]))
            following = state.next_round if state else None
            return f"round:{following}" if following is not None else None
        return week_after_month(month_of_week(period))


def people(items: Iterable[Waiting]) -> int:
    """Distinct people in ``items``: the most distinct tags within one tag scope."""
    scopes: dict[str, set[str]] = defaultdict(set)
    for item in items:
        scopes[item.tag_scope].add(item.tag)
    return max((len(tags) for tags in scopes.values()), default=0)


_Key = tuple[Cohort, str, str]  # (cohort, period_kind, period)


def _level_key(level: int, cohort: Cohort, period: str) -> _Key:
    role, level_band, tenure, gender = cohort
    if period.startswith("round:"):
        kind, stored = "round", period[6:]
    else:
        kind, stored = "week", period
    if level == 0:
        return cohort, kind, stored
    if level == 1:
        return (role, level_band, tenure, ANY), kind, stored
    if level == 2:
        return (role, level_band, ANY, ANY), kind, stored
    if level == 3:
        return (role, ANY, ANY, ANY), kind, stored
    if kind == "week":
        stored, kind = month_of_week(period), "month"
    if level == 4:
        return (role, ANY, ANY, ANY), kind, stored
    return (ANY, ANY, ANY, ANY), kind, stored


def _applies(level: int, period: str, calendar: Calendar) -> bool:
    if level == 0:
        return True
    if level == 5:
        return calendar.fully_ended(period)
    if level == 4 and period.startswith("round:"):
        return False  # rounds have no month: level 3 already grouped role x round
    return calendar.ended(period)


def _plan_stream(
    stream: Stream, items: list[Waiting], k: int, calendar: Calendar, max_carries: int
) -> list[Batch]:
    batches: list[Batch] = []
    period = {item.id: item.period for item in items}
    pending = list(items)
    stored: set[_Key] = set()  # combinations this pass already released (>= k people)
    for _ in range(max_carries + 1):
        for level in range(6):
            groups: dict[_Key, list[Waiting]] = defaultdict(list)
            for item in pending:
                if _applies(level, period[item.id], calendar):
                    groups[_level_key(level, item.cohort, period[item.id])].append(item)
            released: set[uuid.UUID] = set()
            for key, members in sorted(groups.items()):
                if people(members) >= k or key in stored:
                    ids = tuple(m.id for m in members)
                    batches.append(Batch(stream, key[0], key[1], key[2], ids))
                    released.update(ids)
                    stored.add(key)
            pending = [item for item in pending if item.id not in released]
        carried = False
        for item in pending:
            current = period[item.id]
            following = calendar.next_period(current) if calendar.fully_ended(current) else None
            if following is not None:
                period[item.id] = following
                carried = True
        if not carried or not pending:
            break
    return batches


def plan(
    items: Iterable[Waiting],
    k_of_firm: Callable[[int], int],
    calendar: Calendar,
    *,
    max_carries: int = 520,
) -> list[Batch]:
    """The batches to release now; every submission not in one stays sealed.

    ``max_carries`` bounds how many periods a leftover may be carried forward
    in one pass (ten years of months: a mixer that has not run for longer than
    that resumes on its next pass).
    """
    streams: dict[Stream, list[Waiting]] = defaultdict(list)
    for item in items:
        streams[item.stream].append(item)
    batches: list[Batch] = []
    for stream in sorted(streams):
        batches.extend(
            _plan_stream(stream, streams[stream], k_of_firm(stream[0]), calendar, max_carries)
        )
    return batches


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _uid(value: object) -> uuid.UUID:
    """A response id as read by a text query (SQLite returns the stored hex string)."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _remix(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT id, survey_key, survey_version, submitted_on, firm_id, programme_id, "
            "round_id, role, level_band, tenure_band, gender_group, pseudonym FROM responses"
        )
    ).all()
    if not rows:
        return
    default_k = int(os.environ.get("FLIPSIDE_MIN_GROUP_SIZE", "").strip() or 5)
    k = {f: (s or default_k) for f, s in conn.execute(sa.text("SELECT id, min_group_size FROM firms"))}
    rounds: dict[int, RoundState] = {}
    found = conn.execute(
        sa.text("SELECT id, programme_id, survey_key, survey_version, opened_on, closed FROM survey_rounds")
    ).all()
    for r in found:
        later = sorted(
            (o.opened_on, o.id)
            for o in found
            if (o.programme_id, o.survey_key, o.survey_version) == (r.programme_id, r.survey_key, r.survey_version)
            and o.opened_on > r.opened_on
        )
        rounds[r.id] = RoundState(bool(r.closed), later[0][1] if later else None)
    waiting = []
    for r in rows:
        day = r.submitted_on if isinstance(r.submitted_on, date) else date.fromisoformat(str(r.submitted_on))
        period = f"round:{r.round_id}" if r.round_id is not None else week_of(day)
        waiting.append(
            Waiting(
                id=_uid(r.id),
                stream=(r.firm_id, r.programme_id, r.survey_key, r.survey_version),
                cohort=(r.role, r.level_band, r.tenure_band, r.gender_group),
                period=period,
                tag_scope="legacy",
                tag=str(r.id),
            )
        )
    batches = plan(waiting, lambda firm: k.get(firm, default_k), Calendar(date.today(), rounds))
    secret = None
    if any(r.pseudonym for r in rows):
        demo = os.environ.get("FLIPSIDE_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}
        instance = Path(os.environ.get("FLIPSIDE_INSTANCE_PATH", "").strip() or "instance").resolve()
        secret = _pseudonym_secret(os.environ, demo=demo, instance_path=instance)
    by_id = {_uid(r.id): r for r in rows}
    updates = []
    for batch in batches:
        for rid in batch.ids:
            alias = by_id[rid].pseudonym
            updates.append(
                {
                    "rid": rid,
                    "role": batch.cohort[0],
                    "level_band": batch.cohort[1],
                    "tenure_band": batch.cohort[2],
                    "gender_group": batch.cohort[3],
                    "period_kind": batch.period_kind,
                    "period": batch.period,
                    "pseudonym": rekey_pseudonym(secret, alias) if alias and secret else None,
                }
            )
    random.SystemRandom().shuffle(updates)  # the rewritten rows follow no old order
    kept = {u["rid"] for u in updates}
    gone = [_uid(r.id) for r in rows if _uid(r.id) not in kept]
    responses = sa.table("responses", sa.column("id", sa.Uuid()))
    answers = sa.table("answers", sa.column("response_id", sa.Uuid()))
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(sa.delete(answers).where(answers.c.response_id.in_(chunk)))
        conn.execute(sa.delete(responses).where(responses.c.id.in_(chunk)))
    if updates:
        conn.execute(
            sa.text(
                "UPDATE responses SET role = :role, level_band = :level_band, "
                "tenure_band = :tenure_band, gender_group = :gender_group, "
                "period_kind = :period_kind, period = :period, pseudonym = :pseudonym "
                "WHERE id = :rid"
            ).bindparams(sa.bindparam("rid", type_=sa.Uuid())),
            updates,
        )
    print(  # noqa: T201 - the operator reads this
        f"re-mixed {len(rows)} responses: {len(updates)} kept in {len(batches)} batches, "
        f"{len(gone)} deleted (below k even merged upward)"
    )


def _rebuild_aggregates(conn: sa.Connection) -> None:
    conn.execute(sa.text("DELETE FROM aggregate_cells"))
    conn.execute(sa.text("DELETE FROM pooled_comments"))
    if conn.execute(sa.text("SELECT count(*) FROM responses")).scalar_one() == 0:
        return
    names = ("survey_key", "survey_version", "question_key", "item", "firm_id", "programme_id",
             "role", "level_band", "tenure_band", "gender_group", "period_kind", "period")
    cells = sa.table(
        "aggregate_cells",
        *(sa.column(name) for name in names),
        *(sa.column(name, sa.BigInteger) for name in (
            "n", "total", "total_sq", "released_n", "released_total", "released_total_sq")),
        sa.column("histogram", sa.JSON),
        sa.column("released_histogram", sa.JSON),
    )
    rows = [
        {**dict(zip(names, key)), "n": n, "total": total, "total_sq": total_sq,
         "histogram": histogram, "released_n": n, "released_total": total,
         "released_total_sq": total_sq, "released_histogram": histogram}
        for key, (n, total, total_sq, histogram) in sorted(_recompute(conn).items())
    ]
    for start in range(0, len(rows), 500):
        conn.execute(sa.insert(cells), rows[start : start + 500])
    comments = sa.table(
        "pooled_comments",
        sa.column("id", sa.Uuid()),
        *(sa.column(name) for name in (*_KEY, "question_key", "period", "text")),
        sa.column("released", sa.Boolean),
    )
    cols = ", ".join(f"r.{c}" for c in _KEY)
    pooled = []
    for row in conn.execute(sa.text(
        f"SELECT {cols}, r.period_kind, r.period, a.question_key, a.text FROM responses r "
        "JOIN answers a ON a.response_id = r.id WHERE a.text IS NOT NULL"
    )):
        text = row[11]
        if not (text and text.strip()):
            continue
        pooled.append({
            "id": uuid.uuid4(), **dict(zip(_KEY, row[:8])), "question_key": row[10],
            "period": _comment_period(row[8], row[9]),
            "text": mask_contact_details(text.strip()), "released": True,
        })
    for start in range(0, len(pooled), 500):
        conn.execute(sa.insert(comments), pooled[start : start + 500])
    conn.execute(sa.text("UPDATE programmes SET release_version = release_version + 1"))


def upgrade() -> None:
    op.create_table(
        "sealed_submissions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_submissions")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_kind", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("period", sa.String(length=20), nullable=True))
        for column in _COHORT_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_responses_{column}"), type_="check")
    _remix(op.get_bind())
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("period_kind", existing_type=sa.String(length=5), nullable=False)
        batch_op.alter_column("period", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("submitted_on")
        for column, values in _COHORT_CHECKS.items():
            batch_op.create_check_constraint(
                op.f(f"ck_responses_{column}"), _in(column, (*values, "*"))
            )
        batch_op.create_check_constraint(
            op.f("ck_responses_period_kind"), "period_kind IN ('week', 'month', 'round')"
        )
    op.drop_table("pseudonym_keys")
    _rebuild_aggregates(op.get_bind())


def downgrade() -> None:
    op.create_table(
        "pseudonym_keys",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_pseudonym_keys_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_pseudonym_keys")),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_on", sa.Date(), nullable=True))
    conn = op.get_bind()
    for rid, kind, period, round_id in conn.execute(
        sa.text("SELECT id, period_kind, period, round_id FROM responses")
    ).all():
        if kind == "week":
            day = week_start(period)
        elif kind == "month":
            day = date.fromisoformat(period + "-01")
        else:
            day = conn.execute(
                sa.text("SELECT opened_on FROM survey_rounds WHERE id = :r"), {"r": round_id}
            ).scalar_one()
        conn.execute(
            sa.text("UPDATE responses SET submitted_on = :d WHERE id = :i").bindparams(
                sa.bindparam("i", type_=sa.Uuid())
            ),
            {"d": day, "i": rid},
        )
    conn.execute(sa.text("DELETE FROM responses WHERE role = '*' OR level_band = '*' "
                         "OR tenure_band = '*' OR gender_group = '*'"))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.alter_column("submitted_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(op.f("ck_responses_period_kind"), type_="check")
        for column in _COHORT_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_responses_{column}"), type_="check")
        batch_op.drop_column("period")
        batch_op.drop_column("period_kind")
        for column, values in _COHORT_CHECKS.items():
            batch_op.create_check_constraint(op.f(f"ck_responses_{column}"), _in(column, values))
    op.drop_table("sealed_submissions")
