"""Sealing a submission for the mixer, and opening it again (the mixer only).

A sealed submission is a libsodium sealed box (X25519 + XSalsa20-Poly1305,
through PyNaCl) to the mixer's public key: anyone holding the public key (every
web process) can seal, only the private key (worker processes) can open. The
plain text is compact JSON padded with spaces to its survey version's one fixed
size (:func:`plain_size`, from :mod:`surveys.intake.padding`), so every sealed
submission of a version has the same length whatever was answered. Rows sealed
by older code (format 1, padded to a multiple of 256 bytes) still open.

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
from functools import lru_cache
from typing import Any

from nacl.public import PrivateKey, PublicKey, SealedBox

from surveys.definitions import SurveyDefinition, catalogue
from surveys.domain.periods import month_of_week, week_of
from surveys.intake.padding import TooLarge, worst_case

#: The plain-text format: 2 is padded to the survey version's fixed size; 1 (older
#: rows, still opened) was padded to a multiple of 256 bytes.
_VERSION = 2
_READABLE = frozenset({1, 2})


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


def encode_plain(submission: Submission) -> bytes:
    """The submission as compact JSON, before padding."""
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
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


@lru_cache(maxsize=64)
def plain_size(definition: SurveyDefinition) -> int:
    """The one plain-text size of every sealed submission of ``definition``'s version."""
    worst = worst_case(definition)
    answers = tuple(SealedAnswer(*row) for row in worst.pop("answers"))
    return len(encode_plain(Submission(**worst, answers=answers)))


def pad(plain: bytes, size: int) -> bytes:
    """``plain`` padded with JSON whitespace to exactly ``size`` bytes (TooLarge if longer)."""
    if len(plain) > size:
        raise TooLarge(f"a sealed submission holds at most {size} bytes, this one {len(plain)}")
    return plain + b" " * (size - len(plain))


def _decode(raw: bytes) -> Submission:
    fields = json.loads(raw.rstrip(b" "))
    person = fields[11] if len(fields) > 11 else None  # boxes sealed before it was added
    version, survey, survey_version, firm, programme, round_id, cohort, period, tag, alias, rows = (
        fields[:11]
    )
    if version not in _READABLE:
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


def seal(
    public_key: bytes, submission: Submission, definition: SurveyDefinition | None = None
) -> bytes:
    """Encrypt ``submission`` to the mixer: only the private key opens it.

    The plain text is padded to the fixed size of its survey version
    (``definition``, by default the shipped one); raises TooLarge if it does not fit.
    """
    definition = definition or catalogue().get(submission.survey_key, submission.survey_version)
    plain = pad(encode_plain(submission), plain_size(definition))
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plain))


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
