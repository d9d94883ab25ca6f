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
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.db.models import Response
from surveys.longitudinal.vault import pseudonyms_of

#: Characters of a per-export pseudonym (80 bits: unique within any export).
LENGTH = 20


@dataclass(frozen=True)
class ExportPseudonyms:
    """One build's pseudonyms and the surveys whose rows carry them."""

    #: response id (32 hex digits) -> its per-export pseudonym
    by_response: dict[str, str] = field(default_factory=dict)
    survey_keys: frozenset[str] = frozenset()


def export_pseudonyms(
    session: Session, key: bytes, programme_ids: Iterable[int]
) -> ExportPseudonyms:
    """The per-export pseudonyms of the programmes' paired responses, for one build."""
    build_key = secrets.token_bytes(32)
    found = pseudonyms_of(session, key, programme_ids)
    rekeyed: dict[str, str] = {}
    for rid, alias in found.items():
        digest = hmac.new(build_key, alias.encode(), hashlib.sha256).hexdigest()
        rekeyed[rid.hex] = digest[:LENGTH]
    ids = sorted(found)
    keys: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        keys.update(
            session.scalars(
                select(Response.survey_key)
                .where(Response.id.in_(ids[start : start + _CHUNK]))
                .distinct()
            )
        )
    return ExportPseudonyms(rekeyed, frozenset(keys))


_CHUNK = 5000
