"""The missing-value codes of a research bundle, the same in every format.

A blank cell used to mean three things; now each reason has its own code.
Numeric answer columns carry the code itself; coded text columns (the
quasi-identifiers and other categoricals) carry it where their value is
missing. Each format declares the codes its own way: user-missing values in
``.sav``, extended missing values ``.a``-``.d`` in ``.dta``, ``missingValues``
in ``datapackage.json``; the codebook explains them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A question that does not apply to this respondent (e.g. a follow-up to another answer).
NOT_APPLICABLE = -96
#: A value blanked by disclosure control (its group was smaller than k).
SUPPRESSED = -97
#: A question not in the survey version this respondent answered.
NOT_ASKED = -98
#: A question asked but left unanswered.
NOT_ANSWERED = -99


@dataclass(frozen=True)
class MissingCode:
    code: int
    label: str
    #: Stata's extended missing value for this code (.a to .d).
    stata: str


CODES: tuple[MissingCode, ...] = (
    MissingCode(NOT_APPLICABLE, "not applicable", ".a"),
    MissingCode(SUPPRESSED, "suppressed by disclosure control", ".b"),
    MissingCode(NOT_ASKED, "not asked", ".c"),
    MissingCode(NOT_ANSWERED, "not answered", ".d"),
)
#: code -> label
LABELS: dict[int, str] = {c.code: c.label for c in CODES}
#: The lowest and highest code: one user-missing range covers them all.
LOWEST, HIGHEST = min(LABELS), max(LABELS)
