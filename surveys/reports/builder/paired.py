"""Before vs after, the same people: paired t or Wilcoxon signed-rank from released pairs.

Nothing stored pairs one person's answers (PRODUCT.md 2.3): the worker, which
alone holds the keys to the pairing records, computed each person's change
between two closed climate rounds and stored the histogram of changes only
where at least k people were paired (surveys/longitudinal/release.py). This
comparison reads that histogram: both tests depend on the differences alone,
so they are exactly what the per-person answers would give.
"""

from __future__ import annotations

from sqlalchemy import select

from surveys.db.models import PairedDifference, PairedRelease
from surveys.definitions import CLIMATE
from surveys.reports.builder.request import Outcome
from surveys.reports.builder.scope import Compared, Rounds, Scope
from surveys.reports.builder.sides import OutcomeRow
from surveys.services.errors import Invalid
from surveys.stats.paired import paired_t, wilcoxon_signed_rank

#: The builder's rank tests run as the signed-rank test when paired.
RANK_TESTS = frozenset({"mwu", "brunner-munzel"})


def paired(scope: Scope, outcome: Outcome, rounds: Rounds) -> Compared:
    """The within-person change between the before and after rounds, at k."""
    if outcome.kind != "question" or outcome.source != "climate":
        raise Invalid("a paired comparison needs a single climate question")
    if not scope.programme.longitudinal:
        raise Invalid(
            "this programme does not pair answers (longitudinal analysis is opt-in in the "
            "programme's settings), so there is no paired result"
        )
    before, after = rounds.pair()
    key = (scope.programme.id, CLIMATE, before.id, after.id)
    row = scope.session.scalars(
        select(PairedDifference).where(
            PairedDifference.programme_id == key[0],
            PairedDifference.survey_key == key[1],
            PairedDifference.before_round_id == key[2],
            PairedDifference.after_round_id == key[3],
            PairedDifference.question_key == outcome.question_key,
            PairedDifference.attribute == "",
        )
    ).one_or_none()
    if row is None or row.people < scope.k:
        computed = scope.session.get(PairedRelease, key) is not None
        if not computed:
            raise Invalid(
                f"the pairs of rounds '{before.label}' and '{after.label}' are computed by the "
                "first mixer pass after both rounds have closed"
            )
        raise Invalid(
            f"suppressed (fewer than {scope.k} people answered it in both rounds, or their "
            "answers would tell each one's change)"
        )
    differences = [
        float(d)
        for d, n in sorted(row.histogram.items(), key=lambda i: int(i[0]))
        for _ in range(n)
    ]
    test = wilcoxon_signed_rank if scope.test in RANK_TESTS else paired_t
    result = test(
        differences,
        [0.0] * len(differences),
        labels=(f"round '{after.label}'", f"round '{before.label}'"),
        min_group_size=scope.k,
        outcome=outcome.label.split(": ", 1)[-1].rstrip("."),
    )
    basis = (
        f"{row.people:,} people answered this question in both rounds; the worker paired "
        "them and released only their changes taken together."
    )
    return Compared(OutcomeRow(outcome, result, basis=basis))
