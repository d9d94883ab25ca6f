"""Masking free-text comments before they leave in an export.

Comments are exported only on request and only for groups of at least
:data:`surveys.disclosure.COMMENT_MIN` (see the bundle). What is left may still
name someone, so e-mail addresses, phone numbers and the names of the firm's
people (taken from their e-mail addresses and internal ids, as the HR import
holds no other name) are replaced by placeholders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)")
_NAME_PART = re.compile(r"[a-zA-Z][a-zA-Z'-]+")


def names_from_people(emails: Iterable[str], internal_ids: Iterable[str] = ()) -> frozenset[str]:
    """Name-like words of a firm's people: the parts of their e-mail's local part, their ids."""
    names: set[str] = set()
    for email in emails:
        local = email.split("@", 1)[0]
        for part in _NAME_PART.findall(local):
            pieces = [part, *re.split(r"['-]", part)]  # "o'neil-smith" -> also "neil", "smith"
            names.update(p.lower() for p in pieces if len(p) >= 3)
    names.update(i.lower() for i in internal_ids if len(i) >= 3)
    return frozenset(names)


class Masker:
    """Replaces e-mail addresses, phone numbers and known names in a comment."""

    def __init__(self, names: Iterable[str]) -> None:
        words = sorted({n for n in names if n}, key=len, reverse=True)
        self._names = (
            re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
            if words
            else None
        )

    def __call__(self, text: str) -> str:
        text = _EMAIL.sub("[email]", text)
        text = _PHONE.sub("[phone]", text)
        if self._names is not None:
            text = self._names.sub("[name]", text)
        return text
