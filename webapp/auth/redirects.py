"""Where to send a browser after sign-in: the ``next=`` parameter, made safe.

Browsers drop tabs and line breaks anywhere in a URL, trim surrounding
whitespace and treat ``\\`` like ``/``, so ``/\\t/evil.example`` is
``//evil.example`` to them: a different site. The value is normalised the way a
browser would read it (percent-decoding included) and only a same-origin path is
accepted: one leading ``/``, no second ``/`` or ``\\`` after it, no scheme, no host.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

#: Characters a browser removes from anywhere in a URL before parsing it.
_STRIPPED = str.maketrans("", "", "\t\r\n")
_DECODE_ROUNDS = 3


def has_line_break(raw: str) -> bool:
    """Whether ``raw`` (or its percent-decoded form) holds CR or LF: never a real address."""
    value = raw
    for _ in range(_DECODE_ROUNDS):
        if "\r" in value or "\n" in value:
            return True
        value = unquote(value)
    return "\r" in value or "\n" in value


def _normalised(raw: str) -> str:
    return raw.translate(_STRIPPED).strip(" \x00\x0b\x0c")


def safe_next(raw: str | None) -> str | None:
    """``raw`` if it is a path on this site, else None (the caller picks a default)."""
    if not raw:
        return None
    value = _normalised(raw)
    candidate = value
    for _ in range(_DECODE_ROUNDS):  # "%2F%2Fevil" and "%252F..." must not slip through
        decoded = _normalised(unquote(candidate))
        if decoded == candidate:
            break
        candidate = decoded
    else:
        return None
    for form in (value, candidate):
        if not form.startswith("/") or form[1:2] in {"/", "\\"}:
            return None
        if "\\" in form or any(ord(c) < 0x20 or ord(c) == 0x7F for c in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return None
    return value
