"""A database reader ties each sealed row to its invitation and matches lengths (issue 22).

The sealed row is written in the statement that claims the invitation, and
polling the inbox between submissions ties it just as well; so its length must
tell nothing (PRODUCT.md 2.3). Real submissions -- through the service and as
live HTTP visits -- carry comments of very different lengths (and none); the
attacker records each new sealed row's length against the invitation just
claimed, lets the mixer store the responses, then matches the stored comments'
sizes to the sealed lengths (:func:`tests.privacy.linking.match_lengths`).

Every sealed row of one survey version has one length, so the attack links
nobody. As a control, the same attack on the lengths the former padding (to a
multiple of 256 bytes) gave these very submissions links people, so the test
would fail if sealing went back to it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text

from surveys.db.session import Database
from surveys.intake.sealing import Opener, encode_plain
from tests.privacy import linking
from tests.privacy.summary import record
from tests.privacy.world import World, answers_for, build_world, visit_and_submit
from tests.support.sealing import keys_for_tests, mix, submit_token

K = 5
#: Comments from none to the maximum of 500 characters, in 1-, 2-, 3- and 4-byte characters.
COMMENTS = (
    "",
    "Fine.",
    "",
    "We talked about the next deal and how to run it. " * 2,
    "é" * 480,
    "",
    "Good session, thank you.",
    "€" * 300,
    "a" * 500,
    "",
    "🙂" * 500,
    "Useful " * 40,
)
#: The sealed box's overhead: an ephemeral public key (32 bytes) and a MAC (16 bytes).
OVERHEAD = 48


def sealed_lengths(db: Database) -> dict[str, bytes]:
    with db.sessions() as session:
        rows = session.execute(text("SELECT CAST(id AS VARCHAR), sealed FROM sealed_submissions"))
        return {row_id: bytes(sealed) for row_id, sealed in rows}


def submit_polling(world: World, client: Any) -> dict[int, bytes]:
    """Every invitation answered with a comment of its own length; after each, the
    attacker reads the inbox and ties the one new sealed row to the invitation."""
    tied: dict[int, bytes] = {}
    before = sealed_lengths(world.db)
    # Live visits on PostgreSQL only: on SQLite the page's read and the submission's write
    # are two connections to one file, and a longitudinal programme's page carries no
    # context, so the write waits on the read (the suite's other live attacks do the same).
    live = world.db.url.startswith("postgresql")
    for n, invited in enumerate(world.invitations):
        answers = {**answers_for(invited, n), "comment": [COMMENTS[n % len(COMMENTS)]]}
        if live and n % 4 == 3:  # a live visit: GET the page, POST the form
            visit_and_submit(client, invited.token, answers)
        else:
            when = datetime.combine(invited.meeting_day + timedelta(days=1), time(10), UTC)
            with world.db.transaction() as session:
                submit_token(session, invited.token, answers, now=when)
        after = sealed_lengths(world.db)
        (new,) = set(after) - set(before)
        tied[invited.invitation_id] = after[new]
        before = after
    return tied


def stored_comment_sizes(db: Database) -> dict[str, tuple[str, int]]:
    """Each stored response: its survey and its comment's size in UTF-8 bytes (0: none)."""
    with db.sessions() as session:
        rows = session.execute(
            text(
                "SELECT CAST(r.id AS VARCHAR), r.survey_key, a.text FROM responses r"
                " LEFT JOIN answers a ON a.response_id = r.id AND a.question_key = 'comment'"
            )
        )
        return {rid: (survey, len((comment or "").encode())) for rid, survey, comment in rows}


def attack(world: World, lengths: dict[int, int], stored: dict[str, tuple[str, int]]) -> int:
    """Responses the length-matching attack narrows to fewer than K people, per survey."""
    person = {i.invitation_id: i.person_id for i in world.invitations}
    survey = {i.invitation_id: f"{i.role}_pulse" for i in world.invitations}
    linked = 0
    for key in {s for s, _ in stored.values()}:
        sealed = {i: length for i, length in lengths.items() if survey[i] == key}
        sizes = {rid: size for rid, (s, size) in stored.items() if s == key}
        for candidates in linking.match_lengths(sealed, sizes).values():
            if len({person[i] for i in candidates}) < K:
                linked += 1
    return linked


def test_sealed_length_tells_nothing_and_matching_lengths_links_nobody(
    db: Database, web_for: Any
) -> None:
    world = build_world(db)
    tied = submit_polling(world, web_for(db))
    by_survey: dict[str, set[int]] = defaultdict(set)
    roles = {i.invitation_id: i.role for i in world.invitations}
    for invitation, sealed in tied.items():
        by_survey[roles[invitation]].add(len(sealed))
    # What the former padding would have written for these very submissions (the test
    # holds the private key; the attacker does not and needs it not).
    opener = Opener(keys_for_tests().private_key or b"")
    legacy = {
        invitation: -(-len(encode_plain(opener.open(sealed))) // 256) * 256 + OVERHEAD
        for invitation, sealed in tied.items()
    }
    mix(db, k=K, today=date.today() + timedelta(days=60))
    stored = stored_comment_sizes(db)
    assert sum(1 for _, size in stored.values() if size > 0) >= 10, "too few comments stored"

    linked = attack(world, {i: len(sealed) for i, sealed in tied.items()}, stored)
    linked_before = attack(world, legacy, stored)
    record("sealed row length (fixed size per version)", linked, len(stored))
    record("sealed row length (former 256-byte padding, control)", linked_before, len(stored))

    assert {role: len(lengths) for role, lengths in by_survey.items()} == {
        "mentor": 1,
        "mentee": 1,
    }, by_survey
    assert linked == 0
    assert linked_before > 0, "the control attack should link someone under the former padding"
    assert len(set(legacy.values())) > 2, "the comments should span several 256-byte blocks"
