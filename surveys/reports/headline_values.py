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


def _optional(data: Any, name: str) -> float | None:
    value = data.get(name)
    return None if value is None else codec.as_number(value)


def _pair(value: object) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise codec.Malformed("an interval has two bounds")
    return (codec.as_number(value[0]), codec.as_number(value[1]))


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "outcome": self.outcome,
            "label": self.label,
            "comparison": self.comparison,
            "primary": self.primary,
            "sentence": self.sentence,
            "refused": self.refused,
            "direction": self.direction,
            "estimate": self.estimate,
            "interval": list(self.interval) if self.interval else None,
            "effect_name": self.effect_name,
            "effect": self.effect,
            "effect_interval": list(self.effect_interval) if self.effect_interval else None,
            "pvalue": self.pvalue,
            "pvalue_adjusted": self.pvalue_adjusted,
            "n": [[group, n] for group, n in self.n],
            "mde": self.mde,
            "power_note": self.power_note,
            "link": self.link.to_dict(),
        }

    @classmethod
    def from_dict(cls, value: object) -> PlannedFinding:
        data = codec.obj(value)
        flags = [data.get("primary"), data.get("refused")]
        if not all(isinstance(f, bool) for f in flags):
            raise codec.Malformed("'primary' and 'refused' are true or false")
        sizes = []
        for pair in codec.items(data, "n"):
            if not isinstance(pair, list) or len(pair) != 2:
                raise codec.Malformed("n holds [group, count] pairs")
            sizes.append((codec.as_text(pair[0]), codec.as_integer(pair[1])))
        return cls(
            codec.integer(data, "order"),
            codec.text(data, "outcome"),
            codec.text(data, "label"),
            codec.text(data, "comparison"),
            bool(flags[0]),
            codec.text(data, "sentence"),
            bool(flags[1]),
            codec.text(data, "direction"),
            _optional(data, "estimate"),
            _pair(data.get("interval")),
            codec.text(data, "effect_name"),
            _optional(data, "effect"),
            _pair(data.get("effect_interval")),
            _optional(data, "pvalue"),
            _optional(data, "pvalue_adjusted"),
            tuple(sizes),
            _optional(data, "mde"),
            codec.text(data, "power_note"),
            Link.from_dict(data.get("link")),
        )


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": codec.policy_to_dict(self.policy),
            "cards": [c.to_dict() for c in self.cards],
            "planned": [f.to_dict() for f in self.planned],
            "plan": self.plan,
            "as_of": self.as_of,
        }

    @classmethod
    def from_dict(cls, value: object) -> Headline:
        data = codec.obj(value)
        return cls(
            codec.policy_from_dict(data.get("policy")),
            [Card.from_dict(c) for c in codec.items(data, "cards")],
            [PlannedFinding.from_dict(f) for f in codec.items(data, "planned")],
            codec.text(data, "plan"),
            codec.text(data, "as_of") if "as_of" in data else "",
        )
