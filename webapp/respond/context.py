"""Carrying a submission's context from the page view to the submission, signed.

The page view reads the invitation anyway; it puts the survey and the coarse
cohort bands (never raw HR attributes, never a person id) into a hidden field
signed with the server's key and bound to the link's token, so the submission
can be a single conditional write. A missing, forged or foreign context is
ignored and the submission reads the invitation itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from surveys.services.responses import SubmissionContext
from surveys.services.tokens import hash_token

_SALT = "flipside.survey-context.v1"
_FIELDS = {f.name: f.type for f in dataclasses.fields(SubmissionContext)}


def _binding(token: str) -> str:
    return hash_token(token)[:16]


def dump_context(secret_key: str, context: SubmissionContext, token: str) -> str:
    data = dataclasses.asdict(context)
    if data.pop("pseudonym") is not None:
        raise ValueError("longitudinal contexts are never sent to the browser")
    return str(URLSafeSerializer(secret_key, salt=_SALT).dumps([_binding(token), data]))


def load_context(secret_key: str, raw: str, token: str) -> SubmissionContext | None:
    if not raw or len(raw) > 2000:
        return None
    try:
        binding, data = URLSafeSerializer(secret_key, salt=_SALT).loads(raw)
    except (BadSignature, ValueError, TypeError):
        return None
    if binding != _binding(token) or not isinstance(data, dict):
        return None
    if set(data) != set(_FIELDS) - {"pseudonym"}:
        return None
    values: dict[str, Any] = dict(data)
    try:
        return SubmissionContext(**values, pseudonym=None)
    except TypeError:
        return None
