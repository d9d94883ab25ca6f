"""Writing the mixer's people counts into ``figure_people`` (the mixer's transaction only).

:mod:`surveys.intake.people_seals` decides *what* to write (from its sealed
sessions, :func:`surveys.aggregates.figures.count`); this module reads and
writes the rows. A *stream* is (firm, programme, survey key, survey version).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveys.aggregates.figures import FigureId
from surveys.aggregates.people_counts import People
from surveys.db.dialect import upsert_insert
from surveys.db.models import FigurePeople
from surveys.db.models.people import FIGURE_KEY

__all__ = ["Stream", "merge_late", "period_figures", "write_figures"]

Stream = tuple[int, int, str, int]  # firm_id, programme_id, survey_key, survey_version


def _of(stream: Stream) -> Any:
    firm_id, programme_id, survey_key, survey_version = stream
    return (
        (FigurePeople.firm_id == firm_id)
        & (FigurePeople.programme_id == programme_id)
        & (FigurePeople.survey_key == survey_key)
        & (FigurePeople.survey_version == survey_version)
    )


def period_figures(
    session: Session, stream: Stream, only: tuple[str, str] | None = None
) -> dict[tuple[str, str], dict[FigureId, People]]:
    """Every month's and round's figures of a stream (``only``: of one), per
    (period_kind, period)."""
    rows = session.execute(
        select(
            FigurePeople.period_kind,
            FigurePeople.period,
            FigurePeople.question_key,
            FigurePeople.item,
            FigurePeople.attribute,
            FigurePeople.value,
            FigurePeople.people,
            FigurePeople.apart,
            FigurePeople.exact,
        ).where(
            _of(stream),
            FigurePeople.period_kind != "programme"
            if only is None
            else (FigurePeople.period_kind == only[0]) & (FigurePeople.period == only[1]),
        )
    )
    found: dict[tuple[str, str], dict[FigureId, People]] = defaultdict(dict)
    for row in rows:
        figure = (row.question_key, row.item, row.attribute, row.value)
        found[row.period_kind, row.period][figure] = People(
            int(row.people), dict(row.apart or {}), bool(row.exact)
        )
    return dict(found)


def merge_late(
    stored: Mapping[FigureId, People], new: Mapping[FigureId, People]
) -> dict[FigureId, People]:
    """A period whose sessions are no longer kept, counted again by a late pass: the
    larger of two lower bounds per figure (a person of both cannot be recognised)."""
    found: dict[FigureId, People] = {}
    for key in stored.keys() | new.keys():
        old, now = stored.get(key, People(0)), new.get(key, People(0))
        values = set(old.apart) | set(now.apart)
        found[key] = People(
            max(old.people, now.people),
            {v: max(old.apart_from(v), now.apart_from(v)) for v in sorted(values)},
            exact=False,
        )
    return found


def write_figures(
    session: Session,
    stream: Stream,
    period_kind: str,
    period: str,
    figures: Mapping[FigureId, People],
) -> None:
    """Set the figures of one stream and period to ``figures`` (replacing every row)."""
    firm_id, programme_id, survey_key, survey_version = stream
    session.execute(
        delete(FigurePeople)
        .where(_of(stream), FigurePeople.period_kind == period_kind, FigurePeople.period == period)
        .execution_options(synchronize_session=False)
    )
    if not figures:
        return
    rows = [
        {
            "programme_id": programme_id,
            "survey_key": survey_key,
            "survey_version": survey_version,
            "question_key": question,
            "item": item,
            "firm_id": firm_id,
            "attribute": attribute,
            "value": value,
            "period_kind": period_kind,
            "period": period,
            "people": found.people,
            "apart": dict(found.apart),
            "exact": found.exact,
        }
        for (question, item, attribute, value), found in sorted(figures.items())
    ]
    stmt = upsert_insert(session, FigurePeople.__table__)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(FIGURE_KEY),
            set_={name: stmt.excluded[name] for name in ("people", "apart", "exact")},
        ),
        rows,
    )
