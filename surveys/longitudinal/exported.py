"""Per-export pseudonyms: one person's rows share one within a bundle, and nothing else.

The export builder runs in a worker (workers/actors/exports.py). With the pairing
key it opens the scope's pairing records (:mod:`.vault`) and re-keys each
pseudonym under a random key made for this build alone and never stored: two
exports, even of the same scope, give one person unrelated pseudonyms, and
nothing in the database or in another export leads back to them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from sqlalchemy.orm import Session

from surveys.longitudinal.vault import pseudonyms_of

#: Characters of a per-export pseudonym (80 bits: unique within any export).
LENGTH = 20


def export_pseudonyms(session: Session, key: bytes, programme_ids: Iterable[int]) -> dict[str, str]:
    """response id (32 hex digits) -> its per-export pseudonym, for one build."""
    build_key = secrets.token_bytes(32)
    rekeyed: dict[str, str] = {}
    for rid, alias in pseudonyms_of(session, key, programme_ids).items():
        digest = hmac.new(build_key, alias.encode(), hashlib.sha256).hexdigest()
        rekeyed[rid.hex] = digest[:LENGTH]
    return rekeyed
