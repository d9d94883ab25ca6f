"""Utility (issue 22): of the figures resting on >= k distinct people, how many are shown?

Builds the demo, which releases as production does: every answer is sealed on
the day it was given, and the clock's daily jobs (close due rounds, one mixer
pass) run between (surveys/simulation/schedule.py). The bench knows who gave
each stored answer (it maps the person tags of every batch the mixer stores
back to the people who sealed them), so it counts the true distinct people
behind every figure and compares with what readers see:

* pulse: every Likert / 0-10 item per role x month on each lead's pulse page;
* climate: every Likert / 0-10 item per role x round in the lead's role listing;
* coordinator: every pulse item x month of the cross-organisation pool;
* headline: its "as of" month against the latest month any figure rests on k
  people (the lag, in months), and rows hidden there although the page shows them.

Then the attacks, with the true people: (1) a listing's total minus its shown
values (each one-attribute listing, climate and pulse); (2) the pool minus
any one member; (3) successive passes: a shown month moving by fewer than k
people. Target: >= 90% shown in each category, lag 0, 0 attacks succeeding.

    .venv/bin/python bench/utility.py [--people 600] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

import surveys.intake.mixing as mixing  # noqa: E402
import surveys.services.demo as demo  # noqa: E402
import surveys.services.demo_shared as demo_shared  # noqa: E402
import surveys.simulation.programme as sim_programme  # noqa: E402
from surveys import disclosure  # noqa: E402
from surveys.db import migrate  # noqa: E402
from surveys.db.models import Firm, Programme  # noqa: E402
from surveys.db.session import Database  # noqa: E402
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE, catalogue  # noqa: E402
from surveys.domain.periods import month_of_week  # noqa: E402
from surveys.intake.keys import (  # noqa: E402  # noqa: E402
    PRIVATE_KEY,
    PSEUDONYM_SECRET,
    PUBLIC_KEY,
    Keys,
    decode,
    generate,
    person_tag,
)
from surveys.intake.sealing import period_of, tag_period  # noqa: E402

K_DEFAULT = 5
SCORED = ("likert5", "scale0_10")


class Recorder:
    """Notes whose tag each demo submission seals, and records what each mixer pass stores."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.answers = 0
        self.passes = 0
        self.person: dict[tuple[str, str], str] = {}  # (tag scope, tag) -> person ref
        #: figure -> people, where a figure is (programme, survey, question, role, bucket)
        self.people: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        #: every stored scalar answer: (programme, firm, survey, question, bucket,
        #: stored cohort, person, value) -- what the attacks are scored against
        self.rows: list[tuple[Any, ...]] = []
        self.small_moves = 0
        self.real_submit = sim_programme.submit_response

    def submit(self, conn: Any, token: str, raw: Any, context: Any, **kw: Any) -> None:
        """The real submission, after noting whose person tag it seals (the bench only)."""
        now: datetime = kw["now"]
        scope = tag_period(period_of(context.round_id, now.date()))
        tag = person_tag(self.keys.pseudonym_secret, context.person_ref, scope)
        self.person[(scope, tag)] = context.person_ref
        self.answers += 1
        self.real_submit(conn, token, raw, context, **kw)

    def store(self, session: Any, batches: Any, opened: Any, rng: Any, *more: Any) -> int:
        added: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        for batch in batches:
            firm_id, programme_id, survey_key, _ = batch.stream
            bucket = batch.period
            if batch.period_kind == "week":
                bucket = month_of_week(batch.period)
            for sealed_id in batch.ids:
                sub = opened[sealed_id]
                who = self.person[(sub.tag_period, sub.tag)]
                for answer in sub.answers:
                    if answer.value is None:
                        continue
                    key = (programme_id, firm_id, survey_key, answer.question_key, sub.role, bucket)
                    self.people[key].add(who)
                    added[key].add(who)
                    cohort = batch.cohort
                    self.rows.append(
                        (programme_id, firm_id, survey_key, answer.question_key, bucket, cohort)
                        + (who, str(answer.value))
                    )
        self.small_moves += sum(1 for who in added.values() if len(who) < K_DEFAULT)
        self.passes += 1
        return int(self.real_store(session, batches, opened, rng, *more))

    real_store = staticmethod(mixing.store)


def true_passes(rows: list[tuple[Any, ...]], k: int) -> bool:
    """Whether answers (rows of Recorder.rows) pass k and the group attribute rule, in
    true people: k people, and k people apart from every answer given."""
    gave: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        gave[row[-1]].add(row[-2])
    people = set().union(*gave.values()) if gave else set()
    if len(people) < k:
        return False
    only = {v: {p for p in who if not _other(rows, p, v)} for v, who in gave.items()}
    return all(len(people - alone) >= k for alone in only.values())


def _other(rows: list[tuple[Any, ...]], person: str, value: str) -> bool:
    return any(r[-2] == person and r[-1] != value for r in rows)


def build(url: str, people: int, seed: int, today: date) -> tuple[Database, Recorder, int]:
    migrate.upgrade(url)
    db = Database(url)
    raw = generate()
    keys = Keys(
        decode(PUBLIC_KEY, raw[PUBLIC_KEY]),
        decode(PRIVATE_KEY, raw[PRIVATE_KEY]),
        decode(PSEUDONYM_SECRET, raw[PSEUDONYM_SECRET]),
    )
    rec = Recorder(keys)
    sim_programme.submit_response = rec.submit  # type: ignore[assignment]
    demo_shared.submit_response = rec.submit  # type: ignore[assignment]
    mixing.store = rec.store  # type: ignore[assignment]
    with db.transaction() as session:  # the demo's own clock: a pass every day of its year
        demo.load_demo(session, "bench-secret-" + "x" * 30, seed, today, people, keys=keys)
    passes = rec.passes
    return db, rec, passes


def ratio(shown: int, eligible: int) -> str:
    return f"{shown}/{eligible} = {100.0 * shown / eligible:5.1f}%" if eligible else "n/a (none)"


def listing_leaks(
    session: Any,
    programme: Programme,
    policy: disclosure.Policy,
    rows_of: dict[tuple[Any, ...], list[tuple[Any, ...]]],
) -> int:
    """Tables (question x month or round) of a one-attribute listing whose hidden values
    (the page total minus the shown ones) fail k or the group attribute rule in true people."""
    from surveys.domain.vocab import COHORT
    from surveys.reports.judged import by_attribute
    from surveys.reports.released_cells import candidate_cells
    from surveys.reports.shown_sums import figures_of

    found = 0
    for survey in (*PULSE_FOR_ROLE.values(), CLIMATE):
        cells = candidate_cells(session, programme.id, policy, survey_key=survey, whole=True)
        figures = figures_of(session, programme.id, survey)
        for index, by in enumerate(COHORT):
            shown: dict[tuple[str, str], set[str]] = defaultdict(set)
            for cell in by_attribute(cells, by, policy, figures):
                shown[(cell.question_key, cell.period)].add(str(getattr(cell, by)))
            for (question, period), values in shown.items():
                table = rows_of.get((programme.id, survey, question, period), [])
                hidden = [r for r in table if r[5][index] not in values]
                found += bool(hidden) and not true_passes(hidden, policy.k)
    return found


def measure(db: Database, rec: Recorder) -> None:
    from surveys.reports.headline import headline_report
    from surveys.reports.judged import by_attribute
    from surveys.reports.pulse import pooled_pulse_report, pulse_report
    from surveys.reports.released_cells import candidate_cells
    from surveys.services.demo_shared import SHARED_PROGRAMME
    from surveys.services.members import member_firm_ids

    with db.sessions() as session:
        firms = {f.id: f for f in session.scalars(select(Firm))}
        policy_of = {
            i: disclosure.Policy.for_firm(f.min_group_size, K_DEFAULT) for i, f in firms.items()
        }
        programmes = list(session.scalars(select(Programme).order_by(Programme.id)))
        shared = next(p for p in programmes if p.name == SHARED_PROGRAMME)
        kinds = {
            key: {q.key: q.type for q in catalogue().current(key).questions}
            for key in (*PULSE_FOR_ROLE.values(), CLIMATE)
        }
        pulse_shown = pulse_all = climate_shown = climate_all = 0
        hidden_safe = leaks = 0
        rows_of: dict[tuple[Any, ...], list[tuple[Any, ...]]] = defaultdict(list)
        for row in rec.rows:
            rows_of[(row[0], row[2], row[3], row[4])].append(row)
        lags: list[int] = []
        mismatched = 0
        for programme in programmes:
            if programme.id == shared.id:
                continue
            k = policy_of[programme.firm_id].k
            report = pulse_report(session, programme, K_DEFAULT)
            shown_at = {
                (t.question_key, m.period) for t in report.likert for m in t.months if m.n.shown
            }
            shown_at |= {
                (t.question_key, m.period) for t in report.scores for m in t.months if m.mean.shown
            }
            eligible_months = []
            for (pid, _, survey, question, _, bucket), who in rec.people.items():
                if (
                    pid != programme.id
                    or len(who) < k
                    or kinds.get(survey, {}).get(question) not in SCORED
                ):
                    continue
                if survey == CLIMATE:
                    continue
                pulse_all += 1
                pulse_shown += (question, bucket) in shown_at
                eligible_months.append(bucket)
                if (question, bucket) not in shown_at:
                    mine = [r for r in rows_of[(pid, survey, question, bucket)]]
                    hidden_safe += true_passes(mine, k)
            listing = by_attribute(
                candidate_cells(
                    session, programme.id, policy_of[programme.firm_id], survey_key=CLIMATE
                ),
                "role",
                policy_of[programme.firm_id],
            )
            listed = {(c.question_key, c.role, c.period) for c in listing}
            for (pid, _, survey, question, role, bucket), who in rec.people.items():
                if (
                    pid == programme.id
                    and survey == CLIMATE
                    and len(who) >= k
                    and kinds[CLIMATE].get(question) in SCORED
                ):
                    climate_all += 1
                    climate_shown += (question, role, bucket) in listed
            leaks += listing_leaks(session, programme, policy_of[programme.firm_id], rows_of)
            headline = headline_report(session, programme, K_DEFAULT)
            latest = max(eligible_months, default="")
            if latest and headline.as_of:
                (y1, m1), (y2, m2) = (
                    map(int, latest.split("-")),
                    map(int, headline.as_of.split("-")),
                )
                lags.append((y1 - y2) * 12 + (m1 - m2))
            for card in headline.cards:
                for figure in card.figures:
                    if (
                        card.id.startswith("pulse")
                        and figure.kind == "favourable"
                        and not figure.value.shown
                    ):
                        key = next(
                            t.question_key
                            for t in report.likert
                            if t.question_key.replace("_", " ").capitalize() == figure.label
                        )
                        mismatched += (key, figure.period) in shown_at
        members = member_firm_ids(session, shared)
        pooled = pooled_pulse_report(session, shared, sorted(members), K_DEFAULT)
        pool_k = pooled.policy.k
        pool_at = {(t.question_key, m.period) for t in pooled.likert for m in t.months if m.n.shown}
        pool_at |= {
            (t.question_key, m.period) for t in pooled.scores for m in t.months if m.mean.shown
        }
        pool_people: dict[tuple[Any, ...], set[str]] = defaultdict(set)
        for (pid, _, survey, question, _, bucket), who in rec.people.items():
            if pid == shared.id and kinds.get(survey, {}).get(question) in SCORED:
                pool_people[(question, bucket)] |= who
        pool_all = sum(1 for who in pool_people.values() if len(who) >= pool_k)
        pool_shown = sum(
            1 for key, who in pool_people.items() if len(who) >= pool_k and key in pool_at
        )
        pool_leaks = 0
        for question, month in pool_at:
            every = [r for r in rec.rows if r[0] == shared.id and (r[3], r[4]) == (question, month)]
            for firm in members:
                rest = [r for r in every if r[1] != firm]
                pool_leaks += bool(rest) and not true_passes(rest, pool_k)
    print(f"pulse items, role x month (lead pages):   {ratio(pulse_shown, pulse_all)}")
    print(f"climate items, role x round (lead):       {ratio(climate_shown, climate_all)}")
    print(f"  hidden although passing every rule in true people: {hidden_safe}")
    print(f"coordinator's pool, item x month:         {ratio(pool_shown, pool_all)}")
    print("bundle comparisons verified:              not measured here (exports branch)")
    print(
        f"headline lag (months, per programme):     {lags}; "
        f"rows hidden though the page shows them: {mismatched}"
    )
    print(f"attack: a listing's total minus its shown values, failing the rules: {leaks}")
    print(f"attack: the pool minus one member, failing the rules: {pool_leaks}")
    print(
        f"attack: successive passes moving a figure by fewer than {K_DEFAULT} people: "
        f"{rec.small_moves}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    today = date(2026, 11, 30)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        db, rec, passes = build(
            f"sqlite:///{folder}/utility.sqlite3", args.people, args.seed, today
        )
        built = time.perf_counter() - started
        print(
            f"demo released by {passes} daily mixer passes in {built:.0f} s "
            f"({rec.answers} answers; passes that stored something)"
        )
        measure(db, rec)
        db.dispose()


if __name__ == "__main__":
    main()
