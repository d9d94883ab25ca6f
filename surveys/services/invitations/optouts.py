"""Opt-outs with a scope: this survey, all pulses of a programme, or all mail from a firm.

* **this survey**: the invitation's own ``opted_out`` flag (its link closes);
* **programme**: a :class:`MailOptOut` row; no new pulse invitations of that
  programme and no reminders of open ones (climate rounds are not pulses);
* **firm**: a row too; nothing more from that firm: pulses, rounds, reminders.
  The firm is the person's *own* (in a cross-organisation programme a member
  firm's people hear from, and opt out of, their own organisation: the mail
  comes from it, surveys/mail/content.py). A firm row names the person's firm;
  rows written before that named the programme's owner and still count for its
  programmes, so no earlier choice is lost.

Opting out at any scope also closes the invitation whose link was used, and
every scope can be undone from the same page. Every sender asks here:
issuing (:func:`blocked_people`), sending and reminding (:func:`suppressed`).
The rows name people, a programme or a firm, never an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from surveys.db.models import Enrolment, Firm, MailOptOut, Person, Programme, SurveyInvitation
from surveys.services.errors import Invalid, NotFound
from surveys.services.tokens import hash_token, looks_like_token

Scope = Literal["survey", "programme", "firm"]
SCOPES: tuple[str, ...] = get_args(Scope)

_UNKNOWN_LINK = "This link is not valid. Check that you copied all of it."


@dataclass(frozen=True)
class OptOutState:
    """What the person behind a link has stopped, for the opt-out page."""

    firm_name: str
    programme_name: str
    pulse: bool  # the link's survey is a pulse (so the programme scope covers it)
    stopped: frozenset[str]


def invitation_for(session: Session, token: str) -> SurveyInvitation:
    """The invitation behind ``token`` in any state (answered, expired, opted out)."""
    by_hash = SurveyInvitation.token_hash == hash_token(token)
    invitation = (
        session.scalar(select(SurveyInvitation).where(by_hash)) if looks_like_token(token) else None
    )
    if invitation is None:
        raise NotFound(_UNKNOWN_LINK)
    return invitation


def _scope(raw: str) -> Scope:
    if raw not in SCOPES:
        raise Invalid("choose what to stop: this survey, this programme's pulses or all mail")
    return raw  # type: ignore[return-value]  # checked just above


def _programme(session: Session, invitation: SurveyInvitation) -> Programme:
    programme = session.get(Programme, invitation.programme_id)
    assert programme is not None  # a foreign key
    return programme


def _own_firm(session: Session, invitation: SurveyInvitation) -> int:
    person = session.get(Person, invitation.person_id)
    assert person is not None  # a foreign key
    return person.firm_id


def _row_filter(programme: Programme, scope: str, own_firm: int) -> ColumnElement[bool]:
    if scope == "firm":  # the person's own firm, or (rows of old) the programme's owner
        owners = sorted({own_firm, programme.firm_id})
        return and_(MailOptOut.scope == "firm", MailOptOut.firm_id.in_(owners))
    return and_(MailOptOut.scope == "programme", MailOptOut.programme_id == programme.id)


def opt_out(session: Session, token: str, scope: str = "survey") -> SurveyInvitation:
    """Stop mail at ``scope`` for the person behind ``token``; closes this link too.

    Repeating it changes nothing (one-click clients may POST twice).
    """
    chosen = _scope(scope)
    invitation = invitation_for(session, token)
    invitation.opted_out = True
    if chosen != "survey":
        programme = _programme(session, invitation)
        own_firm = _own_firm(session, invitation)
        mine = select(MailOptOut.id).where(
            MailOptOut.person_id == invitation.person_id,
            _row_filter(programme, chosen, own_firm),
        )
        if session.scalar(mine) is None:
            session.add(
                MailOptOut(
                    person_id=invitation.person_id,
                    firm_id=own_firm,
                    programme_id=programme.id if chosen == "programme" else None,
                    scope=chosen,
                )
            )
    session.flush()
    return invitation


def undo_opt_out(session: Session, token: str, scope: str) -> SurveyInvitation:
    """Take back an opt-out at ``scope``; undoing "survey" reopens this link."""
    chosen = _scope(scope)
    invitation = invitation_for(session, token)
    if chosen == "survey":
        invitation.opted_out = False
    else:
        session.execute(
            delete(MailOptOut)
            .where(
                MailOptOut.person_id == invitation.person_id,
                _row_filter(
                    _programme(session, invitation), chosen, _own_firm(session, invitation)
                ),
            )
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return invitation


def opt_out_state(session: Session, invitation: SurveyInvitation) -> OptOutState:
    programme = _programme(session, invitation)
    own_firm = _own_firm(session, invitation)
    stopped = {"survey"} if invitation.opted_out else set()
    for scope in ("programme", "firm"):
        row = select(MailOptOut.id).where(
            MailOptOut.person_id == invitation.person_id,
            _row_filter(programme, scope, own_firm),
        )
        if session.scalar(row) is not None:
            stopped.add(scope)
    return OptOutState(
        firm_name=session.get_one(Firm, own_firm).name,
        programme_name=programme.name,
        pulse=invitation.meeting_id is not None,
        stopped=frozenset(stopped),
    )


def suppressed() -> ColumnElement[bool]:
    """True for a SurveyInvitation row its person has opted out of (programme or firm).

    Correlates with ``SurveyInvitation`` and ``Programme`` (the invitation's
    programme), which the enclosing query must select from.
    """
    person = aliased(Person)
    return exists(
        select(MailOptOut.id)
        .join(person, person.id == MailOptOut.person_id)
        .where(
            MailOptOut.person_id == SurveyInvitation.person_id,
            or_(
                and_(MailOptOut.scope == "firm", _firm_of(person, Programme.firm_id)),
                and_(
                    MailOptOut.scope == "programme",
                    MailOptOut.programme_id == SurveyInvitation.programme_id,
                    SurveyInvitation.meeting_id.is_not(None),
                ),
            ),
        )
    )


def is_suppressed(session: Session, invitation_id: int) -> bool:
    """Whether mail for this invitation is stopped by a programme or firm opt-out."""
    found = session.scalar(
        select(SurveyInvitation.id)
        .join(Programme, Programme.id == SurveyInvitation.programme_id)
        .where(SurveyInvitation.id == invitation_id, suppressed())
    )
    return found is not None


def _firm_of(person: type[Person], owner: Any) -> ColumnElement[bool]:
    """A firm row counts for the person's own firm, or (rows of old) the programme's owner."""
    return or_(MailOptOut.firm_id == person.firm_id, MailOptOut.firm_id == owner)


def blocked_people(session: Session, programme: Programme, *, pulses: bool) -> set[int]:
    """People of ``programme`` who must not be invited: their own firm's opt-outs, and for
    pulses also the programme's."""
    scopes = [and_(MailOptOut.scope == "firm", _firm_of(Person, programme.firm_id))]
    if pulses:
        scopes.append(
            and_(MailOptOut.scope == "programme", MailOptOut.programme_id == programme.id)
        )
    found = select(MailOptOut.person_id).join(Person, Person.id == MailOptOut.person_id)
    return set(session.scalars(found.where(or_(*scopes))).all())


def opted_out_people(session: Session, programme: Programme) -> int:
    """How many people enrolled in ``programme`` stopped its pulses or their firm's mail.

    A head count for the admin, shown only at k (surveys.disclosure.count).
    """
    return (
        session.scalar(
            select(func.count(func.distinct(MailOptOut.person_id)))
            .join(Enrolment, Enrolment.person_id == MailOptOut.person_id)
            .join(Person, Person.id == MailOptOut.person_id)
            .where(
                Enrolment.programme_id == programme.id,
                or_(
                    and_(MailOptOut.scope == "firm", _firm_of(Person, programme.firm_id)),
                    and_(
                        MailOptOut.scope == "programme",
                        MailOptOut.programme_id == programme.id,
                    ),
                ),
            )
        )
        or 0
    )
