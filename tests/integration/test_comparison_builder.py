"""The comparison builder's numbers against the statistics engine, on small known datasets.

Each test writes a few released aggregate cells (or HR records), runs the
builder as the dashboard does, and checks its numbers against surveys.stats
called directly on the same answers.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from surveys.db.models import (
    AggregateCell,
    Enrolment,
    Firm,
    Programme,
    SurveyInvitation,
    SurveyRound,
)
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.reports.builder import build_comparison
from surveys.reports.builder.request import BadQuery, parse_request
from surveys.reports.retention import survival_view
from surveys.stats import (
    difference_in_differences,
    holm,
    survival_comparison,
    weighted_welch,
    welch_t_from_counts,
)
from tests.support import factories as f
from tests.support.people import one_per_person

K = 5
TODAY = date(2026, 11, 2)


def climate_round(session: Session, programme: Programme, label: str, day: date) -> SurveyRound:
    row = SurveyRound(
        programme_id=programme.id,
        survey_key="climate",
        survey_version=1,
        label=label,
        opened_on=day,
        closes_on=day + timedelta(days=21),
        closed=True,
    )
    session.add(row)
    session.flush()
    return row


def cell(
    programme: Programme,
    round_: SurveyRound,
    role: str,
    histogram: dict[str, int],
    question: str = "intend_to_stay",
    **cohort: str,
) -> AggregateCell:
    n = sum(histogram.values())
    total = sum(int(v) * c for v, c in histogram.items())
    sq = sum(int(v) ** 2 * c for v, c in histogram.items())
    return AggregateCell(
        survey_key="climate",
        survey_version=1,
        question_key=question,
        item="",
        firm_id=programme.firm_id,
        programme_id=programme.id,
        role=role,
        level_band=cohort.get("level_band", "junior"),
        tenure_band=cohort.get("tenure_band", "2-5y"),
        gender_group=cohort.get("gender_group", "woman"),
        period_kind="round",
        period=str(round_.id),
        n=n + 2,  # live answers not yet released are never read
        total=total + 2,
        total_sq=sq + 2,
        histogram={**histogram, "1": histogram.get("1", 0) + 2},
        released_n=n,
        released_total=total,
        released_total_sq=sq,
        released_histogram=histogram,
    )


def run(db: Database, programme_id: int, query: dict[str, list[str]]) -> Any:
    request = parse_request(query)
    assert request is not None
    with db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        return build_comparison(session, programme, request, K, TODAY)


MENTORS = {"3": 2, "4": 4, "5": 3}
MENTEES = {"2": 2, "4": 3, "5": 3}
OTHERS = {"1": 2, "2": 4, "3": 6, "4": 3}


@pytest.fixture
def programme_with_round(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        session.add_all(
            [
                cell(programme, round_, "mentor", MENTORS),
                cell(programme, round_, "mentee", MENTEES),
                cell(programme, round_, "comparison", OTHERS),
                cell(programme, round_, "mentor", {"4": 9}, "belonging"),
                cell(programme, round_, "mentee", {"3": 7}, "belonging"),
                cell(programme, round_, "comparison", {"3": 5, "2": 5}, "belonging"),
            ]
        )
        return {"programme": programme.id, "round": round_.id}


def counts(*histograms: dict[str, int]) -> Counter[float]:
    total: Counter[float] = Counter()
    for h in histograms:
        for v, c in h.items():
            total[float(v)] += c
    return total


def test_participants_vs_comparison_matches_welch_on_the_pooled_histograms(
    db: Database, programme_with_round: dict[str, int]
) -> None:
    result = run(
        db,
        programme_with_round["programme"],
        {
            "outcome": ["climate:intend_to_stay", "climate:belonging"],
            "comparison": ["participants"],
        },
    )
    stay = result.rows[0].result
    expected = welch_t_from_counts(
        counts(MENTORS, MENTEES),
        counts(OTHERS),
        labels=("participants", "the comparison group"),
        min_group_size=K,
    )
    assert stay.statistic == pytest.approx(expected.statistic)
    assert stay.pvalue == pytest.approx(expected.pvalue)
    assert stay.effect_size.value == pytest.approx(expected.effect_size.value)
    belonging = result.rows[1].result
    assert [stay.pvalue_adjusted, belonging.pvalue_adjusted] == pytest.approx(
        holm([stay.pvalue, belonging.pvalue])
    )
    means = {(m.outcome.split(": ")[1][:6], m.group): m for m in result.means}
    participants = means[("I inte", "participants")]
    assert participants.mean.value == pytest.approx(expected.extras["means"]["participants"])
    assert participants.mean.n == 17
    assert participants.low < participants.mean.value < participants.high
    assert "climate round 'follow-up'" in result.scope
    # Small groups: said once, in plain words, and only beside a result that found nothing.
    for row in result.rows:
        assert row.result is not None
        low_power = [w for w in row.warnings if "too few answers to detect" in w]
        assert len(low_power) == (row.result.pvalue >= 0.05), (row.result.pvalue, row.warnings)
        assert not any("power" in note for note in row.result.notes)


def test_a_cohort_value_below_k_is_refused_with_its_reason_not_pooled(
    db: Database, programme_with_round: dict[str, int]
) -> None:
    with db.transaction() as session:
        programme = session.get(Programme, programme_with_round["programme"])
        round_ = session.get(SurveyRound, programme_with_round["round"])
        assert programme is not None and round_ is not None
        session.add(cell(programme, round_, "mentor", {"4": 3}, "can_progress"))
        session.add(cell(programme, round_, "mentee", {"4": 8}, "can_progress"))
        session.add(cell(programme, round_, "comparison", {"2": 8}, "can_progress"))
    result = run(db, programme_with_round["programme"], {"outcome": ["climate:can_progress"]})
    row = result.rows[0]
    assert row.result is None
    assert row.refused is not None and "mentor has fewer than 5 responses" in row.refused
    assert result.means == []


def test_mentors_vs_mentees_refuses_a_role_below_k_and_runs_otherwise(
    db: Database, programme_with_round: dict[str, int]
) -> None:
    result = run(
        db,
        programme_with_round["programme"],
        {"outcome": ["climate:intend_to_stay"], "comparison": ["mentors-mentees"]},
    )
    expected = welch_t_from_counts(
        counts(MENTORS), counts(MENTEES), labels=("mentors", "mentees"), min_group_size=K
    )
    assert result.rows[0].result.pvalue == pytest.approx(expected.pvalue)
    assert result.rows[0].result.pvalue_adjusted == pytest.approx(expected.pvalue)


def test_the_climate_index_is_the_mean_of_item_means_with_a_conservative_sd(
    db: Database, programme_with_round: dict[str, int]
) -> None:
    items = ["belonging", "can_progress", "flexible_without_stigma", "leaders_understand"]
    with db.transaction() as session:
        programme = session.get(Programme, programme_with_round["programme"])
        round_ = session.get(SurveyRound, programme_with_round["round"])
        assert programme is not None and round_ is not None
        for item in items[1:]:
            session.add(cell(programme, round_, "mentor", {"4": 9}, item))
            session.add(cell(programme, round_, "mentee", {"3": 7}, item))
            session.add(cell(programme, round_, "comparison", {"3": 5, "2": 5}, item))
    result = run(db, programme_with_round["programme"], {"outcome": ["index:climate"]})
    row = result.rows[0].result
    per_item = [counts({"4": 9}, {"3": 7})] * 4 + [counts(MENTORS, MENTEES)]
    means = [sum(v * c for v, c in h.items()) / h.total() for h in per_item]
    participants = next(m for m in result.means if m.group == "participants")
    assert participants.mean.value == pytest.approx(sum(means) / 5)
    assert row.n == {"participants": 16, "the comparison group": 10}
    assert row.test == "Welch two-sample t-test"


def test_matched_comparison_weights_the_comparison_group_to_the_participants_cells(
    db: Database,
) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        senior = {"level_band": "senior"}
        session.add_all(
            [
                cell(programme, round_, "mentee", {"4": 6, "5": 4}, **senior),
                cell(programme, round_, "comparison", {"3": 3, "4": 2}, **senior),
                cell(programme, round_, "mentor", {"3": 3, "4": 2}),
                cell(programme, round_, "comparison", {"2": 10, "3": 10}),
                # a stratum with no participants at all: dropped, 7 comparison answers
                cell(programme, round_, "comparison", {"1": 7}, level_band="mid"),
            ]
        )
        programme_id = programme.id
    result = run(
        db, programme_id, {"outcome": ["climate:intend_to_stay"], "comparison": ["matched"]}
    )
    row = result.rows[0].result
    x = np.repeat([4.0, 5.0, 3.0, 4.0], [6, 4, 3, 2])
    y = np.repeat([3.0, 4.0, 2.0, 3.0], [3, 2, 10, 10])
    # CEM weights: (n_t / n_c) in the stratum x (N_c / N_t) of the matched total.
    w = np.repeat([10 / 5 * 25 / 15, 5 / 20 * 25 / 15], [5, 20])
    expected = weighted_welch(
        x,
        y,
        y_weights=list(w),
        labels=("participants", "the matched comparison group"),
        min_group_size=K,
    )
    assert row.statistic == pytest.approx(expected.statistic)
    assert row.pvalue == pytest.approx(expected.pvalue)
    assert any("1 cells with fewer than 5" in note for note in row.notes)
    # the plain sides hold 15 and 32 responses: no refusal between the two sides
    assert result.rows[0].refused is None


def test_matching_is_refused_when_it_would_drop_fewer_than_k_participants(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        session.add_all(
            [
                cell(programme, round_, "mentee", {"4": 6, "5": 4}),
                cell(programme, round_, "comparison", {"3": 8}),
                # two participants in a stratum with no comparison: their answers would
                # be the difference between the matched and the plain comparison
                cell(programme, round_, "mentor", {"5": 2}, level_band="mid"),
            ]
        )
        programme_id = programme.id
    result = run(
        db, programme_id, {"outcome": ["climate:intend_to_stay"], "comparison": ["matched"]}
    )
    refused = result.rows[0].refused
    assert result.rows[0].result is None and refused is not None
    assert "differs from all participants by fewer than 5 people" in refused


def test_difference_in_differences_matches_the_engine_on_four_rounds(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        before = climate_round(session, programme, "baseline", date(2026, 1, 10))
        after = climate_round(session, programme, "follow-up", date(2026, 9, 10))
        data = {
            (before, "mentee"): {"2": 5, "3": 6},
            (before, "comparison"): {"2": 6, "3": 5},
            (after, "mentee"): {"4": 6, "5": 5},
            (after, "comparison"): {"2": 5, "3": 7},
        }
        session.add_all([cell(programme, r, role, h) for (r, role), h in data.items()])
        programme_id = programme.id
    result = run(db, programme_id, {"outcome": ["climate:intend_to_stay"], "comparison": ["did"]})
    row = result.rows[0].result

    def raw(h: dict[str, int]) -> list[float]:
        return [float(v) for v, c in h.items() for _ in range(c)]

    expected = difference_in_differences(
        *[raw(data[k]) for k in [(before, "mentee"), (after, "mentee")]],
        *[raw(data[k]) for k in [(before, "comparison"), (after, "comparison")]],
        min_group_size=K,
    )
    assert row.estimate == pytest.approx(expected.estimate)
    assert row.pvalue == pytest.approx(expected.pvalue)
    assert "'baseline' (before) and 'follow-up' (after)" in result.scope
    assert [m.group for m in result.means] == [
        "participants in round 'baseline'",
        "participants in round 'follow-up'",
        "the comparison group in round 'baseline'",
        "the comparison group in round 'follow-up'",
    ]


def test_benchmarking_needs_three_opted_in_firms_and_pools_the_others(db: Database) -> None:
    with db.transaction() as session:
        ids = []
        for answers in ({"4": 6, "5": 5}, {"2": 5, "3": 5}, {"3": 6, "4": 6}):
            firm = f.firm(session, benchmarking_opt_in=True)
            programme = f.programme(session, firm)
            round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
            session.add(cell(programme, round_, "comparison", answers))
            n = sum(answers.values())
            responses = cell(programme, round_, "comparison", {}, "")
            responses.n, responses.released_n = n, n
            responses.total = responses.total_sq = responses.released_total = 0
            responses.released_total_sq, responses.histogram = 0, {}
            session.add(responses)
            ids.append(programme.id)
    query = {"outcome": ["climate:intend_to_stay"], "comparison": ["benchmark"]}
    row = run(db, ids[0], query).rows[0].result
    expected = welch_t_from_counts(
        counts({"4": 6, "5": 5}),
        counts({"2": 5, "3": 5}, {"3": 6, "4": 6}),
        labels=("this firm", "other firms"),
        min_group_size=K,
    )
    assert row.pvalue == pytest.approx(expected.pvalue)
    with db.transaction() as session:
        third = session.get(Programme, ids[2])
        assert third is not None
        firm = session.get(Firm, third.firm_id)
        assert firm is not None
        firm.benchmarking_opt_in = False
    refused = run(db, ids[0], query).rows[0]
    assert refused.result is None
    assert "needs at least 3 firms that opt in; 2 have" in str(refused.refused)


def test_bad_requests_are_refused_with_a_sentence() -> None:
    with pytest.raises(BadQuery, match="no outcome"):
        parse_request({"outcome": ["climate:comment"]})
    with pytest.raises(BadQuery, match="cannot be compared as"):
        parse_request({"outcome": ["pulse:recommend_programme"], "comparison": ["participants"]})
    with pytest.raises(BadQuery, match="different rounds"):
        parse_request(
            {
                "outcome": ["climate:belonging"],
                "comparison": ["did"],
                "baseline": ["3"],
                "followup": ["3"],
            }
        )
    # A form sent with no outcome ticked is told so; only a page opened afresh asks nothing.
    with pytest.raises(BadQuery, match="choose at least one outcome"):
        parse_request({"comparison": ["did"]})
    assert parse_request({}) is None


def test_kaplan_meier_matches_the_engine_and_stops_below_k_at_risk(db: Database) -> None:
    start = date(2024, 1, 1)
    # participants: 8 people; leavers after 2, 3, 3 and 10 months; the rest stay.
    # comparison: 8 people; leavers after 1, 1, 2, 2, 4 months; the rest stay.
    leave_after = {
        "mentee": [2, 3, 3, 10, None, None, None, None],
        "comparison": [1, 1, 2, 2, 4, None, None, None],
    }
    today = date(2025, 1, 1)
    with db.transaction() as session:
        programme = f.programme(session, starts_on=start)
        for role, months in leave_after.items():
            for m in months:
                left = None if m is None else start + timedelta(days=int(m * 30.4375) + 1)
                person = f.person(session, session.get(Firm, programme.firm_id), left_on=left)
                session.add(
                    Enrolment(
                        programme_id=programme.id, person_id=person.id, role=role, enrolled_on=start
                    )
                )
        programme_id = programme.id
    with db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        view = survival_view(session, programme, "retention", "participants", K, today, months=6)
    followed = 12.0  # 2024-01-01 to 2025-01-01 in whole months
    groups = {
        "participants": (
            [float(m) if m is not None else followed for m in leave_after["mentee"]],
            [0 if m is None else 1 for m in leave_after["mentee"]],
        ),
        "comparison group": (
            [float(m) if m is not None else followed for m in leave_after["comparison"]],
            [0 if m is None else 1 for m in leave_after["comparison"]],
        ),
    }
    expected = survival_comparison(groups, min_group_size=K, outcome="leaving the firm")
    assert view.result is not None
    assert view.result.pvalue == pytest.approx(expected.pvalue)
    assert view.result.extras == {}  # the raw event times never leave the service
    comparison = [p for p in view.points if p.group == "comparison group"]
    # at risk: month 0-1: 8, month 2: 6, month 3-4: 4 < k -> followed to month 2, when 4
    # have left: fewer than k events, so no step is shown (each would name one or two
    # leavers), only the curve's start, and the page says why.
    assert [(p.month, p.estimate) for p in comparison] == [(0, 1.0)]
    assert view.notes["comparison group"].endswith("suppressed (fewer than 5).")
    assert view.within["comparison group"].shown is False
    participants = [p for p in view.points if p.group == "participants"]
    # 5 still followed at month 10, 4 after it; 4 leavers by then: no step either.
    assert [(p.month, p.estimate) for p in participants] == [(0, 1.0)]
    assert view.within["participants"].shown is False  # 3 leavers within 6 months


def test_kaplan_meier_refuses_a_group_below_k(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        for role, size in (("mentor", 3), ("comparison", 9)):
            for _ in range(size):
                person = f.person(session, session.get(Firm, programme.firm_id))
                session.add(
                    Enrolment(
                        programme_id=programme.id,
                        person_id=person.id,
                        role=role,
                        enrolled_on=programme.starts_on,
                    )
                )
        programme_id = programme.id
    with db.sessions() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        view = survival_view(session, programme, "retention", "participants", K, TODAY)
    assert view.result is None and view.points == []
    assert view.refused is not None and "below the minimum group size of 5" in view.refused
    assert view.n["participants"].shown is False


def test_a_low_response_rate_is_warned_about(
    db: Database, programme_with_round: dict[str, int]
) -> None:
    with db.transaction() as session:
        programme = session.get(Programme, programme_with_round["programme"])
        round_ = session.get(SurveyRound, programme_with_round["round"])
        firm = session.get(Firm, programme.firm_id) if programme else None
        assert programme is not None and round_ is not None and firm is not None
        for i in range(40):  # 40 invited to the comparison group, 10 answered: 25%
            # Only 6 of the 10 answers are released (batching): the rate still counts 10.
            person = f.person(session, firm)
            session.add(
                Enrolment(
                    programme_id=programme.id,
                    person_id=person.id,
                    role="comparison",
                    enrolled_on=programme.starts_on,
                )
            )
            session.add(
                SurveyInvitation(
                    token_hash=f"{i:064d}",
                    token_salt="s" * 32,
                    person_id=person.id,
                    programme_id=programme.id,
                    survey_key="climate",
                    survey_version=1,
                    round_id=round_.id,
                    sent_at=utcnow(),
                    expires_at=utcnow() + timedelta(days=14),
                    responded=i < 10,
                )
            )
        responses = cell(programme, round_, "comparison", {}, "")
        responses.n = responses.released_n = 6
        responses.total = responses.total_sq = responses.released_total = 0
        responses.released_total_sq, responses.histogram = 0, {}
        session.add(responses)
    result = run(db, programme_with_round["programme"], {"outcome": ["climate:intend_to_stay"]})
    assert result.warnings == [
        "Low response rate in round 'follow-up': 10 of the 40 invitations sent to the "
        "comparison group were answered (25%), so the answers may not speak for the whole group."
    ]


def test_pulse_comparisons_need_k_people_per_role_not_just_k_sessions(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        pairings = [f.pairing(session, programme) for _ in range(4)]  # 4 mentors, 4 mentees
        for role, answers in (("mentor", {"8": 6, "9": 5}), ("mentee", {"7": 5, "10": 5})):
            cell_ = cell(
                programme,
                climate_round(session, programme, role, date(2026, 1, 1)),
                role,
                answers,
                "recommend_programme",
            )
            cell_.survey_key, cell_.period_kind, cell_.period = f"{role}_pulse", "month", "2026-02"
            people = one_per_person(answers)  # every session a different person
            cell_.released_people = people["released_people"]
            cell_.released_people_apart = people["released_people_apart"]
            session.add(cell_)
        programme_id = programme.id
        assert len(pairings) == 4
    query = {"outcome": ["pulse:recommend_programme"], "comparison": ["mentors-mentees"]}
    row = run(db, programme_id, query).rows[0]
    assert row.result is None
    assert "fewer than 5 mentors are enrolled" in str(row.refused)
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        f.pairing(session, programme)
    row = run(db, programme_id, query).rows[0]
    expected = welch_t_from_counts(
        counts({"8": 6, "9": 5}),
        counts({"7": 5, "10": 5}),
        labels=("mentors", "mentees"),
        min_group_size=K,
    )
    assert row.result is not None and row.result.pvalue == pytest.approx(expected.pvalue)


def test_a_pulse_side_of_many_sessions_from_few_people_is_refused(db: Database) -> None:
    """Five mentors enrolled, but the mentors' eleven pulses came from two of them."""
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(K):
            f.pairing(session, programme)
        for role, answers, people in (
            ("mentor", {"8": 6, "9": 5}, {"released_people": 2, "released_people_apart": {}}),
            ("mentee", {"7": 5, "10": 5}, one_per_person({"7": 5, "10": 5})),
        ):
            cell_ = cell(
                programme,
                climate_round(session, programme, role, date(2026, 1, 1)),
                role,
                answers,
                "recommend_programme",
            )
            cell_.survey_key, cell_.period_kind, cell_.period = f"{role}_pulse", "month", "2026-02"
            cell_.released_people = people["released_people"]
            cell_.released_people_apart = people["released_people_apart"]
            session.add(cell_)
        programme_id = programme.id
    query = {"outcome": ["pulse:recommend_programme"], "comparison": ["mentors-mentees"]}
    row = run(db, programme_id, query).rows[0]
    assert row.result is None
    assert "fewer than 5 responses, so it cannot be pooled" in str(row.refused)


def test_matching_compares_each_side_only_with_itself_for_differencing(db: Database) -> None:
    with db.transaction() as session:
        programme = f.programme(session)
        round_ = climate_round(session, programme, "follow-up", date(2026, 6, 1))
        # participants 10, comparison 12: the sides differ by 2 < k, which is no leak
        session.add(cell(programme, round_, "mentee", {"4": 6, "5": 4}))
        session.add(cell(programme, round_, "comparison", {"3": 8, "2": 4}))
        programme_id = programme.id
    result = run(
        db, programme_id, {"outcome": ["climate:intend_to_stay"], "comparison": ["matched"]}
    )
    assert result.rows[0].refused is None and result.rows[0].result is not None
