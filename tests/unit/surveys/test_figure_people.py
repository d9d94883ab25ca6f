"""Exact people behind figures (surveys/aggregates/figures.py, people_counts.py)."""

from __future__ import annotations

from surveys.aggregates import FigureKey, People, people_of
from surveys.aggregates.figures import Session, count, respondents, to_date

MENTOR = ("mentor", "junior", "<2y", "woman")
MENTEE = ("mentee", "senior", "10y+", "man")


def s(person: str, cohort: tuple[str, str, str, str], value: int | None = None,
      *topics: str) -> Session:  # fmt: skip
    scalars = (("useful", str(value)),) if value is not None else ()
    return Session(person, cohort, scalars, tuple(("topics", t) for t in topics))


def test_one_persons_many_sessions_are_one_person_and_apart_counts_other_answers() -> None:
    found = count(
        [
            s("a", MENTOR, 4),
            s("a", MENTOR, 4),
            s("a", MENTOR, 2),
            s("b", MENTOR, 4),
            s("c", MENTEE, 5),
        ]  # fmt: skip
    )
    assert found["", "", "*", "*"] == People(3)
    assert found["", "", "role", "mentor"] == People(2)
    # a gave 4 and 2, b only 4: apart from 4 is a; apart from 2 is a and b
    assert found["useful", "", "role", "mentor"] == People(2, {"2": 2, "4": 1})
    assert found["useful", "", "*", "*"] == People(3, {"2": 3, "4": 2, "5": 2})
    assert found["useful", "", "gender_group", "man"] == People(1, {"5": 0})


def test_an_option_counts_its_choosers_and_respondents_with_a_response_without_it() -> None:
    found = count(
        [
            s("a", MENTOR, None, "wellbeing"),
            s("a", MENTOR, None),
            s("b", MENTOR, None, "wellbeing"),
            s("c", MENTOR),
        ]  # fmt: skip
    )
    # a chose it once of twice (apart), b always, c never
    assert found["topics", "wellbeing", "role", "mentor"] == People(2, {"1": 2})
    assert ("topics", "technology", "role", "mentor") not in found


def test_programme_to_date_respondents_are_exact_and_questions_sound_bounds() -> None:
    february = count([s("a", MENTOR, 4), s("b", MENTOR, 4), s("c", MENTOR, 2)])
    march = count([s("a", MENTOR, 4), s("d", MENTOR, 4)])
    members = [("a", MENTOR), ("b", MENTOR), ("c", MENTOR), ("d", MENTOR)]
    total = respondents(members)
    assert total["role", "mentor"] == 4
    found = to_date(total, [february, march])
    assert found["", "", "role", "mentor"] == People(4)
    useful = found["useful", "", "role", "mentor"]
    # every respondent answered: 4 - (0 + 0) skipped; only-4 at most 2 + 2 -> apart >= 0,
    # and c alone gave 2 in February: apart from 4 >= 1
    assert useful.people == 4 and not useful.exact
    assert 1 <= useful.apart["4"] <= 1  # truth: only c gave something else
    assert useful.apart["2"] == 3  # bound R - only(2) = 4 - 1: exact here


def test_one_period_to_date_is_that_period_exactly() -> None:
    only = count([s("a", MENTOR, 4), s("b", MENTOR, 2)])
    found = to_date(respondents([("a", MENTOR), ("b", MENTOR)]), [only])
    assert found["useful", "", "*", "*"] == only["useful", "", "*", "*"]
    assert found["useful", "", "*", "*"].exact


def _key(firm: int, question: str = "useful", item: str = "") -> FigureKey:
    return FigureKey(1, "mentor_pulse", 1, question, item, firm, "role", "mentee", "month",
                     "2026-02")  # fmt: skip


def test_a_pool_adds_its_members_people_and_counts_a_members_missing_answer_apart() -> None:
    figures = {
        _key(1): People(3, {"4": 0}),  # all three of firm 1 gave only 4
        _key(2): People(4, {"4": 1, "5": 4}),
        _key(1, ""): People(3),
        _key(2, ""): People(5),
        _key(2, "topics", "wellbeing"): People(2, {"1": 4}),
    }
    pooled = people_of(figures, _key(1), [1, 2])
    assert pooled == People(7, {"4": 1, "5": 7})  # firm 1 gave no 5: all its 3 apart
    respondents_pooled = people_of(figures, _key(1, ""), [1, 2])
    assert respondents_pooled == People(8)
    option = people_of(figures, _key(1, "topics", "wellbeing"), [1, 2])
    assert option == People(2, {"1": 3 + 4})  # nobody of firm 1 chose it: its 3 apart
    assert people_of(figures, _key(3), [3]) is None
