"""Free-text comments as a reader may see them: contact details masked.

A comment that names an e-mail address or a phone number would point at a
person however large its group, so both are replaced before a comment is
pooled for release (and again when shown, for comments pooled by older code).
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
#: Seven or more digits, allowing spaces, dots, dashes, brackets and a leading +.
PHONE = re.compile(r"(?<!\w)\+?(?:[\s().-]*\d){7,}(?!\w)")
EMAIL_MASK = "[e-mail removed]"
PHONE_MASK = "[phone number removed]"


def mask_contact_details(text: str) -> str:
    """``text`` with every e-mail address and phone number replaced by a marker."""
    return PHONE.sub(lambda m: _keep_lead(m.group(0)), EMAIL.sub(EMAIL_MASK, text))


def _keep_lead(found: str) -> str:
    # The pattern may take the space before the number with it: keep that space.
    lead = found[: len(found) - len(found.lstrip())]
    return lead + PHONE_MASK
