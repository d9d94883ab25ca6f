"""Paired before/after results: computed by the worker at release, stored at k, read by the builder.

Worlds answer two climate rounds through the real path (launch, submit, close,
mixer pass); the test knows each person's answers and checks the released
differences and the builder's paired tests against surveys.stats run on them.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from surveys.db.models import (
    PairedDifference,
    PairedRelease,
    PairingRecord,
    Programme,
    Response,
    SealedSubmission,
    SurveyRound,
)
from surveys.db.session import Database
from surveys.intake import keys as keyring
from surveys.intake.mixing import mix_pass
from surveys.intake.sealing import Opener
from surveys.longitudinal.vault import PairingKeyMissing, pairing_key, pseudonyms_of
from surveys.reports.builder import build_comparison
from surveys.reports.builder.request import BuilderRequest
from surveys.stats import paired_t, wilcoxon_signed_rank
from tests.privacy.rounds import ITEMS, climate_answers, run_rounds
from tests.privacy.world import World, build_world
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, mix
from tests.support.submissions import submit

K = 5
QUESTIONS = (*ITEMS, "intend_to_stay", "recommend_firm")


def skips_follow_up(person: int, number: int) -> bool:
    return number == 0 or person % 5 != 0


def expected(people: set[int], question: str) -> Counter[int]:
    return Counter(
        int(climate_answers(p, 1)[question][0]) - int(climate_answers(p, 0)[question][0])
        for p in people
    )


def released_in_both(db: Database, world: World, rounds: list[int]) -> set[int]:
    """People with a stored response in each round (the test reads the pairing records
    with the workers' keys; some answers may still wait sealed for k)."""
    key = pairing_key(keys_for_tests())
    assert key is not None
    secret = keys_for_tests().pseudonym_secret
    person_of = {keyring.pseudonym(secret, world.programme_id, p): p for p in world.people}
    with db.sessions() as session:
        aliases = pseudonyms_of(session, key, [world.programme_id])
        round_of = {rid: r for rid, r in session.execute(select(Response.id, Response.round_id))}
    seen: dict[int, set[int | None]] = defaultdict(set)
    for rid, alias in aliases.items():
        seen[person_of[alias]].add(round_of[rid])
    return {p for p, answered in seen.items() if answered >= set(rounds)}


def stored(db: Database) -> dict[tuple[str, str, str], tuple[int, dict[str, int]]]:
    with db.sessions() as session:
        return {
            (r.question_key, r.attribute, r.value): (r.people, dict(r.histogram))
            for r in session.scalars(select(PairedDifference))
        }


def test_paired_differences_are_released_once_at_k_from_each_persons_two_answers(
    db: Database,
) -> None:
    world = build_world(db, longitudinal=True)
    (one, first), (two, second) = run_rounds(world, answering=skips_follow_up, k=K)
    both = released_in_both(db, world, [one, two])
    with db.sessions() as session:
        waiting = session.scalar(select(func.count()).select_from(SealedSubmission))
        records = session.scalar(select(func.count()).select_from(PairingRecord))
    assert records + waiting == len(first) + len(second) and records > waiting
    assert len(both) >= 2 * K
    found = stored(db)
    for question in QUESTIONS:
        histogram = expected(both, question)
        assert found[(question, "", "")] == (
            len(both),
            {str(d): n for d, n in sorted(histogram.items())},
        ), question
    by_attribute: dict[tuple[str, str], int] = defaultdict(int)
    for (question, attribute, _), (people, histogram) in found.items():
        assert people >= K and sum(histogram.values()) == people
        assert len(histogram) > 1  # nobody's change follows from the figure
        if attribute:
            by_attribute[(question, attribute)] += people
    for (question, _), people in by_attribute.items():
        left_out = len(both) - people
        assert left_out == 0 or left_out >= K, question
    assert any(attribute == "role" for _, attribute, _ in found)
    # Released once: a later pass changes nothing (no figure can be subtracted from another).
    mix(db, k=K, today=date(2026, 12, 1))
    assert stored(db) == found
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PairedRelease)) == 1


def test_the_builder_runs_paired_t_and_signed_rank_on_the_released_pairs(db: Database) -> None:
    world = build_world(db, longitudinal=True)
    (one, _), (two, _) = run_rounds(world, answering=skips_follow_up, k=K)
    both = sorted(released_in_both(db, world, [one, two]))
    outcomes = tuple(f"climate:{q}" for q in ("belonging", "recommend_firm"))
    for test, engine in (("welch", paired_t), ("mwu", wilcoxon_signed_rank)):
        with db.sessions() as session:
            programme = session.get(Programme, world.programme_id)
            assert programme is not None
            result = build_comparison(
                session, programme, BuilderRequest(outcomes, "paired", test=test), K
            )
        for row, key in zip(result.rows, ("belonging", "recommend_firm"), strict=True):
            after = [float(climate_answers(p, 1)[key][0]) for p in both]
            before = [float(climate_answers(p, 0)[key][0]) for p in both]
            direct = engine(after, before, min_group_size=K)
            assert row.refused is None and row.result is not None, row.refused
            assert row.result.statistic == pytest.approx(direct.statistic)
            assert row.result.pvalue == pytest.approx(direct.pvalue)
            assert row.result.n == direct.n
            assert f"{len(both)} people answered" in row.basis


def test_without_the_opt_in_nothing_is_paired_and_the_builder_says_why(db: Database) -> None:
    world = build_world(db, longitudinal=False)
    run_rounds(world, k=K)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PairingRecord)) == 0
        assert session.scalar(select(func.count()).select_from(PairedDifference)) == 0
        programme = session.get(Programme, world.programme_id)
        assert programme is not None
        result = build_comparison(
            session, programme, BuilderRequest(("climate:belonging",), "paired"), K
        )
    (row,) = result.rows
    assert row.result is None and row.refused is not None
    assert "does not pair answers" in row.refused


def test_a_change_everyone_shares_or_fewer_than_k_pairs_are_not_released(db: Database) -> None:
    """Six people who all improve by one on 'belonging' (the figure would tell each
    one's change) and answer 'can_progress' in one round only but four of them."""
    with db.transaction() as session:
        programme = f.programme(session, f.firm(session, min_group_size=K), longitudinal=True)
        rounds = []
        for label, day in (("before", date(2026, 2, 2)), ("after", date(2026, 4, 6))):
            row = SurveyRound(
                programme_id=programme.id,
                survey_key="climate",
                survey_version=1,
                label=label,
                opened_on=day,
                closes_on=day,
                closed=True,
            )
            session.add(row)
            session.flush()
            rounds.append(row.id)
        for person in range(6):
            for number, round_id in enumerate(rounds):
                answers = {"belonging": 2 + number}
                if number == 0 or person < 4:
                    answers["can_progress"] = 1 + (person + number) % 5
                submit(
                    session,
                    programme,
                    answers,
                    person=f"p{person}",
                    round_id=round_id,
                    survey_key="climate",
                    pseudonym=f"{person:064x}",
                )
        programme_id = programme.id
    mix(db, k=K, today=date(2026, 5, 1))
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 12
        assert session.scalar(select(func.count()).select_from(PairedDifference)) == 0
        assert session.scalar(select(func.count()).select_from(PairedRelease)) == 1
        programme_ = session.get(Programme, programme_id)
        assert programme_ is not None
        request = BuilderRequest(("climate:belonging", "climate:can_progress"), "paired")
        result = build_comparison(session, programme_, request, K)
    assert [row.result for row in result.rows] == [None, None]
    assert all("suppressed (fewer than 5" in (row.refused or "") for row in result.rows)


def test_a_longitudinal_answer_is_never_stored_without_the_pairing_key(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session, longitudinal=True)
        for person in range(K):
            submit(session, programme, person=f"p{person}", pseudonym=f"{person:064x}")
    opener = Opener(keys_for_tests().private_key or b"")  # a private key, but no pairing key
    with pytest.raises(PairingKeyMissing), db.transaction() as session:
        mix_pass(session, opener, default_k=K, today=date(2026, 3, 10), rng=random.Random(1))
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 0
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == K
