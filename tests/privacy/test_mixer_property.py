"""Property (issue 13): whatever the submissions and mixer passes, storage keeps k people.

Hypothesis draws a sequence of steps -- submissions through the real path
(:func:`tests.support.sealing.submit_token`: read the context, seal with the
public key, claim the invitation) and mixer passes
(:func:`surveys.intake.mixing.mix_pass` with the private key) -- on a clock that
only moves forward, across weeks, months (periods end, leftovers merge upward
and carry into the next month) and back again. After every pass:

* every stored quasi-identifier combination of ``responses`` (firm, programme,
  survey, version, role, level band, tenure band, gender group, period) holds at
  least k distinct people;
* nothing is lost or doubled: what is still sealed plus what is stored is
  exactly what was submitted, each once;
* ``aggregates.verify`` finds the cells equal to a recomputation;
* no cell claims more people than it rests on: ``released_people`` (and each
  ``released_people_apart``) is at most the true number.

The test knows who submitted what (the attacker does not): each submission
carries a unique free-text marker, so a stored or sealed response is matched
to the invitation, and so the person, that made it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from surveys import aggregates
from surveys.aggregates.cells import RESPONSES, CellKey
from surveys.db.base import Base
from surveys.db.models import AggregateCell, Answer, Response, SealedSubmission
from surveys.db.session import Database
from surveys.intake.sealing import Opener
from tests.privacy.world import (
    FEBRUARY,
    JUNIOR_MAN,
    JUNIOR_WOMAN,
    MID_OTHER,
    PARTNER_MAN,
    PARTNER_WOMAN,
    Invited,
    World,
    answers_for,
    build_world,
)
from tests.support.sealing import keys_for_tests, mix, submit_token

K = 3
#: Mentors and mentees (paired in order): cohorts of 4, 2 and 1 on each side, so
#: some cells reach k on their own and others must merge upward or carry over.
_MENTORS = (JUNIOR_WOMAN,) * 4 + (JUNIOR_MAN,) * 2 + (MID_OTHER,)
_MENTEES = (PARTNER_WOMAN,) * 4 + (PARTNER_MAN,) * 3


def _meeting_days(i: int) -> list[date]:
    """Three meetings per pairing, spread over February and March (weeks and months end)."""
    return [FEBRUARY + timedelta(days=(i % 3) + 10 * j + 2 * (i % 2)) for j in range(5)]


#: A step: ("submit", pick, days) submits the picked still-unused invitation whose
#: meeting has been held; ("mix", days) runs a pass. Both first move the clock on.
_SUBMIT = st.tuples(st.just("submit"), st.integers(0, 1000), st.integers(0, 2))
_STEP = st.one_of(
    _SUBMIT, _SUBMIT, _SUBMIT, st.tuples(st.just("mix"), st.just(0), st.integers(0, 12))
)
_STEPS = st.lists(_STEP, min_size=15, max_size=50)


def _empty(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def _marker(n: int) -> str:
    return f"marker-{n:05d}"


def _check(world: World, made: dict[str, Invited]) -> None:
    """Every invariant of the module docstring, against the database as it is."""
    opener = Opener(keys_for_tests().private_key or b"")
    with world.db.sessions() as session:
        responses = {r.id: r for r in session.scalars(select(Response))}
        answers: dict[Any, list[Answer]] = defaultdict(list)
        for answer in session.scalars(select(Answer)):
            answers[answer.response_id].append(answer)
        sealed = [opener.open(row) for row in session.scalars(select(SealedSubmission.sealed))]
        cells = list(session.scalars(select(AggregateCell)))
        differences = aggregates.verify(session)

    # Nothing lost, nothing doubled.
    person: dict[Any, int] = {}
    found: list[str] = []
    for rid in responses:
        (marker,) = [a.text for a in answers[rid] if a.text]
        found.append(marker)
        person[rid] = made[marker].person_id
    for submission in sealed:
        found += [a.text for a in submission.answers if a.text]
    assert sorted(found) == sorted(made)

    # Every stored quasi-identifier combination holds at least k distinct people.
    combos: dict[tuple[Any, ...], set[int]] = defaultdict(set)
    for rid, r in responses.items():
        combo = (r.firm_id, r.programme_id, r.survey_key, r.survey_version, r.role)
        combo += (r.level_band, r.tenure_band, r.gender_group, r.period_kind, r.period)
        combos[combo].add(person[rid])
    small = {combo: len(people) for combo, people in combos.items() if len(people) < K}
    assert not small, f"stored combinations below k={K} people: {small}"

    # Aggregates equal a recomputation.
    assert differences == [], [str(d) for d in differences]

    # People bounds never exceed the truth.
    people: dict[CellKey, set[int]] = defaultdict(set)
    gave: dict[CellKey, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    lacked: dict[CellKey, set[int]] = defaultdict(set)  # option cell -> a response without it
    chosen: dict[tuple[Any, ...], list[tuple[int, set[tuple[str, str]]]]] = defaultdict(list)
    for rid, r in responses.items():
        who = person[rid]
        picks = {(a.question_key, a.item) for a in answers[rid] if a.value is None and a.item}
        for key, stats in aggregates.contributions(r, answers[rid]).items():
            people[key].add(who)
            if key.question_key == RESPONSES:
                chosen[key.group()].append((who, picks))
            elif not key.item:
                gave[key][who].update(v for v, c in stats.histogram.items() if c)
    option_keys = [key for key in people if key.item]
    for key in option_keys:
        for who, picks in chosen[key.group()]:
            if (key.question_key, key.item) not in picks:
                lacked[key].add(who)
    for cell in cells:
        key = aggregates.cell_key(cell)
        assert cell.released_people <= len(people[key]), (str(key), cell.released_people)
        for value, apart in (cell.released_people_apart or {}).items():
            if key.item:
                truth = len(lacked[key])
            else:
                truth = sum(1 for values in gave[key].values() if values - {value})
            assert apart <= truth, (str(key), value, apart, truth)


def _run(db: Database, steps: list[tuple[Any, ...]]) -> None:
    _empty(db)
    world = build_world(
        db, mentors=_MENTORS, mentees=_MENTEES, meeting_days=_meeting_days, name="Prop"
    )
    unused = list(world.invitations)
    made: dict[str, Invited] = {}
    today = FEBRUARY
    passes = 0
    for kind, pick, days in [*steps, ("mix", 0, 70)]:  # a last pass long after: carry-over
        today += timedelta(days=days)
        if kind == "submit":
            held = [invited for invited in unused if invited.meeting_day <= today]
            if not held:
                continue
            invited = held[pick % len(held)]
            unused.remove(invited)
            marker = _marker(len(made))
            raw = {**answers_for(invited, pick), "comment": [marker]}
            with db.transaction() as session:
                submit_token(session, invited.token, raw, now=datetime.combine(today, time(9), UTC))
            made[marker] = invited
        else:
            mix(db, k=K, today=today)
            passes += 1
            _check(world, made)
    assert passes >= 1


def _property(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_property(40)
@given(steps=_STEPS)
def test_on_sqlite_stored_combinations_hold_k_people_and_cells_stay_true(
    sqlite_db: Database, steps: list[tuple[Any, ...]]
) -> None:
    _run(sqlite_db, steps)


@_property(8)
@given(steps=_STEPS)
def test_on_postgres_stored_combinations_hold_k_people_and_cells_stay_true(
    pg_db: Database, steps: list[tuple[Any, ...]]
) -> None:
    _run(pg_db, steps)
