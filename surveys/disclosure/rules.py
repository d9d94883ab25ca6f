"""Aggregate rules: minimum group size and complementary suppression.

A number is either :class:`Shown` (a value and the n it describes) or
:class:`Suppressed` (a reason, and no number at all), so a template or a JSON
encoder cannot print a hidden value by accident. See the package docstring
for the rules themselves.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

#: Free-text comments need at least this many respondents, whatever k is.
COMMENT_MIN = 10


@dataclass(frozen=True)
class Shown:
    """A number that may be shown, and how many people it describes."""

    value: float
    n: int

    shown = True


@dataclass(frozen=True)
class Suppressed:
    """A hidden number: only the reason is kept, so nothing can leak it."""

    reason: str

    shown = False


Result = Shown | Suppressed

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Policy:
    """The thresholds in force for one firm."""

    k: int
    comment_min: int = COMMENT_MIN

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")

    @classmethod
    def for_firm(cls, firm_min_group_size: int | None, default_k: int) -> Policy:
        return cls(firm_min_group_size or default_k)

    def too_few(self) -> Suppressed:
        return Suppressed(f"suppressed (fewer than {self.k})")


def _few_people(people: int | None, policy: Policy) -> bool:
    """Whether a figure known to rest on ``people`` people (None: n are people) is too few."""
    return people is not None and people < policy.k


def count(n: int, policy: Policy, *, people: int | None = None) -> Result:
    """A head count (responses, people, meetings' participants).

    ``people``: when the n counted are sessions (pulses), how many distinct
    people they are known to be at least; the count is shown only when those
    people reach k as well (one person's four sessions are one person).
    """
    if n < policy.k or _few_people(people, policy):
        return policy.too_few()
    return Shown(n, n)


def mean(total: float, n: int, policy: Policy, *, people: int | None = None) -> Result:
    """An average score over n answers (``people``: as in :func:`count`)."""
    if n < policy.k or _few_people(people, policy):
        return policy.too_few()
    return Shown(total / n, n)


def rate(part: int, whole: int, policy: Policy) -> Result:
    """A percentage (e.g. a response rate): both the part and the whole need k people."""
    if part < 0 or whole < part:
        raise ValueError(f"a rate needs 0 <= part <= whole, got {part}/{whole}")
    if whole < policy.k or part < policy.k:
        return policy.too_few()
    return Shown(100.0 * part / whole, whole)


def comments(n: int, policy: Policy, *, people: int | None = None) -> Result:
    """Whether free-text comments from n respondents (``people``: at least that many
    distinct people, when the respondents are sessions) may be shown."""
    needed = max(policy.comment_min, policy.k)
    if n >= needed and (people is None or people >= needed):
        return Shown(n, n)
    return Suppressed(f"suppressed (comments need at least {needed} respondents)")


@dataclass(frozen=True)
class Breakdown(Generic[K]):
    """A breakdown after suppression: each cell, and the total."""

    cells: dict[K, Result]
    total: Result


def breakdown(counts: Mapping[K, int], policy: Policy) -> Breakdown[K]:
    """Counts per category plus their total, with primary and complementary suppression.

    Cells below k are hidden. While the hidden cells could be worked out from
    the total -- exactly one is hidden, or together they hold fewer than k --
    the smallest cell still shown is hidden too. When the total itself is below
    k, everything is hidden.
    """
    if any(n < 0 for n in counts.values()):
        raise ValueError("counts cannot be negative")
    total_n = sum(counts.values())
    if total_n < policy.k:
        return Breakdown({key: policy.too_few() for key in counts}, policy.too_few())
    hidden = {key for key, n in counts.items() if n < policy.k}
    by_size = sorted(counts, key=lambda key: (counts[key], str(key)))
    while hidden and (len(hidden) == 1 or sum(counts[key] for key in hidden) < policy.k):
        hidden.add(next(key for key in by_size if key not in hidden))
    # One reason for every hidden cell: telling the small ones from their complements
    # would tell an attacker which hidden cells hold k or more.
    hidden_reason = Suppressed(
        f"suppressed (fewer than {policy.k}, or hidden so that a smaller cell cannot be "
        "worked out by subtraction)"
    )
    cells: dict[K, Result] = {}
    for key, n in counts.items():
        if key not in hidden:
            cells[key] = Shown(n, n)
        else:
            cells[key] = hidden_reason
    return Breakdown(cells, Shown(total_n, total_n))


def distribution(
    counts: Mapping[K, int],
    policy: Policy,
    n: int | None = None,
    *,
    people: int | None = None,
    apart: Mapping[K, int] | None = None,
) -> Result:
    """A distribution of ``n`` people over answers (a histogram, Likert bars, shares).

    **No group attribute disclosure** (PRODUCT.md 2.3), in the spirit of
    l-diversity: the distribution is shown only when at least k people gave an
    answer other than the most common one, ``n - max(counts) >= k``. So "all 5
    answered 4" is refused, and so is "all but two answered 4" (the two would be
    a group below k, and anyone known to be in the group is all but certainly a
    4). ``n`` defaults to the sum of the counts; pass the respondents when some
    gave no answer (they count as one more answer, "none").

    Refused exactly like a small group -- :meth:`Policy.too_few`, the same
    wording -- so the reason itself tells nothing. Pure over (counts, k): a
    precompute step may call it once per release.

    **People, not sessions** (pulses). When the counts are sessions, pass
    ``people`` (at least this many distinct people gave them) and ``apart``
    (per answer, at least this many people gave some *other* answer): then
    the people must reach k, and so must the people apart from every answer
    given -- "all but fewer than k people answered 4" is refused even when
    their sessions number more. An answer missing from ``apart`` counts 0.
    """
    if any(c < 0 for c in counts.values()):
        raise ValueError("counts cannot be negative")
    total = sum(counts.values()) if n is None else n
    if total < sum(counts.values()):
        raise ValueError("n cannot be smaller than the counts it holds")
    modal = max([*counts.values(), total - sum(counts.values())], default=0)
    if total < policy.k or total - modal < policy.k:
        return policy.too_few()
    if people is not None:
        given = [key for key, c in counts.items() if c]
        if people < policy.k or any((apart or {}).get(key, 0) < policy.k for key in given):
            return policy.too_few()
    return Shown(total, total)


def options(
    counts: Mapping[K, int],
    n: int,
    policy: Policy,
    *,
    exclusive: bool,
    people: Mapping[K, int] | None = None,
    apart: Mapping[K, int] | None = None,
    respondents: int | None = None,
) -> Breakdown[K]:
    """How many of ``n`` respondents chose each option of a choice question.

    ``counts`` lists *every* option of the question, 0 included. An option is
    shown only when at least k chose it and at least k did not
    (``k <= c <= n - k``): an option chosen by everyone, or by all but a few, is
    the homogeneous case of :func:`distribution`, and an option at 0 is never
    shown as a proven 0 (it is hidden like any option below k, with the same
    wording), so the listing never proves that nobody chose an option a known
    member might have chosen.

    ``exclusive`` (single choice): the options add up to the respondents who
    answered, so hidden options could be worked out, or proved 0, by
    subtraction. Complementary suppression then hides more options, smallest
    first, until the hidden options together with the non-answers hold at least
    k people (or nothing is hidden). Multiple-choice options overlap, so no sum
    gives a hidden one away and none is needed.

    When the whole distribution is refused (:func:`distribution`: n below k, or
    fewer than k outside the most common option) everything, n included, is
    hidden, exactly like a small group.

    **People, not sessions** (pulses): with ``people`` (per option, at least
    this many distinct people chose it), ``apart`` (at least this many people
    gave a response without it) and ``respondents`` (the distinct people behind
    n), the same rule is applied in people as well: an option is shown only
    when both its people and the people apart from it reach k, and n only when
    ``respondents`` does. Options missing from the mappings count 0 people.
    Hidden options of a single-choice question are then hidden further, until
    one hidden option alone is known to hold k people.
    """
    if any(c < 0 for c in counts.values()) or any(c > n for c in counts.values()):
        raise ValueError("an option count must lie between 0 and n")
    counted = people is not None
    whole = distribution(counts, policy, n) if exclusive else count(n, policy, people=respondents)
    if exclusive and counted and _few_people(respondents or 0, policy):
        whole = policy.too_few()
    if isinstance(whole, Suppressed):
        return Breakdown({key: whole for key in counts}, whole)
    hidden = {key for key, c in counts.items() if not policy.k <= c <= n - policy.k}
    if counted:
        chose, other = people or {}, apart or {}
        hidden |= {key for key in counts if min(chose.get(key, 0), other.get(key, 0)) < policy.k}
    if exclusive:
        by_size = sorted(counts, key=lambda key: (counts[key], str(key)))

        def remainder_too_small() -> bool:
            if n - sum(c for key, c in counts.items() if key not in hidden) < policy.k:
                return True
            return counted and max((people or {}).get(key, 0) for key in hidden) < policy.k

        while hidden and len(hidden) < len(counts) and remainder_too_small():
            hidden.add(next(key for key in by_size if key not in hidden))
    cells: dict[K, Result] = {
        key: policy.too_few() if key in hidden else Shown(c, c) for key, c in counts.items()
    }
    return Breakdown(cells, whole)
