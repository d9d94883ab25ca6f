"""The comparisons the builder offers: one table, one row per comparison.

Everything that differs between comparisons is a column here, so a new comparison is
one row (and the function that runs it, named in :data:`surveys.reports.builder.COMPARE`,
which a unit test holds to this table's keys):

- ``label``: what the form and the page call it, in the form's order;
- ``hr``: offered for the HR outcomes (retention, promotion) as well;
- ``needs_rounds``: compares a before and an after climate round (difference-in-differences);
- ``family``: the research export's sides (:data:`surveys.reports.builder.plain.PAIRS`),
  or "" when the export's analysis does not carry it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    hr: bool = False
    needs_rounds: bool = False
    family: str = ""


TABLE: dict[str, Comparison] = {
    c.key: c
    for c in (
        Comparison(
            "participants", "Participants vs comparison group", hr=True, family="participants"
        ),
        Comparison(
            "matched",
            "Participants vs comparison group, matched on cohort (level, tenure, gender)",
        ),
        Comparison("mentors-mentees", "Mentors vs mentees", hr=True, family="mentors"),
        Comparison(
            "did",
            "Before vs after: difference-in-differences (participants vs comparison group)",
            needs_rounds=True,
            family="participants",
        ),
        Comparison(
            "paired",
            "Before vs after, the same people: paired test (longitudinal programmes)",
            needs_rounds=True,
        ),
        Comparison("benchmark", "This firm vs other firms pooled (benchmarking)"),
    )
}
#: key -> label, in the form's order.
COMPARISONS: dict[str, str] = {key: c.label for key, c in TABLE.items()}
HR_COMPARISONS: frozenset[str] = frozenset(key for key, c in TABLE.items() if c.hr)
#: Comparisons that read a before and an after climate round.
TWO_ROUNDS: frozenset[str] = frozenset(key for key, c in TABLE.items() if c.needs_rounds)
#: Comparison key -> the research export's family (its two sides), for those it carries.
FAMILIES: dict[str, str] = {key: c.family for key, c in TABLE.items() if c.family}
