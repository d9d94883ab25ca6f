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
from typing import Any

from surveys import disclosure
from surveys.reports import codec

#: What a figure's value is: a % favourable (0-100), a mean score, or a net score (points).
KINDS = ("favourable", "mean", "net")


@dataclass(frozen=True)
class Link:
    """A dashboard page of the same programme (``pulse``, ``compare`` ...), its query, anchor."""

    page: str
    query: tuple[tuple[str, str], ...] = ()
    anchor: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "query": [list(p) for p in self.query], "anchor": self.anchor}

    @classmethod
    def from_dict(cls, value: object) -> Link:
        data = codec.obj(value)
        pairs = []
        for pair in codec.items(data, "query"):
            if not isinstance(pair, list) or len(pair) != 2:
                raise codec.Malformed("a query holds [name, value] pairs")
            pairs.append((codec.as_text(pair[0]), codec.as_text(pair[1])))
        return cls(codec.text(data, "page"), tuple(pairs), codec.text(data, "anchor"))


def _interval_from(value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise codec.Malformed("an interval has two bounds")
    return (codec.as_number(value[0]), codec.as_number(value[1]))


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

    @property
    def change(self) -> float | None:
        """This period minus the one before, when both are shown."""
        if isinstance(self.value, disclosure.Shown) and isinstance(self.previous, disclosure.Shown):
            return float(self.value.value) - float(self.previous.value)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "kind": self.kind,
            "period": self.period,
            "value": codec.result_to_dict(self.value),
            "previous_period": self.previous_period,
            "previous": codec.result_to_dict(self.previous),
            "interval": list(self.interval) if self.interval is not None else None,
            "link": self.link.to_dict(),
        }

    @classmethod
    def from_dict(cls, value: object) -> Figure:
        data = codec.obj(value)
        kind = codec.text(data, "kind")
        if kind not in KINDS:
            raise codec.Malformed(f"not a kind of figure: {kind!r}")
        return cls(
            codec.text(data, "label"),
            kind,
            codec.text(data, "period"),
            codec.result_from_dict(data.get("value")),
            codec.text(data, "previous_period"),
            codec.result_from_dict(data.get("previous")),
            _interval_from(data.get("interval")),
            Link.from_dict(data.get("link")),
        )


@dataclass(frozen=True)
class Card:
    """A group of figures (one pulse, the climate survey); ``note`` says why it is empty."""

    id: str
    title: str
    figures: list[Figure]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "figures": [f.to_dict() for f in self.figures],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, value: object) -> Card:
        data = codec.obj(value)
        return cls(
            codec.text(data, "id"),
            codec.text(data, "title"),
            [Figure.from_dict(f) for f in codec.items(data, "figures")],
            codec.text(data, "note"),
        )


@dataclass(frozen=True)
class Finding:
    """One comparison: the engine's sentence, or the reason none could be given."""

    label: str
    sentence: str
    refused: bool
    #: The p-value adjusted across its family (Holm), when a test ran.
    pvalue_adjusted: float | None
    link: Link

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "sentence": self.sentence,
            "refused": self.refused,
            "pvalue_adjusted": self.pvalue_adjusted,
            "link": self.link.to_dict(),
        }

    @classmethod
    def from_dict(cls, value: object) -> Finding:
        data = codec.obj(value)
        refused = data.get("refused")
        if not isinstance(refused, bool):
            raise codec.Malformed("'refused' is true or false")
        p = data.get("pvalue_adjusted")
        return cls(
            codec.text(data, "label"),
            codec.text(data, "sentence"),
            refused,
            None if p is None else codec.as_number(p),
            Link.from_dict(data.get("link")),
        )


@dataclass(frozen=True)
class Headline:
    """The headline of one programme at one release: cards of figures and the findings."""

    policy: disclosure.Policy
    cards: list[Card]
    #: Participants vs the comparison group on the climate index (latest round).
    versus: list[Finding]
    #: Before vs after (difference-in-differences), one per climate item.
    before_after: list[Finding]
    #: The one month every pulse row is shown as of ("" before any pulse was released).
    as_of: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": codec.policy_to_dict(self.policy),
            "cards": [c.to_dict() for c in self.cards],
            "versus": [f.to_dict() for f in self.versus],
            "before_after": [f.to_dict() for f in self.before_after],
            "as_of": self.as_of,
        }

    @classmethod
    def from_dict(cls, value: object) -> Headline:
        data = codec.obj(value)
        return cls(
            codec.policy_from_dict(data.get("policy")),
            [Card.from_dict(c) for c in codec.items(data, "cards")],
            [Finding.from_dict(f) for f in codec.items(data, "versus")],
            [Finding.from_dict(f) for f in codec.items(data, "before_after")],
            codec.text(data, "as_of") if "as_of" in data else "",
        )
