"""Paths for provisioning staff accounts (administrators' tokens)."""

from __future__ import annotations

from typing import Any

from surveys.db.models import ACCOUNT_ROLES
from webapp.api.openapi.common import AUTH_ERRORS, Security, error, json_body, ref

_FIRMS = {
    "type": "array",
    "items": {"type": "string"},
    "maxItems": 1000,
    "description": "Firm slugs; a lead or researcher needs at least one, an admin none.",
}


def account_schemas() -> dict[str, Any]:
    """The Account, AccountInput and AccountChange component schemas."""
    return {
        "Account": {
            "type": "object",
            "required": ["id", "email", "role", "firms", "active", "state", "sso"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string"},
                "role": {"type": "string", "enum": list(ACCOUNT_ROLES)},
                "firms": {"type": "array", "items": {"type": "string"}},
                "active": {"type": "boolean"},
                "state": {"type": "string", "enum": ["invited", "active", "deactivated"]},
                "sso": {"type": "boolean", "description": "Linked to a single sign-on identity."},
            },
        },
        "AccountInput": {
            "type": "object",
            "required": ["email", "role"],
            "additionalProperties": False,
            "properties": {
                "email": {"type": "string", "format": "email", "maxLength": 254},
                "role": {"type": "string", "enum": list(ACCOUNT_ROLES)},
                "firms": _FIRMS,
            },
        },
        "AccountChange": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "role": {"type": "string", "enum": list(ACCOUNT_ROLES)},
                "firms": _FIRMS,
                "active": {"type": "boolean"},
            },
        },
    }


def _one(description: str) -> dict[str, Any]:
    return json_body(
        description,
        {
            "type": "object",
            "required": ["account"],
            "additionalProperties": False,
            "properties": {"account": ref("Account")},
        },
    )


def account_paths(bearer: Security) -> dict[str, Any]:
    """/api/v1/accounts and /api/v1/accounts/{account_id}."""
    body_errors = {
        "400": error("Malformed JSON."),
        **AUTH_ERRORS,
        "415": error("The body is not JSON."),
        "422": error("A value is not accepted (role, firms, e-mail address)."),
    }
    return {
        "/api/v1/accounts": {
            "get": {
                "operationId": "listAccounts",
                "summary": "Every staff account (administrators only).",
                "security": bearer,
                "responses": {
                    "200": json_body(
                        "The accounts.",
                        {
                            "type": "object",
                            "required": ["accounts"],
                            "additionalProperties": False,
                            "properties": {"accounts": {"type": "array", "items": ref("Account")}},
                        },
                    ),
                    **AUTH_ERRORS,
                },
            },
            "post": {
                "operationId": "createAccount",
                "summary": "Create a staff account and e-mail its invitation (a 48-hour link).",
                "security": bearer,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("AccountInput")}},
                },
                "responses": {
                    "201": json_body(
                        "Created; invitation_sent is false when the e-mail could not be sent.",
                        {
                            "type": "object",
                            "required": ["account", "invitation_sent"],
                            "additionalProperties": False,
                            "properties": {
                                "account": ref("Account"),
                                "invitation_sent": {"type": "boolean"},
                            },
                        },
                    ),
                    **body_errors,
                    "409": error("An account with this e-mail address exists."),
                },
            },
        },
        "/api/v1/accounts/{account_id}": {
            "patch": {
                "operationId": "updateAccount",
                "summary": "Change an account's role, firms or active state.",
                "security": bearer,
                "parameters": [
                    {
                        "name": "account_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("AccountChange")}},
                },
                "responses": {
                    "200": _one("The account as changed."),
                    **body_errors,
                    "404": error("No such account."),
                    "409": error(
                        "The last active administrator cannot lose the role or be deactivated."
                    ),
                },
            }
        },
    }
