"""Why a figure is hidden, and when it may appear, in plain words (issue 22).

A :class:`~surveys.disclosure.rules.Suppressed` figure carries a short reason
(``suppressed (fewer than 5)``). :func:`why` says which rule hides it in plain
words, the same for every rule whose own reason could give something away:
a small group and a group whose members (all but fewer than k) gave one answer
read alike -- "not enough people yet" -- as PRODUCT.md 2.3 requires.
:func:`when` says when such a figure may appear: after the next mixer pass,
once roughly k more people have answered. The number is computed from k only,
never from how many answered so far, so it cannot tell a group of 2 from one
of 4, nor a small group from one that all gave the same answer.
"""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["NOT_YET", "waits_for_people", "when", "why"]

#: The plain name of the rule that hides small (and near-uniform) groups.
NOT_YET = "Not enough people yet"


def waits_for_people(reason: str) -> bool:
    """Whether more answers can lift ``reason`` (a small or near-uniform group, comments)."""
    return reason.startswith("suppressed (")


def why(reason: str, k: int | None = None) -> str:
    """The rule that hides a figure, in plain words, for its short ``reason``.

    ``k``: the threshold in force; read from the reason ("fewer than 5") when not given.
    """
    if k is None:
        found = re.search(r"fewer than (\d+)", reason)
        k = int(found.group(1)) if found else 0
    if reason.startswith("suppressed (comments need at least"):
        needed = reason.removeprefix("suppressed (comments need at least ").split(" ")[0]
        return f"{NOT_YET}: comments are shown once at least {needed} people have answered."
    if "worked out by subtraction" in reason:
        return (
            f"{NOT_YET}, or hidden with a smaller group: fewer than {k} people (or fewer "
            f"than {k} who gave another answer than the most common one), or hidden too so "
            "that such a group cannot be worked out by subtracting what is shown from a total."
        )
    if reason.startswith("suppressed (fewer than") and "followed" in reason:
        return f"{NOT_YET}: fewer than {k} people are still followed at this point."
    if reason.startswith("suppressed ("):
        return (
            f"{NOT_YET}: fewer than {k} people, or fewer than {k} who gave another answer "
            "than the most common one (both read the same, so the reason tells nothing)."
        )
    if reason.startswith("refused: released at a different time"):
        return (
            "Hidden because it was released at another time than a figure shown beside it, "
            "so their difference would describe a few answers."
        )
    if reason.startswith("refused: differs from"):
        return (
            f"Hidden because it differs from a figure shown beside it by fewer than {k} "
            "people, so subtracting one from the other would describe them."
        )
    return reason[:1].upper() + reason[1:]


def when(reason: str, k: int, next_pass: datetime | None, interval_hours: int) -> str:
    """When a figure hidden for ``reason`` may appear ("" when more answers cannot help)."""
    if not waits_for_people(reason):
        return ""
    at = (
        f"after the next mixer pass (due {next_pass:%Y-%m-%d %H:%M} UTC)"
        if next_pass is not None
        else f"after a mixer pass (one runs every {interval_hours} hours)"
    )
    return f"It may appear {at}, once roughly {k} more people have answered."
