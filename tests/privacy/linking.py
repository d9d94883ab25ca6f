"""The database reader's linking attacks as plain functions over what the database holds.

Kept apart from the tests so each attack reads as the attacker would run it:
read everything, build candidate sets, eliminate, count what is left.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import hmac
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from surveys.db.base import Base
from surveys.domain.vocab import gender_group, level_band, tenure_band

ANY = "*"


@dataclass(frozen=True)
class Stored:
    """A stored response as a reader sees it: its quasi-identifiers."""

    id: str
    programme_id: int
    survey_key: str
    period_kind: str
    period: str
    round_id: int | None
    role: str
    level_band: str
    tenure_band: str
    gender_group: str


@dataclass(frozen=True)
class Claimed:
    """A responded invitation with everything the database says about its person."""

    invitation_id: int
    person_id: int
    programme_id: int
    survey_key: str
    round_id: int | None
    role: str
    met_on: date | None
    expires_on: date
    level: str
    started_on: date
    gender: str | None


def period_range(kind: str, period: str, rounds: dict[int, tuple[date, date]]) -> tuple[date, date]:
    """First and last day a stored period can stand for."""
    if kind == "week":
        start = date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return start, start + timedelta(days=6)
    if kind == "month":
        year, month = int(period[:4]), int(period[5:7])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return rounds[int(period)]


def read_stored(session: Session) -> list[Stored]:
    rows = session.execute(
        text(
            "SELECT CAST(id AS VARCHAR) AS id, programme_id, survey_key, period_kind, period,"
            " round_id, role, level_band, tenure_band, gender_group FROM responses"
        )
    )
    return [Stored(**row._mapping) for row in rows]


def read_claimed(session: Session) -> list[Claimed]:
    rows = session.execute(
        text(
            """
            SELECT i.id AS invitation_id, i.person_id, i.programme_id, i.survey_key, i.round_id,
                   CASE WHEN pr.mentor_id = i.person_id THEN 'mentor'
                        WHEN pr.mentee_id = i.person_id THEN 'mentee'
                        ELSE e.role END AS role,
                   m.held_on AS met_on, i.expires_at, p.level, p.started_on, p.gender
            FROM survey_invitations i
            JOIN people p ON p.id = i.person_id
            LEFT JOIN meetings m ON m.id = i.meeting_id
            LEFT JOIN pairings pr ON pr.id = m.pairing_id
            LEFT JOIN enrolments e
                   ON e.person_id = i.person_id AND e.programme_id = i.programme_id
            WHERE i.responded
            """
        )
    )
    found = []
    for r in rows:
        values: dict[str, Any] = dict(r._mapping)
        for name in ("met_on", "started_on"):
            if isinstance(values[name], str):
                values[name] = date.fromisoformat(values[name][:10])
        expires = values.pop("expires_at")
        values["expires_on"] = date.fromisoformat(str(expires)[:10])
        found.append(Claimed(**values))
    return found


def _rounds(session: Session) -> dict[int, tuple[date, date]]:
    rows = session.execute(text("SELECT id, opened_on, closes_on FROM survey_rounds"))
    return {
        rid: (date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10]))
        for rid, start, end in rows
    }


def _fits(value: str, possible: set[str]) -> bool:
    return value == ANY or value in possible


def candidates(
    response: Stored, claimed: Iterable[Claimed], rounds: dict[int, tuple[date, date]], strict: bool
) -> set[int]:
    """The responded invitations that could have produced ``response``.

    ``strict``: the submission fell inside the stored period (the invitation
    was open then); otherwise only "not before the meeting" (a batch carried
    into a later period)."""
    start, end = period_range(response.period_kind, response.period, rounds)
    found = set()
    for c in claimed:
        if (c.programme_id, c.survey_key) != (response.programme_id, response.survey_key):
            continue
        if response.period_kind == "round" and c.round_id != int(response.period):
            if strict:
                continue
        if c.met_on is not None and c.met_on > end:
            continue
        if strict and c.expires_on < start:
            continue
        tenures = {tenure_band(c.started_on, start), tenure_band(c.started_on, end)}
        if not (
            _fits(response.role, {c.role})
            and _fits(response.level_band, {level_band(c.level)})
            and _fits(response.tenure_band, tenures)
            and _fits(response.gender_group, {gender_group(c.gender)})
        ):
            continue
        found.add(c.invitation_id)
    return found


def eliminate(session: Session) -> dict[str, set[int]]:
    """Each stored response's candidate *people*, after iterative elimination.

    An invitation yields exactly one response; an invitation that is the only
    candidate of some response is removed from every other response's set,
    until nothing changes. Returns response id -> distinct candidate people.
    """
    stored, claimed, rounds = read_stored(session), read_claimed(session), _rounds(session)
    person = {c.invitation_id: c.person_id for c in claimed}
    sets: dict[str, set[int]] = {}
    for response in stored:
        found = candidates(response, claimed, rounds, strict=True)
        sets[response.id] = found or candidates(response, claimed, rounds, strict=False)
    changed = True
    while changed:
        changed = False
        singles = {rid: next(iter(s)) for rid, s in sets.items() if len(s) == 1}
        for rid, found in sets.items():
            for other, invitation in singles.items():
                if other != rid and invitation in found and len(found) > 1:
                    found.discard(invitation)
                    changed = True
    return {rid: {person[i] for i in found} for rid, found in sets.items()}


# --- pseudonym recomputation -------------------------------------------------


def every_value(session: Session) -> Iterator[Any]:
    """Every value of every column of every table (the reader's whole database)."""
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            yield from row


def key_like(values: Iterable[Any]) -> set[bytes]:
    """Every str/bytes value as raw bytes, and decoded from hex or base64 when it is."""
    keys: set[bytes] = set()
    for value in values:
        if isinstance(value, memoryview):
            value = bytes(value)
        if isinstance(value, bytes):
            keys.add(value)
            continue
        if not isinstance(value, str) or not value:
            continue
        keys.add(value.encode())
        for decode in (bytes.fromhex, base64.b64decode, base64.urlsafe_b64decode):
            try:
                keys.add(decode(value))
            except (ValueError, binascii.Error):
                pass
    keys.discard(b"")
    return keys


def recomputations(keys: Iterable[bytes], messages: Iterable[str], programme_id: int) -> set[str]:
    """HMAC-SHA256 and SHA-256 of every message under every key, as hex (lower case),
    directly and through a programme-scoped subkey HMAC(key, programme id)."""
    texts = [m.encode() for m in messages]
    found = {hashlib.sha256(m).hexdigest() for m in texts}
    scoped = str(programme_id).encode()
    for key in keys:
        sub = hmac.new(key, scoped, hashlib.sha256).digest()
        for m in texts:
            found.add(hmac.new(key, m, hashlib.sha256).hexdigest())
            found.add(hmac.new(sub, m, hashlib.sha256).hexdigest())
            found.add(hashlib.sha256(key + m).hexdigest())
    return found


def match_lengths(sealed: Mapping[int, int], sizes: Mapping[str, int]) -> dict[str, set[int]]:
    """The length-matching attack: sealed rows (invitation -> ciphertext length, tied by
    polling the inbox between submissions) against stored responses (id -> the size of
    their content, e.g. a comment's UTF-8 bytes). Whatever the padding rule, a longer
    plain text never seals shorter: sort both, give the shortest contents to the shortest
    rows, and each response's candidates are the invitations of its length class."""
    by_length: dict[int, list[int]] = {}
    for invitation, length in sorted(sealed.items(), key=lambda item: item[1]):
        by_length.setdefault(length, []).append(invitation)
    ranked = sorted(sizes, key=lambda response: sizes[response])
    found: dict[str, set[int]] = {}
    start = 0
    for length in sorted(by_length):
        share = len(by_length[length]) * len(ranked) // max(len(sealed), 1)
        for response in ranked[start : start + max(share, 1)]:
            found[response] = set(by_length[length])
        start += max(share, 1)
    for response in ranked[start:]:  # rounding leftovers: the longest class
        found[response] = set(by_length[max(by_length)]) if by_length else set()
    return found
