"""When a headline (or pulse page) figure may be shown: one rule per figure, on both.

**One rule for one figure** (issue 22). A pulse item's month is shown on the
pulse page as its distribution of answers (:func:`likert_month`: k people, and
k people apart from every answer given); the headline's share favourable is
that page's shares of 4 and 5 added, so it is shown exactly when the page's
month is -- never on a stricter rule, which would hide on the headline what
the page shows. The mean of the 0-10 item follows the page's score line
(distribution, then the mean, in people). The net score, which no page shows
by month, is shown only when at least k fall outside its largest group
(promoters, passives, detractors), in people.

Climate rows are one per person per round, so there answers are people; a
climate share favourable needs k favourable and k not (the headline is its
only place). Pulses are answered per session: pass the month's released
``cells`` and every rule counts people as well
(:func:`surveys.disclosure.people_behind`, :func:`surveys.disclosure.people_outside`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from surveys import disclosure
from surveys.stats import net_score, net_score_groups, wilson_interval
from surveys.stats.net_score import DETRACTOR_MAX, PROMOTER_MIN

FAVOURABLE = (4.0, 5.0)

Histogram = Mapping[float, int]
Cells = Sequence[disclosure.CountedCell]


def _given(cells: Cells, inside: Callable[[float], bool]) -> set[str]:
    """The answers (as the cells spell them) that ``inside`` takes."""
    return {v for c in cells for v in c.released_histogram if inside(float(v))}


def _sides(
    counts: Mapping[str, int],
    sides: Mapping[str, Callable[[float], bool]],
    policy: disclosure.Policy,
    cells: Cells | None,
) -> bool:
    """Whether answers taken in ``sides`` may be shown: k outside the largest, in people too."""
    if cells is None:
        return disclosure.distribution(counts, policy).shown
    people, _ = disclosure.people_behind(cells)
    apart = {
        side: disclosure.people_outside(cells, _given(cells, inside))
        for side, inside in sides.items()
    }
    return disclosure.distribution(counts, policy, people=people, apart=apart).shown


def likert_month(
    counts: Mapping[int, int], policy: disclosure.Policy, cells: Cells
) -> disclosure.Result:
    """A pulse item's month on the pulse page: its distribution, judged in people.

    ``counts``: answers 1-5 of the month (sessions); ``cells``: the released cells
    they add up. Everyone (or all but fewer than k people) giving one answer is
    hidden like a small group.
    """
    people, apart = disclosure.people_behind(cells)
    by_value = {int(v): c for v, c in apart.items()}
    return disclosure.distribution(dict(counts), policy, people=people, apart=by_value)


def share_favourable(
    histogram: Histogram, policy: disclosure.Policy, cells: Cells | None = None
) -> tuple[disclosure.Result, tuple[float, float] | None]:
    """% answering 4 or 5 and its Wilson interval (%), or the suppressed wording.

    With ``cells`` (a pulse month): shown exactly when the pulse page shows the
    month (:func:`likert_month`), whose shares of 4 and 5 it adds.
    """
    n = sum(histogram.values())
    yes = sum(c for v, c in histogram.items() if float(v) in FAVOURABLE)
    if cells is not None:
        counts = {int(float(v)): c for v, c in histogram.items()}
        if not likert_month(counts, policy, cells).shown:
            return policy.too_few(), None
    else:
        sides = {"yes": lambda v: v in FAVOURABLE, "no": lambda v: v not in FAVOURABLE}
        if not _sides({"yes": yes, "no": n - yes}, sides, policy, None):
            return policy.too_few(), None
    low, high = wilson_interval(yes, n)
    return disclosure.Shown(100.0 * yes / n, n), (100.0 * low, 100.0 * high)


def net(
    histogram: Histogram, policy: disclosure.Policy, cells: Cells | None = None
) -> tuple[disclosure.Result, tuple[float, float] | None]:
    """The net score (points) and its interval, or the suppressed wording."""
    promoters, passives, detractors = net_score_groups(histogram)
    sides = {
        "promoters": lambda v: v >= PROMOTER_MIN,
        "passives": lambda v: DETRACTOR_MAX < v < PROMOTER_MIN,
        "detractors": lambda v: v <= DETRACTOR_MAX,
    }
    counts = {"promoters": promoters, "passives": passives, "detractors": detractors}
    if not _sides(counts, sides, policy, cells):
        return policy.too_few(), None
    result = net_score(histogram)
    return disclosure.Shown(result.score, result.n), result.interval


def mean(
    histogram: Histogram, policy: disclosure.Policy, cells: Cells | None = None
) -> disclosure.Result:
    """The mean score, hidden (as on the pulse page) when one answer all but fills it."""
    n = sum(histogram.values())
    total = sum(float(v) * c for v, c in histogram.items())
    if cells is None:
        if not disclosure.distribution(dict(histogram), policy).shown:
            return policy.too_few()
        return disclosure.mean(total, n, policy)
    people, apart = disclosure.people_behind(cells)
    by_value = {float(v): c for v, c in apart.items()}
    if not disclosure.distribution(dict(histogram), policy, people=people, apart=by_value).shown:
        return policy.too_few()
    return disclosure.mean(total, n, policy, people=people)


def decide(
    kind: str, histogram: Histogram, policy: disclosure.Policy, cells: Cells | None = None
) -> tuple[disclosure.Result, tuple[float, float] | None]:
    """A figure of ``kind`` (:data:`~surveys.reports.headline_values.KINDS`) and its interval."""
    if kind == "favourable":
        return share_favourable(histogram, policy, cells)
    if kind == "net":
        return net(histogram, policy, cells)
    return mean(histogram, policy, cells), None
