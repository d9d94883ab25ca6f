"""Carrying a submission's context from the page view to the submission, signed;
and the survey form's CSRF token, bound to the link instead of a session.

The page view reads the invitation anyway; it puts the survey and the coarse
cohort bands (never raw HR attributes, never a person id) into a hidden field
signed with the server's key and bound to the link's token, so the submission
can be a single conditional write. A missing, forged or foreign context is
ignored and the submission reads the invitation itself.

The survey pages set no cookie at all: a participant is never given a session
that could follow them from one survey link to the next. The form's CSRF token
is instead an HMAC of the link's token under the server's key, so only a page
served for that link can post to it (a synchronizer token whose state is the
link itself); checking it is one HMAC, with no session to decode.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from typing import Any

from surveys.services.responses import SubmissionContext
from surveys.services.tokens import hash_token

_CONTEXT_KEY = b"flipside.survey-context.v2"
_FORM_SALT = b"flipside.survey-form.v1:"
_FIELDS = [f.name for f in dataclasses.fields(SubmissionContext) if f.name != "pseudonym"]


def _binding(token: str) -> str:
    return hash_token(token)[:16]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret_key: str, payload: str) -> str:
    key = hmac.new(secret_key.encode(), _CONTEXT_KEY, hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def dump_context(secret_key: str, context: SubmissionContext, token: str) -> str:
    """``payload.signature``: the payload is base64url JSON ``[binding, {field: value}]``,
    the signature an HMAC-SHA256 of it (one HMAC to check, on every submission)."""
    data = dataclasses.asdict(context)
    if data.pop("pseudonym") is not None:
        raise ValueError("longitudinal contexts are never sent to the browser")
    payload = _b64(json.dumps([_binding(token), data], separators=(",", ":")).encode())
    return f"{payload}.{_mac(secret_key, payload)}"


def load_context(secret_key: str, raw: str, token: str) -> SubmissionContext | None:
    payload, _, signature = (raw or "").partition(".")
    if (
        not payload
        or len(raw) > 2000
        or not hmac.compare_digest(_mac(secret_key, payload), signature)
    ):
        return None
    try:
        binding, data = json.loads(_unb64(payload))
    except ValueError:
        return None
    if binding != _binding(token) or not isinstance(data, dict) or sorted(data) != sorted(_FIELDS):
        return None
    values: dict[str, Any] = dict(data)
    try:
        return SubmissionContext(**values, pseudonym=None)
    except TypeError:
        return None


def form_token(secret_key: str, token: str) -> str:
    """The survey form's CSRF token for one link (the same on every view of that page)."""
    mac = hmac.new(secret_key.encode(), _FORM_SALT + hash_token(token).encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()[:24]).decode()


def form_token_valid(secret_key: str, token: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(form_token(secret_key, token), sent or "")
