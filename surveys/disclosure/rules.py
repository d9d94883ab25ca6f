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


def count(n: int, policy: Policy) -> Result:
    """A head count (responses, people, meetings' participants)."""
    return Shown(n, n) if n >= policy.k else policy.too_few()


def mean(total: float, n: int, policy: Policy) -> Result:
    """An average score over n answers."""
    return Shown(total / n, n) if n >= policy.k else policy.too_few()


def rate(part: int, whole: int, policy: Policy) -> Result:
    """A percentage (e.g. a response rate): both the part and the whole need k people."""
    if part < 0 or whole < part:
        raise ValueError(f"a rate needs 0 <= part <= whole, got {part}/{whole}")
    if whole < policy.k or part < policy.k:
        return policy.too_few()
    return Shown(100.0 * part / whole, whole)


def comments(n: int, policy: Policy) -> Result:
    """Whether free-text comments from n respondents may be shown."""
    needed = max(policy.comment_min, policy.k)
    if n >= needed:
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


def distribution(counts: Mapping[K, int], policy: Policy, n: int | None = None) -> Result:
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
    """
    if any(c < 0 for c in counts.values()):
        raise ValueError("counts cannot be negative")
    total = sum(counts.values()) if n is None else n
    if total < sum(counts.values()):
        raise ValueError("n cannot be smaller than the counts it holds")
    modal = max([*counts.values(), total - sum(counts.values())], default=0)
    if total < policy.k or total - modal < policy.k:
        return policy.too_few()
    return Shown(total, total)


def options(
    counts: Mapping[K, int],
    n: int,
    policy: Policy,
    *,
    exclusive: bool,
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
    """
    if any(c < 0 for c in counts.values()) or any(c > n for c in counts.values()):
        raise ValueError("an option count must lie between 0 and n")
    whole = distribution(counts, policy, n) if exclusive else count(n, policy)
    if isinstance(whole, Suppressed):
        return Breakdown({key: whole for key in counts}, whole)
    hidden = {key for key, c in counts.items() if not policy.k <= c <= n - policy.k}
    if exclusive:
        by_size = sorted(counts, key=lambda key: (counts[key], str(key)))

        def remainder() -> int:
            return n - sum(c for key, c in counts.items() if key not in hidden)

        while hidden and remainder() < policy.k:
            hidden.add(next(key for key in by_size if key not in hidden))
    cells: dict[K, Result] = {
        key: policy.too_few() if key in hidden else Shown(c, c) for key, c in counts.items()
    }
    return Breakdown(cells, whole)
