"""What a comparison-builder request may ask for, and its parsing from a query string.

The dashboard's comparison builder is a plain GET form: the query string is
the whole state, so a URL can be shared. This module lists the outcomes and
comparisons on offer and turns the query string into a checked
:class:`BuilderRequest`; anything it cannot use is refused with one sentence
(:class:`BadQuery`, a 400), never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from surveys.definitions import CLIMATE, PULSE_FOR_ROLE, catalogue
from surveys.reports.builder.comparisons import COMPARISONS, HR_COMPARISONS, TWO_ROUNDS
from surveys.reports.two_cohorts import TESTS
from surveys.services.errors import ServiceError
from surveys.stats.multiplicity import METHODS


class BadQuery(ServiceError):
    """A query string the builder cannot use (400: the person can correct the URL)."""

    status = 400


SURVEY_COMPARISONS = frozenset(COMPARISONS)
INDEX = "index:climate"
MAX_OUTCOMES = 8


@dataclass(frozen=True)
class Outcome:
    """One thing a comparison can be about: a question, the climate index or an HR outcome."""

    key: str
    label: str
    #: "question", "index" or "hr"
    kind: str
    #: "climate" or "pulse" for questions and the index; "retention"/"promotion" for HR.
    source: str
    question_key: str
    comparisons: frozenset[str]
    #: The answer scale in words ("1–5", "0–10"); "" for HR outcomes.
    scale: str = ""


@cache
def climate_index_items() -> tuple[str, ...]:
    """The climate survey's Likert items: the index is their mean."""
    return tuple(q.key for q in catalogue().current(CLIMATE).questions if q.type == "likert5")


@cache
def outcomes() -> dict[str, Outcome]:
    """Every outcome the builder offers, keyed by its query-string value."""
    found: dict[str, Outcome] = {}
    climate = catalogue().current(CLIMATE)
    for q in climate.questions:
        if q.kind.scored:
            key = f"climate:{q.key}"
            found[key] = Outcome(
                key,
                f"Climate: {q.text}",
                "question",
                "climate",
                q.key,
                SURVEY_COMPARISONS,
                q.kind.scale_label,
            )
    found[INDEX] = Outcome(
        INDEX,
        "Climate index (mean of the climate survey's Likert items)",
        "index",
        "climate",
        "",
        # No per-person index and no per-cell index: no DiD (raw values) and no matching.
        frozenset({"participants", "mentors-mentees", "benchmark"}),
        "1–5",
    )
    pulses = [catalogue().current(key) for key in PULSE_FOR_ROLE.values()]
    shared = [
        q
        for q in pulses[0].questions
        if q.kind.scored and any(o.key == q.key and o.type == q.type for o in pulses[1].questions)
    ]
    for q in shared:
        key = f"pulse:{q.key}"
        found[key] = Outcome(
            key,
            f"Session pulse: {q.key.replace('_', ' ')} (0-10, asked of mentors and mentees)",
            "question",
            "pulse",
            q.key,
            frozenset({"mentors-mentees"}),
            q.kind.scale_label,
        )
    found["hr:retention"] = Outcome(
        "hr:retention", "Retention: time to leaving the firm", "hr", "retention", "", HR_COMPARISONS
    )
    found["hr:promotion"] = Outcome(
        "hr:promotion", "Promotion: time to first promotion", "hr", "promotion", "", HR_COMPARISONS
    )
    return found


@dataclass(frozen=True)
class BuilderRequest:
    outcomes: tuple[str, ...]
    comparison: str
    #: The climate round compared (all comparisons but did); None = the latest.
    round_id: int | None = None
    #: The before and after rounds of a difference-in-differences; None = first / last.
    baseline_id: int | None = None
    followup_id: int | None = None
    test: str = "welch"
    adjust: str = "holm"
    #: "Left (or promoted) within N months" for HR outcomes.
    months: int = 12
    #: The months pulses are read over ("2026-02", ...): a research export's, never the
    #: query string's; None = every month of the programme, as the dashboard reads them.
    pulse_months: tuple[str, ...] | None = None


def allowed_for(outcome: Outcome) -> str:
    """The comparisons an outcome allows, in words, in the form's order."""
    return ", ".join(COMPARISONS[c] for c in COMPARISONS if c in outcome.comparisons)


def _one(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v for v in args.get(name, []) if v != ""]
    if len(values) > 1:
        raise BadQuery(f"'{name}' was given {len(values)} times; give it once")
    return values[0] if values else None


def _int(args: Mapping[str, Sequence[str]], name: str, low: int, high: int) -> int | None:
    text = _one(args, name)
    if text is None:
        return None
    if not re.fullmatch(r"[0-9]{1,10}", text) or not low <= int(text) <= high:
        raise BadQuery(f"'{name}' must be a whole number from {low} to {high}, not {text[:40]!r}")
    return int(text)


#: The form's fields: a query string with any of them but no outcome was a submitted form.
FIELDS = ("outcome", "comparison", "round", "baseline", "followup", "test", "adjust", "months")


def parse_request(args: Mapping[str, Sequence[str]]) -> BuilderRequest | None:
    """The request a query string describes; None before the form was sent.

    A form sent with no outcome ticked is refused (the page says so on the
    form), rather than shown again as if nothing had been asked.
    """
    chosen = list(dict.fromkeys(v for v in args.get("outcome", []) if v != ""))
    if not chosen:
        if any(name in args for name in FIELDS):
            raise BadQuery("choose at least one outcome to compare")
        return None
    known = outcomes()
    for key in chosen:
        if key not in known:
            raise BadQuery(
                f"there is no outcome {key[:60]!r}; choose from the list on the comparison page"
            )
    if len(chosen) > MAX_OUTCOMES:
        raise BadQuery(f"choose at most {MAX_OUTCOMES} outcomes at once")
    comparison = _one(args, "comparison") or "participants"
    if comparison not in COMPARISONS:
        raise BadQuery(f"'comparison' must be one of {', '.join(COMPARISONS)}")
    wrong = [known[key] for key in chosen if comparison not in known[key].comparisons]
    if wrong:
        raise BadQuery(
            "; ".join(
                f"{o.label.rstrip('.')} cannot be compared as '{COMPARISONS[comparison]}' "
                f"(only as: {allowed_for(o)})"
                for o in wrong
            )
            + (". Untick it" if len(wrong) == 1 else ". Untick them")
            + ", or choose a comparison every ticked outcome allows"
        )
    test = _one(args, "test") or "welch"
    if test not in TESTS:
        raise BadQuery(f"'test' must be one of {', '.join(TESTS)}")
    adjust = _one(args, "adjust") or "holm"
    if adjust not in METHODS:
        raise BadQuery(f"'adjust' must be one of {', '.join(METHODS)}")
    top = 2**31 - 1
    request = BuilderRequest(
        outcomes=tuple(chosen),
        comparison=comparison,
        round_id=_int(args, "round", 1, top),
        baseline_id=_int(args, "baseline", 1, top),
        followup_id=_int(args, "followup", 1, top),
        test=test,
        adjust=adjust,
        months=_int(args, "months", 1, 120) or 12,
    )
    if (
        request.baseline_id is not None
        and request.baseline_id == request.followup_id
        and comparison in TWO_ROUNDS
    ):
        raise BadQuery("the baseline and follow-up rounds must be different rounds")
    return request
