"""Microsoft Graph change notifications: the validation handshake and the clientState check.

When a subscription is created, Graph POSTs to the notification URL with a
``validationToken`` query parameter and expects it back, as ``text/plain``, within
10 seconds. Every notification afterwards carries the ``clientState`` given at
subscription; it is HMAC(SECRET_KEY, connector id), so it is never stored and a
notification with any other value is refused (401) and starts nothing. A valid
notification only starts a read of the connector (idempotent: a redelivery reads
again and changes nothing); its content (resource ids) is not kept.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from surveys.services.errors import Invalid, ServiceError

#: Longer validation tokens than this are refused rather than echoed.
MAX_VALIDATION_TOKEN = 2000
_CONTEXT = b"flipside/graph-client-state/v1"


class BadClientState(ServiceError):
    """A notification whose clientState is not this connector's: not trusted at all."""

    status = 401


def client_state(secret_key: str, connector_id: int) -> str:
    """The clientState to give Graph when subscribing this connector (at most 128 chars)."""
    key = hmac.new(secret_key.encode(), _CONTEXT, hashlib.sha256).digest()
    return hmac.new(key, str(connector_id).encode(), hashlib.sha256).hexdigest()


def validation_echo(token: str) -> str:
    """The body that answers Graph's validation request."""
    if not 1 <= len(token) <= MAX_VALIDATION_TOKEN:
        raise Invalid("the validationToken must be 1 to 2000 characters")
    return token


def check_notifications(payload: Any, expected_state: str) -> int:
    """How many notifications the body holds; BadClientState unless every one is ours."""
    items = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise Invalid("the body must be a JSON object with a non-empty list 'value'")
    for item in items:
        given = item.get("clientState")
        if not isinstance(given, str) or not hmac.compare_digest(
            given.encode(), expected_state.encode()
        ):
            raise BadClientState("a notification's clientState does not match")
    return len(items)
