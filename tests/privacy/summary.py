"""What each attack achieved, collected across the privacy tests and printed at the end.

Each test calls :func:`record` with how many responses it linked to fewer than
k people out of how many it attacked; :mod:`tests.privacy.conftest` prints one
line per attack in the terminal summary, for the closing note to quote.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Tally:
    linked: int = 0
    attacked: int = 0
    runs: int = 0


#: attack name -> totals over every run (both databases, every cohort).
TALLIES: dict[str, Tally] = {}


def record(attack: str, linked: int, attacked: int) -> None:
    """Add one run of ``attack``: ``linked`` of ``attacked`` responses below k."""
    tally = TALLIES.setdefault(attack, Tally())
    tally.linked += linked
    tally.attacked += attacked
    tally.runs += 1


def lines() -> list[str]:
    return [
        f"attack: {name} — linked {t.linked} of {t.attacked} responses below k"
        f" ({t.runs} run{'s' if t.runs != 1 else ''})"
        for name, t in TALLIES.items()
    ]
