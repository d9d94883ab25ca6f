"""Pulse comments of a cross-organisation programme stay with the member firm that wrote them.

Pooled comments carry the firm of the people who wrote them (the mixer counts and
pools per member). A page built from one firm's cells shows that firm's comments
only, even where another member's people share the cohort and the month.
"""

from __future__ import annotations

from surveys import disclosure
from surveys.db.models import PooledComment
from surveys.db.session import Database
from surveys.definitions.model import Question
from surveys.reports.pulse_details import comment_months
from surveys.reports.released_cells import ReleasedCellView
from tests.support import factories as f

COHORT = {"role": "mentee", "level_band": "partner", "tenure_band": "5y+", "gender_group": "woman"}


def _responses_cell(firm_id: int, programme_id: int, people: int) -> ReleasedCellView:
    return ReleasedCellView(
        id=firm_id,
        survey_key="mentee_pulse",
        survey_version=1,
        question_key="",
        item="",
        firm_id=firm_id,
        programme_id=programme_id,
        period_kind="month",
        period="2026-02",
        released_n=people,
        released_total=0,
        released_total_sq=0,
        released_histogram={},
        released_people=people,
        released_people_apart={},
        **COHORT,
    )


def test_a_firms_comment_months_hold_its_own_peoples_comments_only(db: Database) -> None:
    with db.transaction() as session:
        owner = f.firm(session, name="Alder LLP", slug="alder", min_group_size=3)
        member = f.firm(session, name="Birch & Co", slug="birch", min_group_size=3)
        programme = f.programme(session, owner, name="Across the Bar")
        for firm, text in ((owner, "Alder's own comment"), (member, "Birch's comment")):
            session.add(
                PooledComment(
                    survey_key="mentee_pulse",
                    survey_version=1,
                    question_key="comment",
                    firm_id=firm.id,
                    programme_id=programme.id,
                    period="2026-02",
                    text=text,
                    released=True,
                    **COHORT,
                )
            )
        session.flush()
        question = Question(key="comment", type="text", text="Anything else?", required=False)
        cells = [_responses_cell(owner.id, programme.id, 12)]  # the owner's people only
        months = comment_months(
            session,
            programme.id,
            "Mentees",
            "mentee_pulse",
            1,
            question,
            cells,
            disclosure.Policy(3),
        )
        shown = [text for month in months.months for text in month.comments]
        assert shown == ["Alder's own comment"]
