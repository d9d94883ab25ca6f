"""Requesting a row-level export: check the whole scope, then write request, audit and event.

Nothing is written unless the scope lies inside the account's firms, holds
responses and names known surveys; the worker picks the request up from the
``export.requested`` event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.models import Account, ExportRequest, OutboxEvent, Programme, Response
from surveys.definitions import catalogue
from surveys.domain.events import ExportRequested
from surveys.export.planning import count_in_scope
from surveys.export.priorities import (
    BadPriorities,
    PrioritiesDiffer,
    check_priorities,
    parse_priorities,
    release_priorities,
)
from surveys.export.releases import lineage_key
from surveys.export.scope import Scope
from surveys.services.accounts import firm_scope
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.exports.access import EXPORTERS, Forbidden, audit
from surveys.services.members import member_firm_ids


@dataclass(frozen=True)
class ScopeInput:
    """What a requester asked for, before it is checked."""

    firm_ids: tuple[int, ...] = ()
    programme_id: int | None = None
    survey_keys: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None


def _survey_keys() -> tuple[str, ...]:
    return tuple(sorted({d.key for d in catalogue().all()}))


def check_scope(session: Session, account: Account, wanted: ScopeInput) -> Scope:
    """The scope as the export will use it; Forbidden outside the account's firms."""
    if account.role not in EXPORTERS:
        raise Forbidden(f"a {account.role} account cannot request research exports")
    allowed = firm_scope(account)
    firm_ids = set(wanted.firm_ids)
    if wanted.programme_id is not None:
        programme = session.get(Programme, wanted.programme_id)
        if programme is None:
            raise NotFound(f"there is no programme {wanted.programme_id}")
        # A cross-organisation programme: each member's researchers export their own
        # firm's people (responses are stored per member firm).
        members = member_firm_ids(session, programme)
        if allowed is not None and not allowed & members:
            raise Forbidden("that programme belongs to a firm outside your account's firms")
        if firm_ids and not firm_ids <= members:
            raise Invalid("the programme belongs to another firm than the ones chosen")
        firm_ids = firm_ids or ({programme.firm_id} if allowed is None else allowed & members)
    if not firm_ids:
        if allowed is None:
            raise Invalid("choose at least one firm or a programme")
        firm_ids = set(allowed)
    if allowed is not None and not firm_ids <= allowed:
        raise Forbidden("the scope includes firms outside your account's firms")
    known = _survey_keys()
    keys = tuple(sorted(set(wanted.survey_keys))) or known
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise Invalid(f"unknown survey {unknown[0]!r}; choose from {', '.join(known)}")
    if wanted.date_from and wanted.date_to and wanted.date_from > wanted.date_to:
        raise Invalid("the start date is after the end date")
    return Scope(
        tuple(sorted(firm_ids)), keys, wanted.programme_id, wanted.date_from, wanted.date_to
    )


def event_of(session: Session, export_id: int) -> int | None:
    """The outbox event announcing an export, while it is not handled."""
    for event in session.scalars(
        select(OutboxEvent).where(OutboxEvent.topic == ExportRequested.topic)
    ):
        if event.payload.get("export_id") == export_id:
            return event.id
    return None


def request_export(
    session: Session,
    account: Account,
    wanted: ScopeInput,
    *,
    include_comments: bool = False,
    protect: Sequence[str] = (),
    default_k: int | None = None,
) -> ExportRequest:
    """Record a row-level export request and its event (the caller commits).

    ``protect`` orders the quasi-identifiers to keep first (:mod:`surveys.export.priorities`).
    Given ``default_k``, a priority order that differs from the scope's existing release
    is refused now (the build refuses it too, whoever asks).
    """
    scope = check_scope(session, account, wanted)
    try:
        order = parse_priorities(protect)
    except BadPriorities as exc:
        raise Invalid(str(exc)) from None
    total = count_in_scope(session, scope)
    if total == 0:
        raise Invalid("No responses match this scope: choose other surveys, dates or firms.")
    if order and default_k is not None:
        lineages = session.execute(
            select(Response.firm_id, Response.programme_id)
            .where(*scope.undated().conditions())
            .distinct()
        ).all()
        for firm_id, programme_id in lineages:
            stored = release_priorities(session, lineage_key(firm_id, programme_id, 0))
            if stored is None:
                continue
            try:
                check_priorities({"protect": list(stored)}, order)
            except PrioritiesDiffer as exc:
                raise Conflict(str(exc)) from None
    export = ExportRequest(
        account_id=account.id,
        kind="rows",
        scope=scope.as_json(),
        options={
            "include_comments": include_comments,
            **({"protect": list(order)} if order else {}),
        },
        status="queued",
        rows_done=0,
        rows_total=total,
    )
    session.add(export)
    session.flush()
    audit(session, "requested", account, export)
    outbox.add_event(session, ExportRequested(export.id))
    return export
