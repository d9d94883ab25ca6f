"""How many people stand behind each cell a mixer pass counts: lower bounds from person tags.

Pulses count sessions: a mentee with four meetings in a month answers four
pulses, so a cell's ``n`` (and each value's count) can be one person several
times over. The mixer opens each sealed submission with its *person tag*
(keyed, scoped to a tag period: the month of a pulse's week, or the round)
and drops the tag when it stores the answers. Before that,
:func:`headcounts` turns the tags of one pass into, per cell:

* ``people``: distinct people among the sessions counted in the cell (for the
  responses cell, the group's respondents; for a question, those who answered
  it; for an option, those who chose it);
* ``apart``: per value of the cell's histogram, distinct people with at least
  one counted session that gave a *different* answer -- another value of a
  scalar question, or (an option's value "1") a response of the same cohort
  and period without that option. The group attribute rule
  (:func:`surveys.disclosure.distribution`) needs these: "everyone (or all but
  fewer than k) gave 4" must be judged in people.

Soundness. Tags are compared only within one tag scope (the same person has
unrelated tags in two scopes), so each figure is the largest count within any
one scope: a lower bound whoever the people are. The tags of one pass are
compared across its batches, so a month cell counted from several weekly
batches of the same pass gets their union. Across passes the tags are gone, so
:func:`merged` keeps, per figure, the larger of the stored bound and the
pass's: a person counted by both cannot be recognised, and the larger of two
lower bounds is one. One more thing is known for sure: people who gave no
answer ``v`` at all in one side (the stored cell, or this pass) all gave
another one, so there they count apart from ``v`` in full; for an option, every
respondent of the cohort and period who did not choose it (a pass in which
nobody chose it still moves the option's cell, to record that).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from surveys.aggregates.cells import RESPONSES, AnswerLike, CellKey, ResponseLike, periods
from surveys.domain.vocab import COHORT

__all__ = ["Counted", "Headcount", "Tagged", "headcounts", "merged"]


@dataclass
class Headcount:
    """Lower bounds of the people behind one cell (see the module docstring)."""

    people: int = 0
    apart: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Counted:
    """What one side of a merge knows of a cell: its people and the answers they gave."""

    people: int
    apart: Mapping[str, int]
    histogram: Mapping[str, int]

    def apart_from(self, value: str, respondents: int | None) -> int:
        """People who gave another answer than ``value``. Nobody on this side gave
        it: all of them did -- for an option, all ``respondents`` of its cohort and
        period on this side (pass None for a scalar question)."""
        if self.histogram.get(value):
            return self.apart.get(value, 0)
        return self.people if respondents is None else respondents


def merged(
    stored: Mapping[CellKey, Counted],
    added: Mapping[CellKey, Mapping[str, int]],
    new: Mapping[CellKey, Headcount],
) -> dict[CellKey, Headcount]:
    """The people to store for every cell a pass writes: the stored bounds and the pass's.

    ``stored``: the cells of the pass's cohorts and periods as they are;
    ``added``: each written cell's new histogram (what this pass adds);
    ``new``: :func:`headcounts` of the pass. Returns the cells whose people
    change, including stored option cells of a cohort and period the pass
    answered without choosing them (written with nothing added).
    """
    respondents_before: dict[tuple[Any, ...], int] = {}
    respondents_now: dict[tuple[Any, ...], int] = {}
    for key, side in stored.items():
        if key.question_key == RESPONSES:
            respondents_before[key.group()] = side.people
    for key, count in new.items():
        if key.question_key == RESPONSES:
            respondents_now[key.group()] = count.people
    found: dict[CellKey, Headcount] = {}
    keys = set(added) | {
        key for key in stored if key.item and key.group() in respondents_now and key not in added
    }
    for key in keys:
        group = key.group()
        old = stored.get(key, Counted(0, {}, {}))
        now = Counted(
            new.get(key, Headcount()).people,
            new.get(key, Headcount()).apart,
            added.get(key, {}),
        )
        values = {v for side in (old, now) for v, c in side.histogram.items() if c}
        if key.question_key == RESPONSES:
            values = set()
        before = respondents_before.get(group, 0) if key.item else None
        after = respondents_now.get(group, 0) if key.item else None
        found[key] = Headcount(
            max(old.people, now.people),
            {
                value: max(old.apart_from(value, before), now.apart_from(value, after))
                for value in values
            },
        )
    return found


@dataclass(frozen=True)
class Tagged:
    """A response the mixer is storing, with the tag it came with (never stored)."""

    response: ResponseLike
    answers: Sequence[AnswerLike]
    scope: str
    tag: str


Person = tuple[str, str]  # (tag scope, tag)


@dataclass
class _Part:
    """What one stored cohort x period of a pass holds: flat lists, no nesting."""

    #: the person of every session (response)
    sessions: list[Person] = field(default_factory=list)
    #: (person, question, value) of every scalar answer
    scalars: list[tuple[Person, str, str]] = field(default_factory=list)
    #: (person, question, option) of every chosen option, once per session
    picks: list[tuple[Person, str, str]] = field(default_factory=list)


def _largest(per_scope: Mapping[Any, int], scopes: Iterable[str], *rest: Any) -> int:
    """The largest ``per_scope[(scope, *rest)]`` over ``scopes`` (0 if none)."""
    return max((per_scope.get((scope, *rest), 0) for scope in scopes), default=0)


def _count(parts: Sequence[_Part]) -> dict[tuple[str, str], Headcount]:
    """The figures of one cohort x period from its parts, keyed by (question, option).

    Counted in C where it can be (sets and Counters of flat tuples), per tag scope:

    * a question's people apart from ``v``: its people minus those whose only
      value is ``v``;
    * an option's people apart: the respondents minus those who chose it in every
      one of their sessions.
    """
    sessions = Counter(chain.from_iterable(part.sessions for part in parts))
    respondents = Counter(scope for scope, _ in sessions)
    scopes = list(respondents)
    found = {(RESPONSES, ""): Headcount(max(respondents.values(), default=0))}
    given = set(chain.from_iterable(part.scalars for part in parts))
    values_of = Counter((person, question) for person, question, _ in given)
    answered = Counter((person[0], question) for person, question in values_of)
    only = Counter(
        (person[0], question, value)
        for person, question, value in given
        if values_of[person, question] == 1
    )
    values: dict[str, set[str]] = defaultdict(set)
    for question, value in {(question, value) for _, question, value in given}:
        values[question].add(value)
    for question, options in values.items():
        found[question, ""] = Headcount(
            _largest(answered, scopes, question),
            {
                value: max(
                    answered.get((scope, question), 0) - only.get((scope, question, value), 0)
                    for scope in scopes
                )
                for value in options
            },
        )
    chose = Counter(chain.from_iterable(part.picks for part in parts))
    choosers = Counter((person[0], question, option) for person, question, option in chose)
    always = Counter(
        (person[0], question, option)
        for (person, question, option), times in chose.items()
        if times == sessions[person]
    )
    for _, question, option in choosers:
        if (question, option) in found:
            continue
        apart = max(
            respondents[scope] - always.get((scope, question, option), 0) for scope in scopes
        )
        found[question, option] = Headcount(
            _largest(choosers, scopes, question, option), {"1": apart}
        )
    return found


def headcounts(tagged: Iterable[Tagged]) -> dict[CellKey, Headcount]:
    """The people behind every cell the given responses count in (one pass's batches).

    The same cells as :func:`~surveys.aggregates.cells.contributions`. One loop
    over the sessions appends flat tuples per stored cohort x period (a pass holds
    many sessions and few groups); each cell period (week, month, round) is then
    counted once from the parts that count in it, with sets and Counters. A
    period fed by one part only (a week, or a month of one week) shares its
    figures with that part's other period instead of counting them again.
    """
    parts: dict[tuple[Any, ...], _Part] = {}
    for item in tagged:
        r = item.response
        stored: tuple[Any, ...] = (r.survey_key, r.survey_version, r.firm_id, r.programme_id)
        stored += tuple(getattr(r, name) for name in COHORT) + (r.period_kind, r.period)
        part = parts.get(stored)
        if part is None:
            part = parts[stored] = _Part()
        person = (item.scope, item.tag)
        part.sessions.append(person)
        answers = item.answers
        part.scalars.extend(
            (person, a.question_key, str(a.value)) for a in answers if a.value is not None
        )
        part.picks.extend(
            {(person, a.question_key, a.item) for a in answers if a.value is None and a.item}
        )
    cells: dict[tuple[Any, ...], list[_Part]] = defaultdict(list)
    for stored, part in parts.items():
        for kind, period in periods(stored[-2], stored[-1]):
            cells[(*stored[:-2], kind, period)].append(part)
    found: dict[CellKey, Headcount] = {}
    counted: dict[tuple[int, ...], dict[tuple[str, str], Headcount]] = {}
    for key, members in cells.items():
        ids = tuple(id(part) for part in members)
        if ids not in counted:
            counted[ids] = _count(members)
        for (question, option), figure in counted[ids].items():
            found[CellKey(key[0], key[1], question, option, *key[2:])] = figure
    return found
