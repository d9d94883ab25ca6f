"""What the headline shows, as values with their JSON form (:mod:`surveys.reports.headline`
builds them; :mod:`surveys.reports.cache` stores them once per release).

A :class:`Figure` is one score in two periods (this month or round and the one
before), each a disclosed number, with the interval of the latest when it is
shown. A :class:`PlannedFinding` is one
comparison of the evaluation plan. Each carries a :class:`Link` to the detail
page that shows the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import disclosure

#: What a figure's value is: a % favourable (0-100), a mean score, or a net score (points).
KINDS = ("favourable", "mean", "net")


@dataclass(frozen=True)
class Link:
    """A dashboard page of the same programme (``pulse``, ``compare`` ...), its query, anchor."""

    page: str
    query: tuple[tuple[str, str], ...] = ()
    anchor: str = ""


@dataclass(frozen=True)
class Figure:
    """One headline score: its value this period and the period before, both disclosed."""

    label: str
    #: One of :data:`KINDS`.
    kind: str
    #: "2026-08", or a climate round's label.
    period: str
    value: disclosure.Result
    #: The period before ("" when there is none) and its value there.
    previous_period: str
    previous: disclosure.Result
    #: 95% interval of ``value`` (same units) when shown: Wilson for a share, Rocks'
    #: adjusted Wald for a net score; None for a mean.
    interval: tuple[float, float] | None
    link: Link

    def __post_init__(self) -> None:
        if self.kind not in KINDS:  # a stored row read back must say one of them
            raise ValueError(f"not a kind of figure: {self.kind!r}")

    @property
    def change(self) -> float | None:
        """This period minus the one before, when both are shown."""
        if isinstance(self.value, disclosure.Shown) and isinstance(self.previous, disclosure.Shown):
            return float(self.value.value) - float(self.previous.value)
        return None


@dataclass(frozen=True)
class Card:
    """A group of figures (one pulse, the climate survey); ``note`` says why it is empty."""

    id: str
    title: str
    figures: list[Figure]
    note: str = ""


@dataclass(frozen=True)
class PlannedFinding:
    """A planned comparison's result (or the reason there is none), in the plan's terms."""

    #: Its place in the plan (1-based) and what is compared.
    order: int
    outcome: str
    label: str
    comparison: str
    primary: bool
    #: The engine's sentence, or the reason no test could be run.
    sentence: str
    refused: bool
    #: The direction in words ("Participants lower than the comparison group"); "" without
    #: a result.
    direction: str
    #: The difference in the outcome's units (points; for a rank test P(X<Y)) and its 95% CI.
    estimate: float | None
    interval: tuple[float, float] | None
    #: Standardised effect (name, value, CI).
    effect_name: str
    effect: float | None
    effect_interval: tuple[float, float] | None
    pvalue: float | None
    #: Corrected across the whole plan.
    pvalue_adjusted: float | None
    #: People behind each group compared: [(group, n)].
    n: tuple[tuple[str, int], ...]
    #: The smallest d detectable with 80% power at the sizes reached (None if unknown).
    mde: float | None
    #: The plan's stated power for this comparison, in words.
    power_note: str
    link: Link


@dataclass(frozen=True)
class Headline:
    """The headline of one programme at one release: cards of figures and the plan's findings."""

    policy: disclosure.Policy
    cards: list[Card]
    #: Every comparison of the evaluation plan, in the plan's order
    #: (:mod:`surveys.reports.headline_findings`).
    planned: list[PlannedFinding]
    #: The plan in words: which version, declared or default, frozen when.
    plan: str
    #: The one month every pulse row is shown as of ("" before any pulse was released).
    as_of: str = ""
