"""Sealing a submission for the mixer, and opening it again (the mixer only).

A sealed submission is a libsodium sealed box (X25519 + XSalsa20-Poly1305,
through PyNaCl) to the mixer's public key: anyone holding the public key (every
web process) can seal, only the private key (worker processes) can open. The
plain text is compact JSON padded to a multiple of :data:`PAD` bytes, so the
ciphertext's length does not tell how long a comment was.

Periods. A pulse is routed by the ISO week of its submission day
(``2026-W07``), a climate round by ``round:<id>``; both are known from the
invitation anyway. The person tag inside the box is scoped to the *tag period*:
the month of the week (weeks merge into months, so one person must be counted
once across them) or the round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from nacl.public import PrivateKey, PublicKey, SealedBox

from surveys.domain.periods import month_of_week, week_of

#: Plain texts are padded to a multiple of this many bytes before sealing.
PAD = 256
_VERSION = 1


@dataclass(frozen=True)
class SealedAnswer:
    question_key: str
    item: str
    value: int | None
    text: str | None


@dataclass(frozen=True)
class Submission:
    """What a sealed box holds: answers, survey, cohort snapshot, period and person tag."""

    survey_key: str
    survey_version: int
    firm_id: int
    programme_id: int
    round_id: int | None
    role: str
    level_band: str
    tenure_band: str
    gender_group: str
    period: str
    tag: str
    answers: tuple[SealedAnswer, ...]
    pseudonym: str | None = None
    #: The programme-scoped person tag (:func:`surveys.intake.keys.programme_tag`);
    #: None in boxes sealed before it existed.
    person: str | None = None

    @property
    def tag_period(self) -> str:
        return tag_period(self.period)


def period_of(round_id: int | None, day: date) -> str:
    """The routing period of a submission made on ``day``."""
    return f"round:{round_id}" if round_id is not None else week_of(day)


def tag_period(period: str) -> str:
    return period if period.startswith("round:") else month_of_week(period)


def _encode(submission: Submission) -> bytes:
    data: list[Any] = [
        _VERSION,
        submission.survey_key,
        submission.survey_version,
        submission.firm_id,
        submission.programme_id,
        submission.round_id,
        [submission.role, submission.level_band, submission.tenure_band, submission.gender_group],
        submission.period,
        submission.tag,
        submission.pseudonym,
        [[a.question_key, a.item, a.value, a.text] for a in submission.answers],
        submission.person,
    ]
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return raw + b" " * (-len(raw) % PAD)


def _decode(raw: bytes) -> Submission:
    fields = json.loads(raw)
    person = fields[11] if len(fields) > 11 else None  # boxes sealed before it was added
    version, survey, survey_version, firm, programme, round_id, cohort, period, tag, alias, rows = (
        fields[:11]
    )
    if version != _VERSION:
        raise ValueError(f"unknown sealed submission version {version!r}")
    return Submission(
        survey_key=survey,
        survey_version=survey_version,
        firm_id=firm,
        programme_id=programme,
        round_id=round_id,
        role=cohort[0],
        level_band=cohort[1],
        tenure_band=cohort[2],
        gender_group=cohort[3],
        period=period,
        tag=tag,
        pseudonym=alias,
        answers=tuple(SealedAnswer(*row) for row in rows),
        person=person,
    )


def seal(public_key: bytes, submission: Submission) -> bytes:
    """Encrypt ``submission`` to the mixer: only the private key opens it."""
    return bytes(SealedBox(PublicKey(public_key)).encrypt(_encode(submission)))


class Opener:
    """Opens sealed submissions with the mixer's private key (workers only).

    ``pairing_key`` (surveys/longitudinal/vault.py) lets the pass store a
    longitudinal submission's pseudonym encrypted; without it none can be stored.
    """

    def __init__(self, private_key: bytes, pairing_key: bytes | None = None) -> None:
        key = PrivateKey(private_key)
        self._box = SealedBox(key)
        #: The matching public key: what the mixer seals its own state to.
        self.public_key = bytes(key.public_key)
        self.pairing_key = pairing_key

    def open(self, sealed: bytes) -> Submission:
        return _decode(self._box.decrypt(sealed))

    def open_raw(self, sealed: bytes) -> bytes:
        """The plain bytes of any box sealed to this key (the mixer's own state)."""
        return bytes(self._box.decrypt(sealed))
