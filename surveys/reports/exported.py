"""What the dashboard showed for a research export's scope: the bundle's ``expected.json``.

The bundle's analysis scripts (:mod:`surveys.export.analysis`) recompute the
dashboard's comparisons from the bundle's own rows; this module runs the
comparison builder itself, at export time, for the same scope, so the scripts
can say "match" or "mismatch" line by line.

Which comparisons, with the dashboard's defaults (Welch's t for every outcome
type -- the builder's default test -- and Holm's adjustment across the
outcomes of one request):

- for every programme and climate round in the export's release, participants
  vs the comparison group and mentors vs mentees on every scored climate
  question and the climate index;
- for every programme whose export holds two or more climate rounds, the
  before/after difference-in-differences (participants vs the comparison group)
  on every scored climate question, from the export's first round to its last
  (the dashboard's default pair when the export holds every round);
- for every programme with both session pulses in the export, mentors vs
  mentees on the pulse questions both roles answer, over the months the export
  holds (the dashboard pools every month; a dated export need not hold them
  all). A month the export holds only part of (a date range cutting it) cannot
  be reproduced from the bundle, so the pulse comparison is then listed with
  that reason instead of numbers (figures over the whole month, set beside the
  bundle's rows, would give away the responses the export left out).

Every other figure listed is recomputable from the bundle's own rows (that is
the point), so expected.json discloses nothing the rows do not.

HR outcomes are not in a bundle and are left out.

Each entry says whether it is one of the programme's evaluation plan
(``"status": "planned"``) or ``"exploratory"`` (:func:`_labelled`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from surveys.db.models import Programme, Response, SurveyRound
from surveys.definitions import CLIMATE, PULSE_FOR_ROLE
from surveys.domain.periods import month_of_week
from surveys.export.scope import Scope as ExportScope
from surveys.reports.builder import build_comparison
from surveys.reports.builder.comparisons import FAMILIES, TABLE
from surveys.reports.builder.plain import PAIRS
from surveys.reports.builder.request import INDEX, BuilderRequest, climate_index_items, outcomes
from surveys.reports.builder.sides import climate_rounds
from surveys.services.plans import plan_state
from surveys.stats.wording import fmt_p

#: The did result's four groups, in the order (side a before, after; side b before, after).
DID_GROUPS = (
    "treated baseline",
    "treated follow-up",
    "comparison baseline",
    "comparison follow-up",
)
PULSES = (PULSE_FOR_ROLE["mentor"], PULSE_FOR_ROLE["mentee"])
#: An entry's figures (left out where the bundle cannot reproduce them).
NUMBERS = frozenset({"n_a", "n_b", "t", "df", "g", "p", "p_adjusted", "printed"})


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


def _sizes(result: Any, comparison: str, sides: Any) -> tuple[Any, Any]:
    """n of each side; a did side is "n before;n after"."""
    if TABLE[comparison].needs_rounds:
        n = [result.n[g] for g in DID_GROUPS]
        return f"{n[0]};{n[1]}", f"{n[2]};{n[3]}"
    return result.n[sides[0][0]], result.n[sides[1][0]]


def _rows(result: Any, programme: int, comparison: str, **where: Any) -> list[dict[str, Any]]:
    """One entry per outcome row; ``where`` says which data: round, baseline, tables, months."""
    sides = PAIRS[FAMILIES[comparison]]
    out = []
    for row in result.rows:
        key = row.outcome.key
        entry: dict[str, Any] = {
            "programme": programme,
            "round": "",
            "baseline": "",
            "source": row.outcome.source,
            "table_a": CLIMATE,
            "table_b": CLIMATE,
            "months": [],
            **where,
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
            n_a, n_b = _sizes(r, comparison, sides)
            entry.update(
                n_a=n_a,
                n_b=n_b,
                t=r.statistic,
                df=r.df,
                g=r.effect_size.value if r.effect_size else None,
                p=r.pvalue,
                p_adjusted=r.pvalue_adjusted,
                printed=_printed(r),
            )
        out.append(entry)
    return out


def _by_month(session: Session, conditions: list[ColumnElement[bool]]) -> Counter[str]:
    """Responses per month (a week counts in its Thursday's month, as the pulse cells do)."""
    counts: Counter[str] = Counter()
    for kind, period, n in session.execute(
        select(Response.period_kind, Response.period, func.count())
        .where(*conditions)
        .group_by(Response.period_kind, Response.period)
    ):
        if kind in ("week", "month"):
            counts[month_of_week(period) if kind == "week" else period] += int(n)
    return counts


def _pulses(session: Session, scope: ExportScope, programme: Programme, k: int) -> list[Any]:
    """Mentors vs mentees on the pulses, over the export's months (whole months only)."""
    mine = [Response.programme_id == programme.id, Response.survey_key.in_(PULSES)]
    inside = _by_month(session, [*scope.conditions(), *mine])
    everything = _by_month(session, mine)
    cut = sorted(m for m in inside if inside[m] != everything[m])
    months = tuple(sorted(inside))
    keys = tuple(key for key, o in outcomes().items() if o.source == "pulse")
    request = BuilderRequest(keys, "mentors-mentees", pulse_months=months)
    where = {"table_a": PULSES[0], "table_b": PULSES[1], "months": list(months)}
    found = _rows(
        build_comparison(session, programme, request, k), programme.id, "mentors-mentees", **where
    )
    if not cut:
        return found
    reason = (
        "Not reproducible from this export: it holds only part of the pulses of "
        f"{', '.join(cut)} (its dates cut those months, which the dashboard pools whole)"
    )
    # No numbers: set beside the bundle's rows, figures over whole months would give away
    # the responses the export left out, which may be fewer than k.
    return [{key: e[key] for key in e if key not in NUMBERS} | {"refused": reason} for e in found]


def _labelled(session: Session, entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` with ``planned`` and ``status``: "planned" when it is a comparison of the
    programme's evaluation plan as the headline runs it (latest round; first to latest
    round for a difference-in-differences), "exploratory" otherwise."""
    programme_id, comparison = entry["programme"], entry["comparison"]
    labels = [r.label for r in climate_rounds(session, programme_id)]
    planned = plan_state(session, programme_id).plan.has(entry["outcome"], comparison)
    if planned and comparison == "participants":
        planned = bool(labels) and entry["round"] == labels[-1]
    if planned and comparison == "did":
        planned = bool(labels) and (entry["baseline"], entry["round"]) == (labels[0], labels[-1])
    return entry | {"planned": planned, "status": "planned" if planned else "exploratory"}


def dashboard_comparisons(session: Session, scope: ExportScope, default_k: int) -> dict[str, Any]:
    """The comparisons the dashboard shows for the export's (release) scope, as plain JSON."""
    found: list[dict[str, Any]] = []
    climate = [k for k, o in outcomes().items() if o.source == "climate" and o.kind != "hr"]
    if CLIMATE in scope.survey_keys:
        present = session.execute(
            select(Response.programme_id, Response.round_id)
            .where(*scope.conditions(), Response.survey_key == CLIMATE)
            .where(Response.round_id.is_not(None))
            .distinct()
        ).all()
        rounds: dict[int, list[SurveyRound]] = {}
        for programme_id, round_id in sorted(present):
            programme = session.get_one(Programme, programme_id)
            round_ = session.get_one(SurveyRound, round_id)
            rounds.setdefault(programme_id, []).append(round_)
            for comparison in ("participants", "mentors-mentees"):
                request = BuilderRequest(tuple(climate), comparison, round_id=round_id)
                result = build_comparison(session, programme, request, default_k)
                found += _rows(result, programme_id, comparison, round=round_.label)
        questions = tuple(k for k in climate if outcomes()[k].kind == "question")
        for programme_id, held in sorted(rounds.items()):
            if len(held) < 2:
                continue
            ordered = sorted(held, key=lambda r: (r.opened_on, r.id))
            before, after = ordered[0], ordered[-1]
            request = BuilderRequest(questions, "did", baseline_id=before.id, followup_id=after.id)
            programme = session.get_one(Programme, programme_id)
            result = build_comparison(session, programme, request, default_k)
            found += _rows(result, programme_id, "did", round=after.label, baseline=before.label)
    if all(key in scope.survey_keys for key in PULSES):
        with_pulses = session.scalars(
            select(Response.programme_id)
            .where(*scope.conditions(), Response.survey_key.in_(PULSES))
            .distinct()
        ).all()
        for programme_id in sorted(with_pulses):
            programme = session.get_one(Programme, programme_id)
            found += _pulses(session, scope, programme, default_k)
    found = [_labelled(session, entry) for entry in found]
    return {
        "what": "The dashboard's comparison builder for this export's programmes, climate "
        "rounds and pulse months, computed when the export was built (Welch's t -- the "
        "builder's default for every outcome type --, Holm across the outcomes of one "
        "comparison, as the comparison page prints them).",
        "test": "welch",
        "adjust": "holm",
        "k": None,
        "index_items": list(climate_index_items()),
        "single_programme": scope.programme_id is not None,
        "comparisons": found,
    }
