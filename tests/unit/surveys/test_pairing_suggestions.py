"""Pairing suggestions: optimal against brute force on small cases, constraints honoured."""

from __future__ import annotations

import itertools
import random

import pytest

from surveys.domain.pairing import Candidate, Weights, forbidden, score, suggest_pairs
from surveys.domain.vocab import LEVELS

PRACTICES = ("corporate", "litigation", "tax")
OFFICES = ("London", "Leeds")
GENDERS = ("woman", "man", "prefer not to say", None)


def person(rng: random.Random, n: int, *, senior: bool) -> Candidate:
    levels = LEVELS[2:] if senior else LEVELS[:3]
    return Candidate(
        id=n,
        internal_id=f"HR{n}",
        level=rng.choice(levels),
        practice_area=rng.choice(PRACTICES),
        office=rng.choice(OFFICES),
        gender=rng.choice(GENDERS),
        ethnicity=rng.choice(("white", "asian", "black", None)),
        manager_id=f"HR{rng.randrange(100, 110)}" if rng.random() < 0.3 else None,
        team=rng.choice(("alpha", "beta", None, None)),
    )


def brute_force(
    mentors: list[Candidate],
    mentees: list[Candidate],
    weights: Weights,
    rejected: set[tuple[int, int]],
) -> tuple[int, float]:
    """The best (pairs made, total score) over every assignment, forbidden pairs left out."""
    best = (0, float("-inf"))
    small, large, flip = (
        (mentors, mentees, False) if len(mentors) <= len(mentees) else (mentees, mentors, True)
    )
    for chosen in itertools.permutations(large, len(small)):
        pairs = [(b, a) if flip else (a, b) for a, b in zip(small, chosen, strict=True)]
        ok = [(m, e) for m, e in pairs if not forbidden(m, e) and (m.id, e.id) not in rejected]
        total = sum(score(m, e, weights) for m, e in ok)
        best = max(best, (len(ok), round(total, 9)))
    return best


@pytest.mark.parametrize("seed", range(60))
def test_the_solver_finds_the_best_assignment_found_by_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    mentors = [person(rng, 100 + i, senior=False) for i in range(rng.randint(1, 6))]
    mentees = [person(rng, 200 + i, senior=True) for i in range(rng.randint(1, 6))]
    weights = Weights(gender=rng.choice((0.0, 0.5, 3.0)), background=rng.choice((0.0, 1.0)))
    rejected = {(m.id, e.id) for m in mentors for e in mentees if rng.random() < 0.15}
    found = suggest_pairs(mentors, mentees, weights, rejected)
    total = round(sum(s.score for s in found), 9)
    assert (len(found), total) == brute_force(mentors, mentees, weights, rejected)
    # Each person at most once; no forbidden or rejected pair; scores as documented.
    assert len({s.mentor.id for s in found}) == len({s.mentee.id for s in found}) == len(found)
    for s in found:
        assert not forbidden(s.mentor, s.mentee)
        assert (s.mentor.id, s.mentee.id) not in rejected
        assert s.score == pytest.approx(score(s.mentor, s.mentee, weights))


def test_a_complete_set_is_proposed_when_nothing_is_forbidden() -> None:
    rng = random.Random(7)
    mentors = [person(rng, i, senior=False) for i in range(40)]
    mentees = [person(rng, 100 + i, senior=True) for i in range(25)]
    plain = [Candidate(**{**m.__dict__, "manager_id": None, "team": None}) for m in mentors]
    assert len(suggest_pairs(plain, mentees)) == 25


def test_line_managers_and_teammates_are_never_paired() -> None:
    junior = Candidate(1, "J1", "trainee", "tax", "London", manager_id="P1")
    teammate = Candidate(2, "J2", "trainee", "tax", "London", team="deals")
    manager = Candidate(11, "P1", "partner", "corporate", "Leeds")
    same_team = Candidate(12, "P2", "partner", "corporate", "Leeds", team="deals")
    assert forbidden(junior, manager) and forbidden(teammate, same_team)
    found = suggest_pairs([junior, teammate], [manager, same_team])
    assert {(s.mentor.internal_id, s.mentee.internal_id) for s in found} == {
        ("J1", "P2"),
        ("J2", "P1"),
    }
    # With only forbidden pairs left, nobody is paired rather than a forbidden pair.
    assert suggest_pairs([junior], [manager]) == []


def test_hr_ids_and_teams_of_different_member_firms_do_not_forbid_a_pair() -> None:
    """A cross-organisation programme: another firm's P1 is not this junior's manager."""
    junior = Candidate(1, "J1", "trainee", "tax", "London", manager_id="P1", firm_id=1)
    teammate = Candidate(2, "J2", "trainee", "tax", "London", team="deals", firm_id=1)
    elsewhere = Candidate(11, "P1", "partner", "corporate", "Leeds", team="deals", firm_id=2)
    assert not forbidden(junior, elsewhere) and not forbidden(teammate, elsewhere)
    assert forbidden(junior, Candidate(12, "P1", "partner", "tax", "Leeds", firm_id=1))


def test_the_score_follows_its_documentation() -> None:
    mentor = Candidate(1, "J", "trainee", "tax", "London", gender="woman", ethnicity="asian")
    mentee = Candidate(2, "P", "board", "corporate", "Leeds", gender="man", ethnicity="white")
    assert score(mentor, mentee) == pytest.approx(2 + 1 + 1 + 0.5 + 0.5)
    undisclosed = Candidate(3, "Q", "trainee", "tax", "London", gender="prefer not to say")
    assert score(undisclosed, mentor) == pytest.approx(0.0)
    assert score(mentor, mentee, Weights(gender=4, background=0)) == pytest.approx(8.0)
    assert suggest_pairs([], [mentee]) == []
