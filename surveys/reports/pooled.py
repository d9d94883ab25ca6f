"""The cells of a cross-organisation programme, per member or pooled for its coordinator.

Every aggregate cell counts one member firm's people, stored in batches of at
least that member's k (the mixer's streams are per firm). A member's lead or
researcher gets their own firms' disclosed cells, each decided at that firm's k
(:func:`member_cells`). A coordinator gets the programme as a whole
(:func:`pooled_cells`): each member's cells are first decided exactly as that
member's lead gets them, and only those *shown* cells are added up, one cohort
attribute at a time, and decided again at the largest k of the members. So:

- a pooled figure is never split by member;
- the pooled figure minus any member's own figure (a member lead beside the
  coordinator) is a sum of other members' cells that were each shown on their
  own: it can single out no group below k and no group attribute;
- a member whose people cannot reach its k has no released cell at all (its
  answers wait sealed), so it adds nothing to the pool that could be differenced.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import disclosure
from surveys.db.models import Firm, Programme
from surveys.reports.released_cells import ReleasedCellView, by_attribute, disclosed_cells


def member_cells(
    session: Session,
    programme_id: int,
    policies: Mapping[int, disclosure.Policy],
    *,
    by: str | None,
    survey_key: str | None = None,
    question_key: str | None = None,
) -> list[ReleasedCellView]:
    """The disclosed cells of each member firm in ``policies`` (firm id -> its policy)."""
    cells: list[ReleasedCellView] = []
    for firm_id, policy in sorted(policies.items()):
        mine = disclosed_cells(
            session,
            programme_id,
            policy,
            survey_key=survey_key,
            question_key=question_key if by is None else None,
            firm_ids=(firm_id,),
        )
        cells += by_attribute(mine, by, policy) if by is not None else mine
    if by is not None and question_key is not None:
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
    """The members' shown cells added up per cohort attribute and period, decided again.

    Pooled cells carry the owning firm's id (they are the programme's, not a member's).
    With ``members``, only those members' cells are added (a member whose lead is not
    shown a pulse at all adds nothing to it); the k is still the largest of all ``policies``.

    People: :func:`~surveys.reports.released_cells.by_attribute` bounds a sum by its
    largest part (:func:`surveys.disclosure.people_behind`), across members too. Adding
    the members' bounds would also be sound (a person belongs to one firm, so two
    members' people are different people), but within one member two cohorts' cells
    may hold the same person, so a per-member max would have to be taken first; the
    pool keeps the smaller, plainly sound bound: the largest part's.
    """
    shown: list[ReleasedCellView] = []
    for firm_id, policy in sorted(policies.items()):
        if members is not None and firm_id not in members:
            continue
        mine = disclosed_cells(
            session, programme_id, policy, survey_key=survey_key, firm_ids=(firm_id,)
        )
        shown += [replace(c, firm_id=owner_firm_id) for c in by_attribute(mine, by, policy)]
    pooled = by_attribute(shown, by, pooled_policy(policies))
    if question_key is not None:
        pooled = [c for c in pooled if c.question_key == question_key]
    return pooled


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
