"""Property (issue 22): the people behind every figure equal a recount of who answered.

Hypothesis draws submissions of people of two member firms of one programme
(sealed as the web process seals them, each with its person's tags and a
marker comment the test can trace, the attacker cannot), pulses on a clock that
only moves forward across weeks and months, answers to a climate round that
closes at some point, and mixer passes at those moving dates. After every pass,
recomputed from the stored responses and the person each came from:

* every month and round figure in ``figure_people`` (respondents, a Likert
  question and an option, for everyone and each cohort attribute value) has
  exactly the distinct people behind it, and the people apart from each answer;
* programme-to-date respondents are exact; its question and option figures
  never claim more people (or people apart) than there are, and equal the truth
  when flagged exact;
* pooled figures (:func:`surveys.aggregates.people_of` over both firms) equal a
  recount over both firms' responses: the members' people added;
* the sealed sets of ended months are gone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from surveys import aggregates
from surveys.aggregates import FigureKey, People
from surveys.aggregates.cells import periods
from surveys.db.base import Base
from surveys.db.models import Answer, PeopleSeal, Response, SurveyRound
from surveys.db.session import Database
from surveys.domain.periods import month_ended
from surveys.domain.vocab import COHORT
from tests.support import factories as f
from tests.support.sealing import mix, seal_direct

K = 3
START = date(2026, 2, 2)
#: Each firm's six people: (role, level band); two cohorts per role.
PEOPLE = [("mentor", "junior"), ("mentor", "junior"), ("mentor", "senior")] + [
    ("mentee", "junior"),
    ("mentee", "senior"),
    ("mentee", "senior"),
]
TOPICS = ("wellbeing", "technology")

_SUBMIT = st.tuples(
    st.just("submit"),
    st.integers(0, 1),  # firm
    st.integers(0, len(PEOPLE) - 1),  # person
    st.integers(1, 5),  # spoke_openly
    st.sets(st.sampled_from(TOPICS)),
    st.integers(0, 3),  # days on
)
_ROUND = st.tuples(st.just("round"), st.integers(0, 1), st.integers(0, len(PEOPLE) - 1),
                   st.integers(1, 5), st.sets(st.sampled_from(TOPICS)), st.just(0))  # fmt: skip
_MIX = st.tuples(st.just("mix"), st.just(0), st.just(0), st.just(0), st.just(frozenset()),
                 st.integers(0, 12))  # fmt: skip
_CLOSE = st.tuples(st.just("close"), st.just(0), st.just(0), st.just(0), st.just(frozenset()),
                   st.just(0))  # fmt: skip
_STEPS = st.lists(
    st.one_of(_SUBMIT, _SUBMIT, _SUBMIT, _SUBMIT, _ROUND, _ROUND, _MIX, _CLOSE),
    min_size=30,
    max_size=70,
)

Truth = dict[tuple[Any, ...], dict[str, Any]]


def _empty(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


def _truth(db: Database, made: dict[str, tuple[int, str]]) -> Truth:
    """Per (firm, kind, period, question, item, attribute, value): the people in it,
    the values each gave (a question), and who had a response without it (an option)."""
    with db.sessions() as session:
        responses = list(session.scalars(select(Response)))
        answers: dict[Any, list[Answer]] = defaultdict(list)
        for answer in session.scalars(select(Answer)):
            answers[answer.response_id].append(answer)
    truth: Truth = defaultdict(lambda: {"people": set(), "gave": defaultdict(set), "lack": set()})
    for r in responses:
        (marker,) = [a.text for a in answers[r.id] if a.text]
        firm, person = made[marker]
        shown = [(k, p) for k, p in periods(r.period_kind, r.period) if k != "week"]
        groups = [("*", "*"), *((name, getattr(r, name)) for name in COHORT)]
        chosen = {a.item for a in answers[r.id] if a.question_key == "topics"}
        for kind, period in [*shown, ("programme", "")]:
            for attribute, value in groups:
                head = (firm, kind, period)
                truth[(*head, "", "", attribute, value)]["people"].add(person)
                for a in answers[r.id]:
                    if a.question_key == "spoke_openly":
                        cell = truth[(*head, "spoke_openly", "", attribute, value)]
                        cell["people"].add(person)
                        cell["gave"][person].add(str(a.value))
                for topic in TOPICS:
                    cell = truth[(*head, "topics", topic, attribute, value)]
                    if topic in chosen:
                        cell["people"].add(person)
                    else:
                        cell["lack"].add(person)
    return truth


def _expected(cells: list[dict[str, Any]], item: str) -> People:
    """The people of the union of ``cells`` (several firms: different people)."""
    people = set().union(*(c["people"] for c in cells))
    if item:
        return People(len(people), {"1": len(set().union(*(c["lack"] for c in cells)))})
    gave: dict[str, set[str]] = defaultdict(set)
    for c in cells:
        for who, values in c["gave"].items():
            gave[who] |= values
    values = {v for vs in gave.values() for v in vs}
    return People(len(people), {v: sum(1 for vs in gave.values() if vs - {v}) for v in values})


def _check(
    db: Database, ids: dict[str, int], made: dict[str, tuple[int, str]], today: date
) -> None:
    truth = _truth(db, made)
    firms = [ids["firm_a"], ids["firm_b"]]
    with db.sessions() as session:
        figures = aggregates.figure_people(session, ids["programme"])
        kept = list(session.execute(select(PeopleSeal.period_kind, PeopleSeal.period)))
    assert not [p for kind, p in kept if kind == "month" and month_ended(p, today)]
    for key, cell in truth.items():
        firm, kind, period, question, item, attribute, value = key
        if (question, item) != ("", "") and not cell["people"] and item == "":
            continue
        if item and not cell["people"]:
            continue  # nobody chose it: no figure (people_of counts its respondents apart)
        fkey = FigureKey(ids["programme"], "mentor_pulse", 1, question, item, firm, attribute,
                         value, kind, period)  # fmt: skip
        found = figures.get(fkey)
        want = _expected([cell], item)
        assert found is not None, (key, want)
        if kind != "programme" or not question or found.exact:
            assert (found.people, dict(found.apart)) == (want.people, dict(want.apart)), key
        else:
            assert found.people <= want.people, (key, found, want)
            assert all(n <= want.apart_from(v) for v, n in found.apart.items()), (key, found)
        if kind in ("month", "round") or not question:
            assert found.exact, key
        if firm == firms[0]:
            both = [c for c in (truth.get((fm, *key[1:])) for fm in firms) if c is not None]
            pooled = aggregates.people_of(figures, fkey, firms)
            assert pooled is not None
            whole = _expected(both, item)
            if pooled.exact:
                assert pooled.people == whole.people, (key, pooled, whole)
                assert {v: pooled.apart_from(v) for v in whole.apart} == dict(whole.apart), key


def _run(db: Database, steps: list[tuple[Any, ...]]) -> None:
    _empty(db)
    with db.transaction() as session:
        programme = f.programme(session, f.firm(session, min_group_size=K))
        other = f.firm(session, min_group_size=K)
        round_ = SurveyRound(programme_id=programme.id, survey_key="mentor_pulse",
                             survey_version=1, label="r", opened_on=START,
                             closes_on=START + timedelta(days=60))  # fmt: skip
        session.add(round_)
        session.flush()
        ids = {"programme": programme.id, "firm_a": programme.firm_id, "firm_b": other.id}
        round_id = round_.id
    firms = [ids["firm_a"], ids["firm_b"]]
    made: dict[str, tuple[int, str]] = {}
    answered_round: set[str] = set()
    closed = False
    today = START
    for kind, firm_at, who, likert, topics, days in [*steps, ("mix", 0, 0, 0, frozenset(), 70)]:
        today += timedelta(days=days)
        if kind == "close":
            with db.transaction() as session:
                session.execute(
                    update(SurveyRound).where(SurveyRound.id == round_id).values(closed=True)
                )
            closed = True
            continue
        if kind == "mix":
            mix(db, k=K, today=today)
            _check(db, ids, made, today)
            continue
        person = f"{firms[firm_at]}-{who}"
        in_round = kind == "round"
        if in_round and (closed or person in answered_round):
            continue  # one answer per person and round, while it is open
        answered_round.update([person] if in_round else [])
        marker = f"m{len(made)}"
        made[marker] = (firms[firm_at], person)
        role, level = PEOPLE[who]
        with db.transaction() as session:
            seal_direct(session, firms[firm_at], ids["programme"],
                        {"spoke_openly": likert, "topics": sorted(topics), "comment": marker},
                        person=person, day=today, round_id=round_id if in_round else None,
                        role=role, level_band=level)  # fmt: skip


def _property(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@_property(40)
@given(steps=_STEPS)
def test_on_sqlite_people_behind_figures_equal_a_recount_across_passes(
    sqlite_db: Database, steps: list[tuple[Any, ...]]
) -> None:
    _run(sqlite_db, steps)


@_property(6)
@given(steps=_STEPS)
def test_on_postgres_people_behind_figures_equal_a_recount_across_passes(
    pg_db: Database, steps: list[tuple[Any, ...]]
) -> None:
    _run(pg_db, steps)
