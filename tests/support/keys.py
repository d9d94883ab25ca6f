"""One mixer key pair and pseudonym secret for the whole test session (as environment)."""

from __future__ import annotations

from surveys.intake.keys import PRIVATE_KEY, generate

#: Every key variable, as a worker process would have them.
KEYS: dict[str, str] = generate()
#: What a web process has: the public key and the secret, no private key.
WEB_KEYS: dict[str, str] = {k: v for k, v in KEYS.items() if k != PRIVATE_KEY}
