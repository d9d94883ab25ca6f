"""What the dashboard showed for a research export's scope: the bundle's ``expected.json``.

The bundle's analysis scripts (:mod:`surveys.export.analysis`) recompute the
dashboard's comparisons from the bundle's own rows; this module runs the
comparison builder itself, at export time, for the same scope, so the scripts
can say "match" or "mismatch" line by line.

Which comparisons: for every programme and every climate round in the
export's release, the builder's two climate comparisons of roles --
participants vs the comparison group, and mentors vs mentees -- on every
scored climate question and the climate index, with the dashboard's defaults
(Welch's t, Holm's adjustment across the outcomes of one comparison). HR
outcomes are not in a bundle; the session pulses' mentors-vs-mentees
comparison pools every month of the programme, which a dated export need not
hold, so it is left out rather than shown as a false mismatch.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Programme, Response, SurveyRound
from surveys.definitions import CLIMATE
from surveys.export.scope import Scope as ExportScope
from surveys.reports.builder import build_comparison
from surveys.reports.builder.plain import PAIRS
from surveys.reports.builder.request import INDEX, BuilderRequest, climate_index_items, outcomes
from surveys.stats.wording import fmt_p

#: Builder comparison key -> the PAIRS entry of its two sides.
FAMILIES = {"participants": "participants", "mentors-mentees": "mentors"}


def _printed(result: Any) -> dict[str, str]:
    """The numbers as the comparison page prints them (webapp/templates/dashboard/compare.html)."""
    effect = result.effect_size
    g = effect.value if effect is not None else None
    return {
        "t": "n/a" if result.statistic is None else f"{result.statistic:.2f}",
        "df": "" if result.df is None else f"{result.df:.1f}",
        "g": "n/a" if g is None else f"{g:.2f}",
        "g_ci": ""
        if effect is None or effect.ci is None
        else "{:.2f} to {:.2f}".format(*effect.ci),
        "p": fmt_p(result.pvalue),
        "p_adjusted": fmt_p(result.pvalue_adjusted),
    }


def _rows(
    result: Any, programme: int, round_: SurveyRound, comparison: str
) -> list[dict[str, Any]]:
    sides = PAIRS[FAMILIES[comparison]]
    out = []
    for row in result.rows:
        key = row.outcome.key
        entry: dict[str, Any] = {
            "programme": programme,
            "round": round_.label,
            "comparison": comparison,
            "outcome": key,
            "label": row.outcome.label,
            "column": "index" if key == INDEX else row.outcome.question_key,
            "side_a": sides[0][0],
            "roles_a": list(sides[0][1]),
            "side_b": sides[1][0],
            "roles_b": list(sides[1][1]),
            "refused": row.refused,
        }
        if row.result is not None:
            r = row.result
            entry.update(
                n_a=r.n[sides[0][0]],
                n_b=r.n[sides[1][0]],
                t=r.statistic,
                df=r.df,
                g=r.effect_size.value if r.effect_size else None,
                p=r.pvalue,
                p_adjusted=r.pvalue_adjusted,
                printed=_printed(r),
            )
        out.append(entry)
    return out


def dashboard_comparisons(session: Session, scope: ExportScope, default_k: int) -> dict[str, Any]:
    """The comparisons the dashboard shows for the export's (release) scope, as plain JSON."""
    found: list[dict[str, Any]] = []
    keys = [k for k, o in outcomes().items() if o.source == "climate" and o.kind != "hr"]
    if CLIMATE in scope.survey_keys:
        present = session.execute(
            select(Response.programme_id, Response.round_id)
            .where(*scope.conditions(), Response.survey_key == CLIMATE)
            .where(Response.round_id.is_not(None))
            .distinct()
        ).all()
        for programme_id, round_id in sorted(present):
            programme = session.get_one(Programme, programme_id)
            round_ = session.get_one(SurveyRound, round_id)
            for comparison in FAMILIES:
                request = BuilderRequest(tuple(keys), comparison, round_id=round_id)
                result = build_comparison(session, programme, request, default_k)
                found += _rows(result, programme_id, round_, comparison)
    return {
        "what": "The dashboard's comparison builder for this export's programmes and climate "
        "rounds, computed when the export was built (Welch's t, Holm across the outcomes of "
        "one comparison, as the comparison page prints them).",
        "test": "welch",
        "adjust": "holm",
        "k": None,
        "index_items": list(climate_index_items()),
        "single_programme": scope.programme_id is not None,
        "comparisons": found,
    }
