"""Comparisons that reach beyond role cells: matched cohort cells and pooled other firms.

Matching reweights the comparison group to the participants' mix of cohort
cells (level band x tenure band x gender group, R cem's weights); a cell
enters only when both sides hold k responses in it, and matching is refused
when the responses it drops from a side number 1 to k-1 (beside the plain
comparison they would be described). Benchmarking pools other opted-in firms,
each with k released responses in a round of the same label, never one firm.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from sqlalchemy import select

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import (
    AggregateCell,
    Firm,
    Programme,
    SurveyRound,
)
from surveys.definitions import CLIMATE
from surveys.reports.builder.request import (
    Outcome,
)
from surveys.reports.builder.sides import (
    ALL_ROLES,
    BENCHMARK_MIN_FIRMS,
    PARTICIPANTS,
    OutcomeRow,
    Scope,
    Side,
    group_mean,
    power_warnings,
    side_of,
    two_sided,
)
from surveys.services.errors import Invalid
from surveys.stats.weighted_counts import (
    weighted_moments_from_counts,
    weighted_welch_from_counts,
)


class CohortComparisons(Scope):
    """Matched cohort cells and the pooled benchmark (see the module docstring)."""

    def matched(self, outcome: Outcome, round_: SurveyRound) -> OutcomeRow:
        keys = [outcome.question_key] if outcome.kind == "question" else []
        if not keys:
            raise Invalid("the matched comparison needs a single question (the index has no cells)")
        cells = self.session.execute(
            select(
                AggregateCell.role,
                AggregateCell.level_band,
                AggregateCell.tenure_band,
                AggregateCell.gender_group,
                AggregateCell.released_histogram,
            ).where(
                AggregateCell.programme_id == self.programme.id,
                AggregateCell.survey_key == CLIMATE,
                AggregateCell.question_key == keys[0],
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
        kept = {s: h for s, h in strata.items() if min(h["t"].total(), h["c"].total()) >= self.k}
        dropped = len(strata) - len(kept)
        ledger: disclosure.Ledger[tuple[str, ...]] = disclosure.Ledger(self.policy)
        for side, label in (("t", "all participants"), ("c", "the whole comparison group")):
            everyone = sum(h[side].total() for h in strata.values())
            ledger.show({(side, *s) for s in strata}, disclosure.Shown(everyone, everyone), label)
            matched_n = sum(h[side].total() for h in kept.values())
            refused = ledger.check({(side, *s) for s in kept}, matched_n, f"the matched {label}")
            if refused is not None:
                raise Invalid(
                    f"Matching {refused.reason}: the responses dropped by matching are fewer "
                    f"than {self.k}"
                )
        nt = sum(h["t"].total() for h in kept.values())
        nc = sum(h["c"].total() for h in kept.values())
        if not kept:
            raise Invalid(
                f"no cohort cell holds at least {self.k} responses on both sides, so nothing "
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
            min_group_size=self.k,
            outcome=text,
            comparison="matched comparison (cohort-cell weights)",
        )
        note = (
            f"Matched on level band, tenure band and gender group: {len(kept)} cohort cells "
            f"kept; {dropped} cells with fewer than {self.k} responses on a side were left out."
        )
        result = replace(result, notes=[note, *result.notes])
        n_x, e_x, m_x, v_x = weighted_moments_from_counts(treated)
        n_y, e_y, m_y, v_y = weighted_moments_from_counts(control)
        for label, n, e, m, v in (
            ("participants", n_x, e_x, m_x, v_x),
            ("the matched comparison group", n_y, e_y, m_y, v_y),
        ):
            self.means.append(group_mean(outcome, Side(label, n, m, v, None), self.policy, e))
        return OutcomeRow(outcome, result, warnings=power_warnings(outcome, n_x, round(e_y)))

    def benchmark(self, outcome: Outcome, round_: SurveyRound) -> OutcomeRow:
        opted = list(self.session.scalars(select(Firm).where(Firm.benchmarking_opt_in)))
        if not self.firm.benchmarking_opt_in:
            raise Invalid(
                "this firm has not opted in to benchmarking, so it is not shown other firms' "
                "results"
            )
        if len(opted) < BENCHMARK_MIN_FIRMS:
            raise Invalid(
                f"benchmarking needs at least {BENCHMARK_MIN_FIRMS} firms that opt in; "
                f"{len(opted)} have"
            )
        others = [f for f in opted if f.id != self.firm.id]
        other_rounds: dict[int, list[str]] = {}
        for r in self.session.scalars(
            select(SurveyRound)
            .join(Programme, Programme.id == SurveyRound.programme_id)
            .where(
                Programme.firm_id.in_([f.id for f in others]),
                SurveyRound.survey_key == CLIMATE,
                SurveyRound.label == round_.label,
            )
        ):
            owner = self.session.get(Programme, r.programme_id)
            assert owner is not None
            other_rounds.setdefault(owner.firm_id, []).append(str(r.id))

        def firm_histogram(firm_id: int, question_key: str) -> Counter[float]:
            total: Counter[float] = Counter()
            for histogram in self.session.scalars(
                select(AggregateCell.released_histogram).where(
                    AggregateCell.firm_id == firm_id,
                    AggregateCell.survey_key == CLIMATE,
                    AggregateCell.question_key == question_key,
                    AggregateCell.item == "",
                    AggregateCell.period_kind == "round",
                    AggregateCell.period.in_(other_rounds.get(firm_id, [])),
                )
            ):
                for value, count in histogram.items():
                    total[float(value)] += int(count)
            return total

        def firm_responses(firm_id: int) -> int:
            found = self.session.scalars(
                select(AggregateCell.released_n).where(
                    AggregateCell.firm_id == firm_id,
                    AggregateCell.survey_key == CLIMATE,
                    AggregateCell.question_key == RESPONSES,
                    AggregateCell.period_kind == "round",
                    AggregateCell.period.in_(other_rounds.get(firm_id, [])),
                )
            )
            return sum(int(n) for n in found)

        # A firm enters the pool only when its released responses reach its own k and ours.
        eligible = [f for f in others if firm_responses(f.id) >= max(self.k, f.min_group_size or 0)]
        if len(eligible) < BENCHMARK_MIN_FIRMS - 1:
            raise Invalid(
                f"fewer than {BENCHMARK_MIN_FIRMS - 1} other firms have at least {self.k} "
                f"released responses in a round labelled '{round_.label}', so a pooled "
                "benchmark could describe a single firm"
            )

        def pooled(question_key: str) -> Counter[float]:
            total: Counter[float] = Counter()
            for f in eligible:
                part = firm_histogram(f.id, question_key)
                if 0 < part.total() < max(self.k, f.min_group_size or 0):
                    raise Invalid(
                        "a firm in the pool has too few answers to this question to be pooled"
                    )
                total += part
            return total

        mine = side_of("this firm", outcome, self.load(ALL_ROLES, round_.id, False))
        theirs = side_of(f"other firms (pooled, {len(eligible)} firms)", outcome, pooled)
        result, notes = two_sided(outcome, mine, theirs, "welch", self.k)
        notes.append(
            f"Other firms are pooled ({len(eligible)} firms that opted in to benchmarking, "
            f"each with at least {self.k} responses); no single firm is ever shown."
        )
        self.means += [group_mean(outcome, s, self.policy, s.n) for s in (mine, theirs)]
        return OutcomeRow(
            outcome, result, warnings=notes + power_warnings(outcome, mine.n, theirs.n)
        )
