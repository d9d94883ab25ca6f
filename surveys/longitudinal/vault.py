"""Pairing records: a longitudinal response's pseudonym, readable by the worker only.

The sealed submission of a longitudinal programme carries the person's programme
pseudonym (HMAC under ``FLIPSIDE_PSEUDONYM_SECRET``, surveys/intake/keys.py)
inside the box. The mixer never stores it in plain form: for each stored
response it writes one :class:`~surveys.db.models.PairingRecord`, a secret box
of (response id, pseudonym) under the *pairing key*, derived from the workers'
private key and the pseudonym secret together. So

* a database reader sees rows of one length, all different (a random nonce
  each), that say only which programme they belong to;
* a web process (public key and secret, no private key) cannot open them;
* destroying either the private key or the secret makes them unreadable for
  good, and the stored responses permanently unpaired.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import uuid
from collections.abc import Iterable, Sequence

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from surveys.db.models import PairingRecord
from surveys.intake.keys import Keys

#: Pseudonyms are hex of SHA-256 (64 characters); others are hashed to that shape.
PSEUDONYM_LENGTH = 64
_LABEL = b"flipside/pairing-vault/v1"


def pairing_key(keys: Keys) -> bytes | None:
    """The key of the pairing records, or None where the private key is absent (web)."""
    if keys.private_key is None:
        return None
    label = hmac.new(keys.pseudonym_secret, _LABEL, hashlib.sha256).digest()
    return hmac.new(label, keys.private_key, hashlib.sha256).digest()


def _fixed(pseudonym: str) -> bytes:
    raw = pseudonym.encode()
    if len(raw) == PSEUDONYM_LENGTH and all(c in b"0123456789abcdef" for c in raw):
        return raw
    return hashlib.sha256(raw).hexdigest().encode()


def seal_record(key: bytes, response_id: uuid.UUID, pseudonym: str) -> bytes:
    """The record of one response (always 120 bytes: nonce, tag, 16 + 64 bytes)."""
    return bytes(SecretBox(key).encrypt(response_id.bytes + _fixed(pseudonym)))


def open_record(key: bytes, sealed: bytes) -> tuple[uuid.UUID, str]:
    """(response id, pseudonym) of one record; raises nacl's CryptoError on a wrong key."""
    plain = SecretBox(key).decrypt(bytes(sealed))
    return uuid.UUID(bytes=plain[:16]), plain[16:].decode()


def write_records(
    session: Session,
    key: bytes,
    rows: Sequence[tuple[int, uuid.UUID, str]],
    rng: random.Random,
) -> None:
    """Store (programme id, response id, pseudonym) rows as records, shuffled, random ids."""
    records = [
        {"id": uuid.uuid4(), "programme_id": programme_id, "sealed": seal_record(key, rid, alias)}
        for programme_id, rid, alias in rows
    ]
    rng.shuffle(records)
    if records:
        session.execute(insert(PairingRecord), records)


class PairingKeyMissing(Exception):
    """A longitudinal response was to be stored, or paired, without the pairing key."""


def pseudonyms_of(
    session: Session, key: bytes, programme_ids: Iterable[int]
) -> dict[uuid.UUID, str]:
    """response id -> pseudonym of the programmes' records (the worker only).

    A record that does not open under ``key`` (made under keys since replaced) is
    skipped: its response stays unpaired, as after the secret was destroyed.
    """
    found: dict[uuid.UUID, str] = {}
    ids = sorted(set(programme_ids))
    if not ids:
        return found
    query = select(PairingRecord.sealed).where(PairingRecord.programme_id.in_(ids))
    for (sealed,) in session.execute(query):
        try:
            rid, alias = open_record(key, sealed)
        except CryptoError:
            continue
        found[rid] = alias
    return found
