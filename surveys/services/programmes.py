"""Administration use cases: firms, programmes, enrolments and pairings."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from surveys.db.models import Enrolment, Firm, Pairing, Person, Programme, ProgrammeMember
from surveys.domain.vocab import PROGRAMME_STATUSES, ROLES
from surveys.languages import LANGUAGES, normalise
from surveys.mail.addresses import deliverable
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.members import member_firm_ids
from surveys.settings import MAX_K, MIN_K

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


def _check_k(min_group_size: int | None) -> None:
    if min_group_size is not None and not MIN_K <= min_group_size <= MAX_K:
        raise Invalid(f"the minimum group size must be between {MIN_K} and {MAX_K}")


def create_firm(
    session: Session,
    name: str,
    slug: str,
    *,
    min_group_size: int | None = None,
    benchmarking_opt_in: bool = False,
) -> Firm:
    name, slug = name.strip(), slug.strip().lower()
    if not name or len(name) > 200:
        raise Invalid("a firm needs a name of 1 to 200 characters")
    if not _SLUG.match(slug):
        raise Invalid("the short name may use a-z, 0-9 and '-', 2 to 60 characters")
    _check_k(min_group_size)
    taken = session.scalar(
        select(Firm.id).where(or_(func.lower(Firm.name) == name.lower(), Firm.slug == slug))
    )
    if taken is not None:
        raise Conflict("a firm with this name or short name exists already")
    firm = Firm(
        name=name, slug=slug, min_group_size=min_group_size, benchmarking_opt_in=benchmarking_opt_in
    )
    session.add(firm)
    session.flush()
    return firm


def update_firm_settings(
    session: Session, firm_id: int, *, min_group_size: int | None, benchmarking_opt_in: bool
) -> Firm:
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(f"there is no firm {firm_id}")
    _check_k(min_group_size)
    firm.min_group_size = min_group_size
    firm.benchmarking_opt_in = benchmarking_opt_in
    session.flush()
    return firm


def update_firm_language(session: Session, firm_id: int, language: str | None) -> Firm:
    """The language of participant pages and mail for people the HR file gives none
    (empty: English)."""
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(f"there is no firm {firm_id}")
    if language and normalise(language) != language:
        raise Invalid(f"the default language must be one of {', '.join(LANGUAGES)}")
    firm.default_language = language or None
    session.flush()
    return firm


#: A plain address (no display name, no spaces or line breaks: it goes into a header).
_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


def _address(raw: str | None, what: str) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        raise Invalid(f"the {what} must be a plain e-mail address, like dandi@firm.example")
    try:
        return deliverable(value)
    except ValueError as exc:
        raise Invalid(f"the {what}: {exc}") from None


def update_firm_mail(
    session: Session, firm_id: int, *, mail_from: str | None, reply_to: str | None
) -> Firm:
    """The firm's own sender address and Reply-To for invitations (empty: the defaults).

    The sender's domain must let Flipside's mail server send for it (SPF/DKIM),
    or receiving servers will reject or quarantine the invitations.
    """
    firm = session.get(Firm, firm_id)
    if firm is None:
        raise NotFound(f"there is no firm {firm_id}")
    firm.mail_from = _address(mail_from, "sender address")
    firm.reply_to = _address(reply_to, "reply-to address")
    session.flush()
    return firm


def _programme_values(name: str, status: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("a programme needs a name of 1 to 200 characters")
    if status not in PROGRAMME_STATUSES:
        raise Invalid(f"status must be one of {', '.join(PROGRAMME_STATUSES)}")
    return name


def save_programme(
    session: Session,
    firm_id: int,
    name: str,
    starts_on: date,
    status: str,
    longitudinal: bool,
    programme_id: int | None = None,
    *,
    pulse_surveys: bool = True,
    climate_surveys: bool = True,
    max_reminders: int | None = None,
    reminder_gap_days: int | None = None,
) -> Programme:
    """Create a programme, or edit ``programme_id`` (which must belong to ``firm_id``).

    ``pulse_surveys``/``climate_surveys`` say which surveys it runs; the reminder
    policy (None = the global setting) applies to its invitations."""
    name = _programme_values(name, status)
    if max_reminders is not None and not 0 <= max_reminders <= 5:
        raise Invalid("reminders must be between 0 and 5")
    if reminder_gap_days is not None and not 1 <= reminder_gap_days <= 30:
        raise Invalid("the days between reminders must be between 1 and 30")
    if session.get(Firm, firm_id) is None:
        raise NotFound(f"there is no firm {firm_id}")
    clash = select(Programme.id).where(
        Programme.firm_id == firm_id, func.lower(Programme.name) == name.lower()
    )
    if programme_id is not None:
        clash = clash.where(Programme.id != programme_id)
    if session.scalar(clash) is not None:
        raise Conflict(f"this firm already has a programme called {name!r}")
    if programme_id is None:
        programme = Programme(firm_id=firm_id)
        session.add(programme)
    else:
        found = session.get(Programme, programme_id)
        if found is None or found.firm_id != firm_id:
            raise NotFound(f"there is no programme {programme_id}")
        programme = found
    programme.name, programme.starts_on, programme.status = name, starts_on, status
    programme.longitudinal = longitudinal
    programme.pulse_surveys, programme.climate_surveys = pulse_surveys, climate_surveys
    programme.max_reminders, programme.reminder_gap_days = max_reminders, reminder_gap_days
    session.flush()
    if programme_id is None:  # the owning firm is the first member
        session.add(ProgrammeMember(programme_id=programme.id, firm_id=firm_id))
        session.flush()
    return programme


def _person_of(session: Session, programme: Programme, person_id: int) -> Person:
    """A person of any of the programme's member firms (cross-organisation programmes)."""
    person = session.get(Person, person_id)
    if person is None or person.firm_id not in member_firm_ids(session, programme):
        raise NotFound(f"there is no person {person_id} in this programme's firms")
    return person


def _programme(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(f"there is no programme {programme_id}")
    return programme


def enrol(
    session: Session, programme_id: int, person_id: int, role: str, on: date | None = None
) -> Enrolment:
    """Put a person in the programme as mentor, mentee or comparison (or change their role)."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    programme = _programme(session, programme_id)
    person = _person_of(session, programme, person_id)
    enrolment = session.scalar(
        select(Enrolment).where(
            Enrolment.programme_id == programme.id, Enrolment.person_id == person.id
        )
    )
    if enrolment is not None and enrolment.role != role and _active_pairing_of(session, enrolment):
        raise Conflict(
            f"{person.internal_id} is in an active pairing as {enrolment.role}; end it first"
        )
    if enrolment is None:
        enrolment = Enrolment(
            programme_id=programme.id, person_id=person.id, enrolled_on=on or date.today()
        )
        session.add(enrolment)
    enrolment.role = role
    session.flush()
    return enrolment


def _active_pairing_of(session: Session, enrolment: Enrolment) -> bool:
    return (
        session.scalar(
            select(Pairing.id).where(
                Pairing.programme_id == enrolment.programme_id,
                Pairing.ended_on.is_(None),
                or_(
                    Pairing.mentor_id == enrolment.person_id,
                    Pairing.mentee_id == enrolment.person_id,
                ),
            )
        )
        is not None
    )


def create_pairing(
    session: Session, programme_id: int, mentor_id: int, mentee_id: int, starts_on: date
) -> Pairing:
    """Pair an enrolled mentor with an enrolled mentee; each may have one active pairing."""
    programme = _programme(session, programme_id)
    if programme.status == "closed":
        raise Conflict("this programme is closed")
    if mentor_id == mentee_id:
        raise Invalid("a person cannot mentor themselves")
    people = {}
    for person_id, role in ((mentor_id, "mentor"), (mentee_id, "mentee")):
        person = _person_of(session, programme, person_id)
        enrolled_as = session.scalar(
            select(Enrolment.role).where(
                Enrolment.programme_id == programme.id, Enrolment.person_id == person.id
            )
        )
        if enrolled_as != role:
            raise Invalid(f"{person.internal_id} is not enrolled as a {role} in this programme")
        busy = session.scalar(
            select(Pairing.id).where(
                Pairing.programme_id == programme.id,
                Pairing.ended_on.is_(None),
                (Pairing.mentor_id if role == "mentor" else Pairing.mentee_id) == person.id,
            )
        )
        if busy is not None:
            raise Conflict(
                f"{person.internal_id} already has an active pairing as {role}; end it first"
            )
        people[role] = person
    pairing = Pairing(
        programme_id=programme.id,
        mentor_id=people["mentor"].id,
        mentee_id=people["mentee"].id,
        started_on=starts_on,
    )
    try:
        with session.begin_nested():
            session.add(pairing)
    except IntegrityError:
        # Someone paired one of them between our check and our insert.
        raise Conflict(
            "one of these people was just paired by someone else; reload and try again"
        ) from None
    return pairing


def end_pairing(session: Session, pairing_id: int, ends_on: date) -> Pairing:
    pairing = session.get(Pairing, pairing_id)
    if pairing is None:
        raise NotFound(f"there is no pairing {pairing_id}")
    if pairing.ended_on is not None:
        raise Conflict("this pairing has ended already")
    if ends_on < pairing.started_on:
        raise Invalid("a pairing cannot end before it started")
    pairing.ended_on = ends_on
    session.flush()
    return pairing


def re_pair(
    session: Session, pairing_id: int, new_mentor_id: int, new_mentee_id: int, on: date
) -> Pairing:
    """End a pairing on ``on`` and start a new one the same day (one transaction)."""
    old = end_pairing(session, pairing_id, on)
    return create_pairing(session, old.programme_id, new_mentor_id, new_mentee_id, on)
