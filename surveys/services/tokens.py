"""Survey-link tokens and "we met" links.

A survey token is 128 bits: the first 16 bytes of HMAC-SHA256(key, salt), with
a random 128-bit salt kept on the invitation and a key derived from SECRET_KEY.
Only SHA-256(token) is stored and looked up. The database alone therefore
cannot produce a working link, while the mail actor and the reminder job can
rebuild the link they send without the token ever being written down.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

_SURVEY_CONTEXT = b"flipside/survey-link/v1"
_MET_CONTEXT = b"flipside/we-met-link/v1"
TOKEN_BYTES = 16


def _key(secret_key: str, context: bytes) -> bytes:
    return hmac.new(secret_key.encode(), context, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_salt() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def survey_token(secret_key: str, salt: str) -> str:
    """The 22-character link token for an invitation with ``salt``."""
    digest = hmac.new(_key(secret_key, _SURVEY_CONTEXT), bytes.fromhex(salt), hashlib.sha256)
    return _b64(digest.digest()[:TOKEN_BYTES])


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return len(token) == 22 and all(c.isalnum() or c in "-_" for c in token)


def met_token(secret_key: str, pairing_id: int, person_id: int) -> str:
    """A stable, signed token for one participant's "we met" link of one pairing."""
    body = f"{pairing_id}.{person_id}"
    mac = hmac.new(_key(secret_key, _MET_CONTEXT), body.encode(), hashlib.sha256).digest()[:12]
    return f"{body}.{_b64(mac)}"


def read_met_token(secret_key: str, token: str) -> tuple[int, int] | None:
    """(pairing_id, person_id) when ``token`` is authentic, else None."""
    try:
        pairing, person, mac = token.split(".")
        expected = met_token(secret_key, int(pairing), int(person)).rsplit(".", 1)[1]
    except (ValueError, binascii.Error):
        return None
    if not hmac.compare_digest(mac, expected):
        return None
    return int(pairing), int(person)
