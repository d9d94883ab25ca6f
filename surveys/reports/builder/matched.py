"""The matched comparison: participants vs the comparison group, matched on cohort cells.

Matching reweights the comparison group to the participants' mix of cohort
cells (level band x tenure band x gender group, R cem's weights); a cell
enters only when both sides hold k responses in it, and matching is refused
when the responses it drops from a side number 1 to k-1 (beside the plain
comparison they would be described).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select

from surveys import disclosure
from surveys.db.models import AggregateCell
from surveys.definitions import CLIMATE
from surveys.reports.builder.request import Outcome
from surveys.reports.builder.scope import Compared, Rounds, Scope, answered
from surveys.reports.builder.sides import (
    COMPARISON,
    PARTICIPANTS,
    OutcomeRow,
    Side,
    basis,
    group_mean,
    power_warnings,
)
from surveys.services.errors import Invalid
from surveys.stats.weighted_counts import (
    weighted_moments_from_counts,
    weighted_welch_from_counts,
)


def matched(scope: Scope, outcome: Outcome, rounds: Rounds) -> Compared:
    """Participants vs the comparison group reweighted to their mix of cohort cells."""
    if outcome.kind != "question":
        raise Invalid("the matched comparison needs a single question (the index has no cells)")
    round_ = rounds.single()
    cells = scope.session.execute(
        select(
            AggregateCell.role,
            AggregateCell.level_band,
            AggregateCell.tenure_band,
            AggregateCell.gender_group,
            AggregateCell.released_histogram,
        ).where(
            AggregateCell.programme_id == scope.programme.id,
            AggregateCell.survey_key == CLIMATE,
            AggregateCell.question_key == outcome.question_key,
            AggregateCell.item == "",
            AggregateCell.period_kind == "round",
            AggregateCell.period == str(round_.id),
        )
    ).all()
    strata: dict[tuple[str, str, str], dict[str, Counter[float]]] = {}
    for role, level, tenure, gender, histogram in cells:
        side = "t" if role in PARTICIPANTS else "c"
        bucket = strata.setdefault((level, tenure, gender), {"t": Counter(), "c": Counter()})
        for value, count in histogram.items():
            bucket[side][float(value)] += int(count)
    kept = {s: h for s, h in strata.items() if min(h["t"].total(), h["c"].total()) >= scope.k}
    dropped = len(strata) - len(kept)
    ledger: disclosure.Ledger[tuple[str, ...]] = disclosure.Ledger(scope.policy)
    for side, label in (("t", "all participants"), ("c", "the whole comparison group")):
        everyone = sum(h[side].total() for h in strata.values())
        ledger.show({(side, *s) for s in strata}, disclosure.Shown(everyone, everyone), label)
        matched_n = sum(h[side].total() for h in kept.values())
        refused = ledger.check({(side, *s) for s in kept}, matched_n, f"the matched {label}")
        if refused is not None:
            raise Invalid(
                f"Matching {refused.reason}: the responses dropped by matching are fewer "
                f"than {scope.k}"
            )
    nt = sum(h["t"].total() for h in kept.values())
    nc = sum(h["c"].total() for h in kept.values())
    if not kept:
        raise Invalid(
            f"no cohort cell holds at least {scope.k} responses on both sides, so nothing "
            "can be matched"
        )
    treated = [(h["t"], 1.0) for h in kept.values()]
    # CEM weights: (n_t / n_c) in the cell x (N_c / N_t) over the matched cells.
    control = [(h["c"], h["t"].total() / h["c"].total() * nc / nt) for h in kept.values()]
    text = outcome.label.split(": ", 1)[-1].rstrip(".")
    result = weighted_welch_from_counts(
        treated,
        control,
        labels=("participants", "the matched comparison group"),
        min_group_size=scope.k,
        outcome=text,
        comparison="matched comparison (cohort-cell weights)",
    )
    note = (
        f"Matched on level band, tenure band and gender group: {len(kept)} cohort cells "
        f"kept; {dropped} cells with fewer than {scope.k} responses on a side were left out."
    )
    result = replace(result, notes=[note, *result.notes])
    n_x, e_x, m_x, v_x = weighted_moments_from_counts(treated)
    n_y, e_y, m_y, v_y = weighted_moments_from_counts(control)
    means = [
        group_mean(outcome, Side(label, n, m, v, None), scope.policy, e)
        for label, n, e, m, v in (
            ("participants", n_x, e_x, m_x, v_x),
            ("the matched comparison group", n_y, e_y, m_y, v_y),
        )
    ]
    # Matched answers used, out of every answer to the round (unmatched cells count as withheld).
    counted = [
        ("participants", nt, answered(scope, PARTICIPANTS, round_.id, False)),
        ("the comparison group", nc, answered(scope, COMPARISON, round_.id, False)),
    ]
    row = OutcomeRow(
        outcome,
        result,
        warnings=power_warnings(outcome, n_x, round(e_y), result),
        basis=basis(
            scope.policy, counted, "left out by disclosure control, matching or a blank answer"
        ),
    )
    return Compared(row, means)
