"""What an export covers: firms, an optional programme, surveys and a date range.

A scope may also be frozen to the stored periods of its release
(:mod:`surveys.export.releases`): then only responses of those periods are in it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from surveys.db.models import Response, SurveyRound
from surveys.domain.periods import week_of

#: A response's stored period as one column ("week:2026-W07", "month:2026-02", "round:12").
PERIOD = (Response.period_kind + ":" + Response.period).label("period")


def _periods_from(day: date) -> ColumnElement[bool]:
    """Responses stored in a period that ends on or after ``day`` (responses have no date:
    a week, month or round overlapping the range's edge is in it)."""
    return or_(
        and_(Response.period_kind == "week", Response.period >= week_of(day)),
        and_(Response.period_kind == "month", Response.period >= f"{day:%Y-%m}"),
        and_(
            Response.period_kind == "round",
            Response.round_id.in_(select(SurveyRound.id).where(SurveyRound.closes_on >= day)),
        ),
    )


def _periods_to(day: date) -> ColumnElement[bool]:
    """Responses stored in a period that starts on or before ``day``."""
    return or_(
        and_(Response.period_kind == "week", Response.period <= week_of(day)),
        and_(Response.period_kind == "month", Response.period <= f"{day:%Y-%m}"),
        and_(
            Response.period_kind == "round",
            Response.round_id.in_(select(SurveyRound.id).where(SurveyRound.opened_on <= day)),
        ),
    )


@dataclass(frozen=True)
class Scope:
    firm_ids: tuple[int, ...]
    survey_keys: tuple[str, ...]
    programme_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: The stored periods of the scope's release (None: every period in the range).
    periods: tuple[str, ...] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses selecting the responses in scope."""
        out: list[ColumnElement[bool]] = [
            Response.firm_id.in_(self.firm_ids),
            Response.survey_key.in_(self.survey_keys),
        ]
        if self.programme_id is not None:
            out.append(Response.programme_id == self.programme_id)
        if self.date_from is not None:
            out.append(_periods_from(self.date_from))
        if self.date_to is not None:
            out.append(_periods_to(self.date_to))
        if self.periods is not None:
            out.append((Response.period_kind + ":" + Response.period).in_(self.periods))
        return out

    def undated(self) -> Scope:
        """The scope without its dates: a release lineage decides them on released months."""
        return replace(self, date_from=None, date_to=None)

    def holds_month(self, released: str | None) -> bool:
        """Whether a row whose released month (quarter, year) is ``released`` is in the
        date range: decided on what the export shows, never on the stored week."""
        if self.date_from is None and self.date_to is None:
            return True
        if not released:
            return False  # month suppressed: the row cannot be placed in the range
        first, last = released_span(released)
        if self.date_from is not None and last < self.date_from:
            return False
        return self.date_to is None or first <= self.date_to

    def as_json(self) -> dict[str, Any]:
        return {
            "firm_ids": list(self.firm_ids),
            "survey_keys": list(self.survey_keys),
            "programme_id": self.programme_id,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        return cls(
            firm_ids=tuple(int(i) for i in data["firm_ids"]),
            survey_keys=tuple(str(k) for k in data["survey_keys"]),
            programme_id=data.get("programme_id"),
            date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
            date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
        )


def released_span(value: str) -> tuple[date, date]:
    """First and last day of a released month ('2026-05'), quarter ('2026-Q2') or year."""
    year = int(value[:4])
    if len(value) == 4:
        return date(year, 1, 1), date(year, 12, 31)
    first = (int(value[6]) - 1) * 3 + 1 if value[5] == "Q" else int(value[5:7])
    last = first + 2 if value[5] == "Q" else first
    end = date(year + last // 12, last % 12 + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end
