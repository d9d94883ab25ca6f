"""The quasi-identifiers of an exported response and their generalisation hierarchies.

A response carries no practice area or office (its cohort snapshot is role,
level band, tenure band and gender group, the firm, the programme and the
date), so those are the quasi-identifiers, with the demographic answers of
the climate survey (gender, ethnicity), which describe the person too. Dates
are never exported finer than the month: a day could be matched against a
known meeting.
"""

from __future__ import annotations

from surveys.disclosure import Hierarchy
from surveys.domain.vocab import COHORT

#: Column order of a combination, as :func:`surveys.disclosure.anonymise_rows` sees it.
QUASI_IDENTIFIERS = ("survey", "firm", "programme", "month", *COHORT, "gender", "ethnicity")
#: Answers (single choice) that are quasi-identifiers, exported as released by the plan.
DEMOGRAPHIC_QUESTIONS = ("gender", "ethnicity")


def _quarter(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def _year(quarter: str) -> str:
    return quarter[:4]


def _participant(role: str) -> str:
    return "participant" if role in {"mentor", "mentee"} else role


def _level(band: str) -> str:
    return "junior-mid" if band in {"junior", "mid"} else band


def _tenure(band: str) -> str:
    return "<5y" if band in {"<2y", "2-5y"} else "5y+"


def _gender(group: str) -> str:
    return "another-undisclosed" if group in {"another", "undisclosed"} else group


def _gender_answer(option: str) -> str:
    return option if option in {"woman", "man"} else "another_or_not_said"


def _ethnicity_answer(option: str) -> str:
    if option in {"white", "prefer_not_to_say"}:
        return option
    return "minority_ethnic"


HIERARCHIES: tuple[Hierarchy, ...] = (
    # The survey names the table a row is in: part of every group, never blanked.
    Hierarchy("survey", suppressible=False),
    Hierarchy("firm"),
    Hierarchy("programme"),
    Hierarchy("month", (("quarter", _quarter), ("year", _year))),
    Hierarchy("role", (("participant or comparison", _participant),)),
    Hierarchy("level_band", (("junior-mid or senior", _level),)),
    Hierarchy("tenure_band", (("under or over 5 years", _tenure),)),
    Hierarchy("gender_group", (("woman, man, another-undisclosed", _gender),)),
    Hierarchy("gender", (("woman, man, another or not said", _gender_answer),)),
    Hierarchy("ethnicity", (("white, minority ethnic, prefer not to say", _ethnicity_answer),)),
)
