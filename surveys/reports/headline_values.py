"""What the headline shows, as values with their JSON form (:mod:`surveys.reports.headline`
builds them; :mod:`surveys.reports.cache` stores them once per release).

A :class:`Figure` is one score in two periods (this month or round and the one
before), each a disclosed number, with the interval of the latest when it is
shown. A :class:`Finding` is one comparison from the comparison builder as the
engine's sentence (or the reason it was refused). Each carries a :class:`Link`
to the detail page that shows the same number.
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
class Finding:
    """One comparison: the engine's sentence, or the reason none could be given."""

    label: str
    sentence: str
    refused: bool
    #: The p-value adjusted across its family (Holm), when a test ran.
    pvalue_adjusted: float | None
    link: Link


@dataclass(frozen=True)
class Headline:
    """The headline of one programme at one release: cards of figures and the findings."""

    policy: disclosure.Policy
    cards: list[Card]
    #: Participants vs the comparison group on the climate index (latest round).
    versus: list[Finding]
    #: Before vs after (difference-in-differences), one per climate item.
    before_after: list[Finding]
