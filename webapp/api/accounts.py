"""Provisioning staff accounts over the API (administrators' tokens only).

``POST /api/v1/accounts`` creates an account and e-mails its invitation;
``GET`` lists them; ``PATCH /api/v1/accounts/{account_id}`` changes the role,
the firms or the active state. The same services and audit log as the
accounts page and ``flipside users`` (:mod:`surveys.services.staff`).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys.db.models import ACCOUNT_ROLES, Account
from surveys.services.accounts import new_account
from surveys.services.staff import (
    account_or_404,
    audit,
    check_scope,
    firms_by_slug,
    issue_link,
    set_active,
    set_role,
)
from webapp import current
from webapp.api.auth import ApiError, api_account, token_required
from webapp.api.blueprint import bp
from webapp.api.body import json_body
from webapp.auth.mailing import send_link


def account_json(account: Account) -> dict[str, Any]:
    state = (
        "deactivated"
        if not account.active
        else "active"
        if account.password_hash or account.sso_subject
        else "invited"
    )
    return {
        "id": account.id,
        "email": account.email,
        "role": account.role,
        "firms": sorted(f.slug for f in account.firms),
        "active": account.active,
        "state": state,
        "sso": account.sso_subject is not None,
    }


def _object(body: Any, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(422, "invalid", "the body must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(422, "invalid", f"unknown field {unknown[0]!r}")
    return body


def _role(value: Any) -> str:
    if value not in ACCOUNT_ROLES:
        raise ApiError(422, "invalid", f"role must be one of {', '.join(ACCOUNT_ROLES)}")
    return str(value)


def _slugs(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ApiError(422, "invalid", "firms must be a list of firm slugs")
    if len(value) > 1000:
        raise ApiError(422, "invalid", "firms lists at most 1000 slugs")
    return list(value)


@bp.get("/accounts")
@token_required("admin")
def list_accounts() -> ResponseReturnValue:
    accounts = current.session().scalars(select(Account).order_by(Account.id))
    return jsonify(accounts=[account_json(a) for a in accounts])


@bp.post("/accounts")
@token_required("admin")
def create_account_view() -> ResponseReturnValue:
    body = _object(json_body(), {"email", "role", "firms"})
    email = body.get("email")
    if not isinstance(email, str):
        raise ApiError(422, "invalid", "email must be an e-mail address")
    role = _role(body.get("role"))
    db = current.session()
    firms = firms_by_slug(db, _slugs(body.get("firms", [])))
    check_scope(role, firms)
    actor = api_account()
    account = new_account(db, email, role, firms)
    audit(db, "created", account, actor, role=role, firms=[f.slug for f in firms], via="api")
    issued = issue_link(db, account, "invite", actor)
    db.commit()
    sent = send_link(account, "invite", issued)
    return jsonify(account=account_json(account), invitation_sent=sent), 201


@bp.patch("/accounts/<account_id>")
@token_required("admin")
def update_account(account_id: str) -> ResponseReturnValue:
    db = current.session()
    if not (account_id.isascii() and account_id.isdigit()) or len(account_id) > 10:
        raise ApiError(404, "not_found", f"there is no account {account_id[:20]}")
    account = account_or_404(db, int(account_id))
    body = _object(json_body(), {"role", "firms", "active"})
    actor = api_account()
    if "role" in body or "firms" in body:
        role = _role(body.get("role", account.role))
        slugs = _slugs(body["firms"]) if "firms" in body else [f.slug for f in account.firms]
        set_role(db, account, role, firms_by_slug(db, slugs), actor)
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise ApiError(422, "invalid", "active must be true or false")
        set_active(db, account, body["active"], actor)
    db.commit()
    return jsonify(account=account_json(account))
