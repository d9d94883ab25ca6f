"""The keys of anonymity at rest: the mixer's key pair and the pseudonym secret.

All three live outside the database (configuration, see README):

- ``FLIPSIDE_MIXER_PUBLIC_KEY``: X25519 public key (base64 of 32 bytes). Web
  processes seal submissions to it; they can never open what they wrote.
- ``FLIPSIDE_MIXER_PRIVATE_KEY``: its private key, only where the mixer runs.
- ``FLIPSIDE_PSEUDONYM_SECRET``: >= 32 random bytes (base64). Every keyed hash
  that stands for a person is derived from it: the person tag inside a sealed
  box (counts distinct people in a batch, then dropped) and the longitudinal
  pseudonym; with the private key, the key of the pairing records
  (surveys/longitudinal/vault.py). Destroying it makes them permanently unreadable.

Derivations are HMAC-SHA256 under purpose-labelled subkeys, so one secret never
serves two purposes directly. Nothing here touches the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey, PublicKey

PUBLIC_KEY = "FLIPSIDE_MIXER_PUBLIC_KEY"
PRIVATE_KEY = "FLIPSIDE_MIXER_PRIVATE_KEY"
PSEUDONYM_SECRET = "FLIPSIDE_PSEUDONYM_SECRET"
NAMES = (PUBLIC_KEY, PRIVATE_KEY, PSEUDONYM_SECRET)
#: Where the demo keeps its generated keys (beside ``demo-secret-key``).
DEMO_KEYS_FILE = "demo-keys"


class KeysError(ValueError):
    """A key is missing or malformed; the message names the variable (one line)."""


@dataclass(frozen=True)
class Keys:
    """The configured keys; ``private_key`` is None in processes that only seal."""

    public_key: bytes
    private_key: bytes | None
    pseudonym_secret: bytes


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def decode(name: str, raw: str, *, exact: int | None = None, at_least: int | None = None) -> bytes:
    """Base64 (urlsafe or standard, padding optional) of a key, checked for length."""
    text = raw.strip()
    try:
        value = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise KeysError(
            f"{name} is not base64 (generate keys with `flipside keys generate`)"
        ) from None
    if exact is not None and len(value) != exact:
        raise KeysError(f"{name} must be {exact} bytes (base64), got {len(value)}")
    if at_least is not None and len(value) < at_least:
        raise KeysError(f"{name} must be at least {at_least} bytes (base64), got {len(value)}")
    return value


def generate() -> dict[str, str]:
    """A new key pair and pseudonym secret, as ``{variable: value}``."""
    private = PrivateKey.generate()
    return {
        PUBLIC_KEY: _b64(bytes(private.public_key)),
        PRIVATE_KEY: _b64(bytes(private)),
        PSEUDONYM_SECRET: _b64(secrets.token_bytes(32)),
    }


def _demo_keys(instance_path: Path) -> dict[str, str]:
    """The demo's keys, generated once into ``instance/demo-keys`` (mode 0600)."""
    path = instance_path / DEMO_KEYS_FILE
    if path.exists():
        lines = (line.partition("=") for line in path.read_text().splitlines())
        return {name.strip(): value.strip() for name, _, value in lines if name.strip()}
    instance_path.mkdir(parents=True, exist_ok=True)
    found = generate()
    path.write_text("".join(f"{name}={value}\n" for name, value in found.items()))
    path.chmod(0o600)
    return found


def load_keys(env: Mapping[str, str], *, demo: bool, instance_path: Path) -> Keys:
    """Read the three variables (the demo falls back to its generated file).

    The public key and the secret are required everywhere; the private key is
    optional (web processes) but, when given, must match the public key.
    """
    values = {name: env.get(name, "").strip() for name in NAMES}
    if demo and not values[PUBLIC_KEY]:
        values = {**_demo_keys(instance_path), **{k: v for k, v in values.items() if v}}
    for name in (PUBLIC_KEY, PSEUDONYM_SECRET):
        if not values.get(name):
            raise KeysError(
                f"{name} is required (generate keys with `flipside keys generate`; "
                "only the demo, FLIPSIDE_DEMO=1, generates its own)"
            )
    public = decode(PUBLIC_KEY, values[PUBLIC_KEY], exact=32)
    secret = decode(PSEUDONYM_SECRET, values[PSEUDONYM_SECRET], at_least=32)
    private = None
    if values.get(PRIVATE_KEY):
        private = decode(PRIVATE_KEY, values[PRIVATE_KEY], exact=32)
        if bytes(PrivateKey(private).public_key) != public:
            raise KeysError(f"{PRIVATE_KEY} does not match {PUBLIC_KEY}")
    return Keys(public, private, secret)


def public_key(keys: Keys) -> PublicKey:
    return PublicKey(keys.public_key)


def _subkey(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"flipside/{purpose}/v1".encode(), hashlib.sha256).digest()


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def person_ref(secret: bytes, person_id: int, survey_key: str) -> str:
    """A person's opaque reference for one survey (travels in the signed page context).

    Keyed, so the database alone cannot produce or check it; it never reaches
    the database itself, only the sealed box's person tag derived from it.
    """
    return _mac(_subkey(secret, "person-ref"), f"{person_id}|{survey_key}")


def person_tag(secret: bytes, ref: str, tag_period: str) -> str:
    """The period-scoped person tag sealed with a submission: equal for one person's
    submissions of one survey in one tag period, unrelated across periods."""
    return _mac(_subkey(secret, "person-tag"), f"{ref}|{tag_period}")


def programme_tag(secret: bytes, ref: str, programme_id: int) -> str:
    """The programme-scoped person tag sealed with a submission: equal for one person's
    submissions of one survey across every period of one programme. Only the mixer
    sees it (inside sealed boxes and its sealed people sets); it counts the distinct
    people behind a figure across passes and periods (programme to date)."""
    return _mac(_subkey(secret, "person-programme-tag"), f"{ref}|{programme_id}")


def pseudonym(secret: bytes, programme_id: int, person_id: int) -> str:
    """The longitudinal pseudonym: HMAC of the person under the programme's key,
    which is derived from the secret (the database holds no key)."""
    key = hmac.new(_subkey(secret, "pseudonym"), str(programme_id).encode(), hashlib.sha256)
    return _mac(key.digest(), str(person_id))


def rekey_pseudonym(secret: bytes, old: str) -> str:
    """An existing pseudonym (made under a key once stored in the database) re-keyed
    under the secret: pairs stay paired, the old keys can be destroyed."""
    return _mac(_subkey(secret, "pseudonym-rekey"), old)
