"""The cells of a cross-organisation programme, per member or pooled for its coordinator.

Every aggregate cell counts one member firm's people, stored in batches of at
least that member's k (the mixer's streams are per firm). A member's lead or
researcher gets their own firms' figures, each decided at that firm's k
(:func:`member_cells`). A coordinator gets the programme as a whole
(:func:`pooled_cells`), judged as **one pool** (issue 22): every member's
candidate cells are added up, one cohort attribute per month or round, with
the members' people *added* (a person works for one firm, so two members'
people are different people), and the pooled sum is decided at the largest k
of the members. So:

- a pooled figure is never split by member;
- a member whose own figure would be hidden still counts in the pool (its
  people are there), as long as the pool passes;
- the pool minus any one member's own sum (a member's lead beside the
  coordinator) must itself pass every rule, or be empty; otherwise the pooled
  figure is hidden like a small group;
- hidden pooled values get complementary suppression against the pool's total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import Firm, Programme
from surveys.domain.vocab import CELL_KEY
from surveys.reports.judged import by_attribute, complement, passes
from surveys.reports.released_cells import (
    ReleasedCellView,
    attribute_safe,
    candidate_cells,
    disclosed_cells,
)
from surveys.reports.shown_sums import add_up, added, figures_of, listing_key, summed


def member_cells(
    session: Session,
    programme_id: int,
    policies: Mapping[int, disclosure.Policy],
    *,
    by: str | None,
    survey_key: str | None = None,
    question_key: str | None = None,
) -> list[ReleasedCellView]:
    """The figures of each member firm in ``policies`` (firm id -> its policy).

    With ``by``, sums judged as shown (:func:`surveys.reports.shown_sums.by_attribute`);
    without, the stored cells (researchers), with complementary suppression
    against the totals the pages show.
    """
    cells: list[ReleasedCellView] = []
    for firm_id, policy in sorted(policies.items()):
        if by is not None:
            mine = candidate_cells(
                session,
                programme_id,
                policy,
                survey_key=survey_key,
                firm_ids=(firm_id,),
                whole=True,
            )
            figures = figures_of(session, programme_id, survey_key, (firm_id,))
            cells += by_attribute(mine, by, policy, figures)
            continue
        every = candidate_cells(
            session, programme_id, policy, survey_key=survey_key, firm_ids=(firm_id,), whole=True
        )
        judged = disclosed_cells(
            session,
            programme_id,
            policy,
            survey_key=survey_key,
            question_key=question_key,
            firm_ids=(firm_id,),
        )
        cells += complement(every, judged, policy)
    if question_key is not None:
        cells = [c for c in cells if c.question_key == question_key]
    return cells


def pooled_policy(policies: Mapping[int, disclosure.Policy]) -> disclosure.Policy:
    """The pooled figures' policy: the largest k of the members."""
    return disclosure.Policy(max(p.k for p in policies.values()))


def pooled_cells(
    session: Session,
    programme_id: int,
    owner_firm_id: int,
    policies: Mapping[int, disclosure.Policy],
    *,
    by: str,
    survey_key: str | None = None,
    question_key: str | None = None,
    members: Collection[int] | None = None,
) -> Sequence[ReleasedCellView]:
    """The members' cells added up per cohort attribute and period, judged as one pool.

    Pooled cells carry the owning firm's id (they are the programme's, not a member's).
    With ``members``, only those members' cells are added (a member whose lead is not
    shown a pulse at all adds nothing to it); the k is still the largest of all ``policies``.
    """
    parts: list[ReleasedCellView] = []
    for firm_id, policy in sorted(policies.items()):
        if members is not None and firm_id not in members:
            continue
        mine = candidate_cells(
            session, programme_id, policy, survey_key=survey_key, firm_ids=(firm_id,), whole=True
        )
        parts += summed(mine, by, figures=figures_of(session, programme_id, survey_key, (firm_id,)))
    return pool(parts, owner_firm_id, pooled_policy(policies), by, question_key=question_key)


def pool(
    parts: Sequence[ReleasedCellView],
    owner_firm_id: int,
    policy: disclosure.Policy,
    by: str,
    *,
    question_key: str | None = None,
) -> list[ReleasedCellView]:
    """Members' one-attribute sums (``parts``, each of one firm) pooled and judged as one.

    A pooled figure is shown when it passes every rule, and the pool minus each
    member's own sum passes them too (or is empty); then complementary suppression.
    """
    groups: dict[tuple[object, ...], list[ReleasedCellView]] = defaultdict(list)
    for part in parts:
        groups[listing_key(replace(part, firm_id=owner_firm_id), by)].append(part)
    pooled: list[ReleasedCellView] = []
    safe_sums: set[int] = set()
    for key, members in groups.items():
        fields = dict(zip(CELL_KEY, key, strict=True))
        whole = add_up(members, fields, added)
        pooled.append(whole)
        others_pass = all(
            passes(add_up(rest, fields, added), None, policy) or bool(whole.item)
            for m in members
            if (rest := [p for p in members if p is not m])
        )
        if others_pass:
            safe_sums.add(id(whole))
    shown = [c for c in attribute_safe(pooled, policy) if id(c) in safe_sums]
    shown = [c for c in shown if c.item or passes(c, None, policy)]
    shown = _options_minus_members(shown, groups, owner_firm_id, policy, by)
    found = complement(pooled, shown, policy)
    if question_key is not None:
        found = [c for c in found if c.question_key == question_key]
    return found


def _options_minus_members(
    shown: list[ReleasedCellView],
    groups: Mapping[tuple[object, ...], list[ReleasedCellView]],
    owner_firm_id: int,
    policy: disclosure.Policy,
    by: str,
) -> list[ReleasedCellView]:
    """Option figures: the pool minus each member, against the respondents minus that member."""
    responses = {
        key[:2] + key[4:]: members for key, members in groups.items() if key[2] == RESPONSES
    }
    kept = []
    for cell in shown:
        if not cell.item:
            kept.append(cell)
            continue
        key = listing_key(cell, by)
        members = groups[key]
        base = responses.get(key[:2] + key[4:], [])
        fields = dict(zip(CELL_KEY, key, strict=True))
        ok = True
        for m in members:
            rest = [p for p in members if p.firm_id != m.firm_id]
            rest_base = [p for p in base if p.firm_id != m.firm_id]
            if rest and rest_base:
                respondents = add_up(
                    rest_base, {**fields, "question_key": RESPONSES, "item": ""}, added
                )
                ok = ok and passes(add_up(rest, fields, added), respondents, policy)
        if ok:
            kept.append(cell)
    return kept


def reader_cells(
    session: Session,
    programme: Programme,
    firm_ids: Collection[int],
    default_k: int,
    *,
    pooled: bool,
    by: str | None,
    survey_key: str | None = None,
    question_key: str | None = None,
) -> Sequence[ReleasedCellView]:
    """A reader's cells: ``firm_ids``' own (each at its k), or pooled (a coordinator, by role
    when ``by`` is not given). The reader's scope is :func:`surveys.services.members.reading_scope`.
    """
    policies = {
        firm.id: disclosure.Policy.for_firm(firm.min_group_size, default_k)
        for firm in session.scalars(select(Firm).where(Firm.id.in_(sorted(firm_ids))))
    }
    if not policies:
        return []
    if pooled:
        return pooled_cells(
            session,
            programme.id,
            programme.firm_id,
            policies,
            by=by or "role",
            survey_key=survey_key,
            question_key=question_key,
        )
    return member_cells(
        session, programme.id, policies, by=by, survey_key=survey_key, question_key=question_key
    )
