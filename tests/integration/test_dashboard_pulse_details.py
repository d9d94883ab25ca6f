"""Pulse trends beyond Likert: 0-10 means with intervals, topic shares, comments.

On SQLite and PostgreSQL. Scores and topics are read from released cells;
comments go through the real aggregation (submit, count, batched release) so
the test covers how a comment reaches the page: pooled with its cohort-month,
released with that batch, shown only for a month of at least 10 respondents.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveys import aggregates as agg
from surveys.db.models import AggregateCell, Answer, PooledComment, Programme, SealedSubmission
from surveys.db.session import Database
from surveys.domain.comments import mask_contact_details
from surveys.reports.precompute import precompute
from surveys.services.accounts import create_account
from tests.integration.test_dashboard_overview import rows
from tests.support import factories as f
from tests.support.people import one_per_person
from tests.support.sealing import mix
from tests.support.submissions import submit

PASSWORD = "correct horse battery"
K = 5


@pytest.fixture
def app_on(db: Database, make_settings: Any) -> Iterator[Flask]:
    from webapp import create_app

    settings = make_settings(database_url=db.url, min_group_size=K)
    yield create_app({"TESTING": True, "FLIPSIDE_DATABASE": db}, settings=settings)


def make_programme(db: Database, pairs: int = K) -> int:
    """A programme with ``pairs`` pairings: a pulse is shown only for k people per role."""
    with db.transaction() as session:
        programme = f.programme(session)
        for _ in range(pairs):
            f.pairing(session, programme)
        create_account(session, "lead@example.com", PASSWORD, "lead", [programme.firm])
        return programme.id


def page(app: Flask, programme_id: int) -> str:
    client: FlaskClient = app.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token
    client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    response = client.get(f"/dashboard/programmes/{programme_id}/pulse")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cell(
    programme: Programme,
    question: str,
    histogram: dict[str, int],
    item: str = "",
    respondents: int | None = None,
    **key: Any,
) -> AggregateCell:
    n = sum(histogram.values())
    total = sum(int(v) * c for v, c in histogram.items())
    total_sq = sum(int(v) ** 2 * c for v, c in histogram.items())
    values: dict[str, Any] = {
        "survey_key": "mentor_pulse",
        "survey_version": 1,
        "question_key": question,
        "item": item,
        "firm_id": programme.firm_id,
        "programme_id": programme.id,
        "role": "mentor",
        "level_band": "junior",
        "tenure_band": "2-5y",
        "gender_group": "woman",
        "period_kind": "month",
        "period": "2026-02",
        **key,
    }
    snapshot = {"n": n, "total": total, "total_sq": total_sq, "histogram": histogram}
    # One live answer more than released: pages must read the snapshot only.
    live = {"n": n + 1, "total": total + 1, "total_sq": total_sq + 1, "histogram": histogram}
    # Each released response a different person (as if one session each).
    people = one_per_person(histogram, respondents if item else None, responses=not question)
    released = {f"released_{k}": v for k, v in snapshot.items()}
    return AggregateCell(**values, **live, **released, **people)


def add_cells(db: Database, programme_id: int, *specs: tuple[Any, ...]) -> None:
    """Cells by (question, histogram, item, key); an option is counted against the
    responses cell ('' question) of the same key."""
    respondents = {
        tuple(sorted(key.items())): sum(histogram.values())
        for question, histogram, _item, key in specs
        if not question
    }
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        for question, histogram, item, key in specs:
            base = respondents.get(tuple(sorted(key.items())))
            session.add(cell(programme, question, histogram, item, base, **key))


def test_a_0_10_item_is_a_line_of_monthly_means_with_95_percent_intervals(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    # mean 8, sd 1.512, n 8; 5 answered other than the most common 9 (no group attribute
    # disclosure needs k = 5 of them)
    february = {"6": 2, "7": 1, "8": 1, "9": 3, "10": 1}
    add_cells(
        db,
        programme_id,
        ("", {"1": 8}, "", {"period": "2026-01"}),
        ("recommend_programme", {"5": 2, "6": 2, "7": 2, "8": 2}, "", {"period": "2026-01"}),
        ("", {"1": 8}, "", {}),
        ("recommend_programme", february, "", {}),
        ("", {"1": 6}, "", {"period": "2026-03"}),
        ("recommend_programme", {"9": 6}, "", {"period": "2026-03"}),
        # April: one cohort of 3 is below k, so April is suppressed, not zero.
        ("", {"1": 3}, "", {"period": "2026-04"}),
        ("recommend_programme", {"2": 3}, "", {"period": "2026-04"}),
    )
    html = page(app_on, programme_id)
    table = rows(html, "score-1-table")
    # t(0.975, 7) = 2.3646; 8 +/- 2.3646 * 1.5119 / sqrt(8) = 6.7 .. 9.3
    assert table["2026-02"] == ["8", "8.0", "6.7 to 9.3"]
    assert table["2026-01"][:2] == ["8", "6.5"]  # a second point, so the line is drawn
    # All six answered 9: a mean would show everyone's answer, so March is refused
    # like a month below k (no group attribute disclosure).
    assert table["2026-03"] == ["suppressed (fewer than 5)"]
    # April's month holds 3 people: the month the lead sees is judged, and shown as
    # suppressed like March, never as a zero or a mean.
    assert table["2026-04"] == ["suppressed (fewer than 5)"]
    assert "<polyline" in html and "2026-02: mean 8.0 (95% interval 6.7 to 9.3)" in html


def test_a_month_whose_cells_of_the_item_are_all_hidden_shows_suppressed_not_zero(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    with db.transaction() as session:
        session.get(Programme, programme_id).firm.min_group_size = 3  # type: ignore[union-attr]
    add_cells(
        db,
        programme_id,
        ("", {"1": 3}, "", {}),
        ("recommend_programme", {"7": 2}, "", {}),  # answered by 2 of 3: below k
        ("", {"1": 4}, "", {"period": "2026-03"}),
        # mean 7.0; three (k) answered other than the most common answer
        ("recommend_programme", {"5": 1, "6": 1, "8": 1, "9": 1}, "", {"period": "2026-03"}),
    )
    html = page(app_on, programme_id)
    table = rows(html, "score-1-table")
    assert table["2026-03"][:2] == ["4", "7.0"]
    assert table["2026-02"] == ["suppressed (fewer than 3)"]
    assert "2026-02: mean" not in html and "<polyline" not in html  # a gap, not a zero


def test_a_topic_chosen_by_fewer_than_k_is_suppressed_and_the_others_shown(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    add_cells(
        db,
        programme_id,
        # 12 respondents: technology (6) is chosen by k and left out by k as well
        ("", {"1": 12}, "", {}),
        ("topics", {"1": 6}, "technology", {}),
        ("topics", {"1": 5}, "wellbeing", {}),
        ("topics", {"1": 4}, "flexible_working", {}),  # below k: never counted or shown
        ("", {"1": 10}, "", {"period": "2026-03"}),
        ("topics", {"1": 5}, "technology", {"period": "2026-03"}),
    )
    html = page(app_on, programme_id)
    table = rows(html, "topics-1-table")
    assert table["Technology"] == ["11", "50%"]
    assert table["Wellbeing"] == ["5", "23%"]
    assert table["Flexible working"][0].startswith("suppressed")
    assert table["Flexible working"][1].startswith("suppressed")
    assert table["Career progression"][0].startswith("suppressed")  # chosen by nobody
    assert "0%" not in table["Flexible working"]
    bars = html[html.index('aria-labelledby="topics-1-title"') :]
    assert "Technology: 50%" in bars and "Flexible working</text>" in bars
    assert re.search(r"Flexible working</text><text[^>]*>suppressed", bars)


#: The commenters' day, and the mixer's: their week (2026-W07) has not ended.
COMMENT_DAY = date(2026, 2, 10)


def submit_commenters(
    db: Database, programme_id: int, texts: list[str], *, batching: bool, **response: Any
) -> None:
    """Each commenter (a different person) seals a submission, then one mixer pass: in
    batches of k people (``batching``), else with k = 1, every commenter released.

    One pass for all: the people behind a cell are counted from the tags of one pass,
    and two passes' people may be the same (surveys/aggregates/people.py)."""
    for i, text in enumerate(texts):
        with db.transaction() as session:
            programme = session.get(Programme, programme_id)
            assert programme is not None
            submit(
                session,
                programme,
                # 2, 3, 4 in turn: a score all of one answer is never shown
                {"spoke_openly": 2 + i % 3, "comment": text},
                submitted_on=COMMENT_DAY,
                **response,
            )
    mix(db, k=K if batching else 1, today=COMMENT_DAY)
    # The worker's release step: the pages read the reports it stores for each release
    # (a page between a release and its stored report shows the previous one, labelled).
    precompute(db, frozenset({programme_id}), default_k=K)


def comments_of(html: str, index: int = 1) -> list[str]:
    section = re.search(rf'<section[^>]*id="comments-{index}">(.*?)</section>', html, re.S)
    assert section
    return re.findall(r"<li>(.*?)</li>", section.group(1), re.S)


def test_a_month_with_9_commenters_shows_no_comments_and_10_shows_them(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    submit_commenters(db, programme_id, [f"comment {i}" for i in range(9)], batching=False)
    html = page(app_on, programme_id)
    assert comments_of(html) == []
    assert "comments need at least 10 respondents" in html
    assert "comment 3" not in html
    # A tenth response in a later pass may be one of the nine's second session: still
    # nine people known, so still nothing.
    submit_commenters(db, programme_id, ["comment 9"], batching=False)
    assert comments_of(page(app_on, programme_id)) == []
    # Ten people in one pass: the month's comments rest on ten people.
    more = [f"comment {i}" for i in range(10, 20)]
    submit_commenters(db, programme_id, more, batching=False)
    assert comments_of(page(app_on, programme_id)) == sorted(f"comment {i}" for i in range(20))


def test_comments_are_shown_only_as_far_as_their_batch_is_released(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    texts = [f"note {i:02d}" for i in range(14)]
    submit_commenters(db, programme_id, texts[:10], batching=True)  # one batch of ten
    submit_commenters(db, programme_id, texts[10:], batching=True)  # four: below k, waiting
    shown = comments_of(page(app_on, programme_id))
    assert shown == texts[:10]  # the last four wait for their batch
    with db.sessions() as session:
        # They wait sealed, unread: nothing of them is stored or pooled until their batch.
        assert session.scalar(select(func.count()).select_from(SealedSubmission)) == 4
        pooled = session.scalars(select(PooledComment.text)).all()
        assert sorted(pooled) == texts[:10]
        assert not session.scalars(select(PooledComment).where(~PooledComment.released)).all()


def test_comments_are_judged_by_the_month_the_lead_sees_not_by_cohort_cells(
    app_on: Flask, db: Database
) -> None:
    """Leads read comments per role and month, never beside a cohort: a small cohort's
    comments rest on the month's respondents (12 here), not on their own cell."""
    programme_id = make_programme(db)
    submit_commenters(db, programme_id, [f"junior {i:02d}" for i in range(10)], batching=False)
    submit_commenters(
        db, programme_id, ["senior one", "senior two"], batching=False, level_band="senior"
    )
    html = page(app_on, programme_id)
    shown = comments_of(html)
    assert shown == sorted([f"junior {i:02d}" for i in range(10)] + ["senior one", "senior two"])
    assert "senior" not in html.replace("senior one", "").replace("senior two", "").lower()


def test_e_mail_addresses_and_phone_numbers_are_masked_before_pooling(
    app_on: Flask, db: Database
) -> None:
    programme_id = make_programme(db)
    texts = [f"fine {i}" for i in range(9)] + ["Call me on 07700 900123 or jo.b@firm.co.uk"]
    submit_commenters(db, programme_id, texts, batching=False)
    shown = comments_of(page(app_on, programme_id))
    assert "Call me on [phone number removed] or [e-mail removed]" in shown
    assert "07700" not in "".join(shown) and "jo.b@" not in "".join(shown)
    with db.sessions() as session:
        stored = session.scalars(select(PooledComment.text)).all()
        assert not any("07700" in t for t in stored)
        # The participant's own answer is kept as written (only the pooled copy is masked).
        assert session.scalar(select(Answer.text).where(Answer.text.like("Call me%")))


def test_masking_keeps_ordinary_numbers() -> None:
    assert mask_contact_details("We met 3 times in 2026, 45 minutes each") == (
        "We met 3 times in 2026, 45 minutes each"
    )
    assert mask_contact_details("+44 (0)20 7946 0958") == "[phone number removed]"
    assert mask_contact_details("a.b-c@x.example.org.") == "[e-mail removed]."


def test_a_rebuild_after_a_mixer_pass_keeps_its_comments_pooled_once(db: Database) -> None:
    programme_id = make_programme(db)
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        for i in range(K):
            submit(session, programme, {"spoke_openly": 4, "comment": f"pending {i}"})
    assert mix(db, k=K, today=COMMENT_DAY).released == K  # the batch of k pools them
    with db.transaction() as session:
        assert agg.rebuild(session, default_k=K).removed == 0
    with db.sessions() as session:
        pooled = session.execute(select(PooledComment.text, PooledComment.released)).all()
    assert sorted(pooled) == [(f"pending {i}", True) for i in range(K)]  # released with the batch


def test_the_aggregation_consumer_pools_comments_once_per_delivery(db: Database) -> None:
    programme_id = make_programme(db)
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        submit(session, programme, {"spoke_openly": 4, "comment": "once"})
    # Two mixer passes: the second finds the submission gone from the sealed inbox.
    assert [mix(db, k=1, today=COMMENT_DAY).released for _ in range(2)] == [1, 0]
    with db.sessions() as session:
        assert session.scalars(select(PooledComment.text)).all() == ["once"]


def test_a_role_with_fewer_than_k_people_enrolled_has_no_pulse_shown(
    app_on: Flask, db: Database
) -> None:
    """Pulses count sessions: five responses of four mentors could be one mentor's."""
    programme_id = make_programme(db, pairs=K - 1)
    submit_commenters(db, programme_id, [f"c{i}" for i in range(12)], batching=False)
    html = page(app_on, programme_id)
    assert f"not shown, as fewer than {K} mentors are enrolled" in html
    assert 'id="trend-1-table"' not in html and "c1" not in html
    with db.transaction() as session:
        programme = session.get(Programme, programme_id)
        assert programme is not None
        f.pairing(session, programme)  # the k-th pair
    html = page(app_on, programme_id)
    assert "mentors are enrolled" not in html and 'id="trend-1-table"' in html


def test_the_0_10_line_and_the_topic_bars_download_as_csv_and_png(
    app_on: Flask, db: Database
) -> None:
    """Every chart downloads: the CSV holds its table's rows, a hidden value as 'suppressed'."""
    programme_id = make_programme(db)
    add_cells(
        db,
        programme_id,
        # 20 respondents, 8 of them scoring: technology (15) is left out by k as well
        ("", {"1": 20}, "", {}),
        ("recommend_programme", {"6": 2, "7": 1, "8": 1, "9": 3, "10": 1}, "", {}),
        ("topics", {"1": 15}, "technology", {}),
        ("topics", {"1": 4}, "flexible_working", {}),  # below k
    )
    client: FlaskClient = app_on.test_client()
    login = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)
    assert token
    client.post(
        "/auth/login",
        data={"email": "lead@example.com", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    base = f"/dashboard/programmes/{programme_id}/pulse"
    html = client.get(base).get_data(as_text=True)
    assert f"{base}/charts/score-1.csv" in html and f"{base}/charts/topics-1.png" in html
    score = client.get(f"{base}/charts/score-1.csv").get_data(as_text=True).lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(score)))[1:] == [["2026-02", "8", "8.0", "6.7 to 9.3"]]
    topics = client.get(f"{base}/charts/topics-1.csv").get_data(as_text=True).lstrip("\ufeff")
    table = {row[0]: row[1:] for row in csv.reader(io.StringIO(topics))}
    assert table["Technology"] == ["15", "75%"]
    assert table["Flexible working"] == ["suppressed", "suppressed"]
    for chart in ("score-1", "topics-1"):
        png = client.get(f"{base}/charts/{chart}.png")
        assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
