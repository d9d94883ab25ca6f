"""A reverse proxy's access log cannot be paired with stored responses (PRODUCT.md 2.3).

The attack of issue 13: a proxy in front of Flipside logs ``POST /s/<token>`` in
the order the submissions arrived (Flipside redacts only its own logs), and the
token names the invitation, so the person. Before the sealed inbox, responses
sat on disk (PostgreSQL ``ctid`` order) in arrival order and shared ``xmin``
with the invitation each claimed, so pairing the two orders linked most of them.

Here real browsers' visits (GET the page, POST the answers, follow the redirect)
go through a real HTTP server on loopback with a logging proxy in front; the
mixer then runs one pass. The test knows the truth (each person gives an answer
combination nobody else gives) and checks that the physical order of the stored
responses tells nothing about the log order, and that no stored response shares
its transaction id with an invitation or with fewer than k - 1 other responses.
"""

from __future__ import annotations

import random
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from surveys.db.session import Database
from surveys.intake.sealing import Opener
from surveys.services.invitations import issue_pulse_invitations
from tests.support import factories as f
from tests.support.sealing import keys_for_tests, mix

K = 5
#: mentors and mentees, women and men: four cohorts of PER_COHORT people each
PER_COHORT = 25
_POST_LINE = re.compile(r"^POST /s/([A-Za-z0-9_-]{22}) 303$")


class AccessLog:
    """What a reverse proxy writes: one line per request, in the order they finished."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def logged(status: str, headers: Any, *rest: Any) -> Any:
            with self._lock:
                self.lines.append(
                    f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {status.split()[0]}"
                )
            return start_response(status, headers, *rest)

        return self.app(environ, logged)


@pytest.fixture
def proxied(pg_db: Database, make_settings: Callable[..., Any]) -> Iterator[tuple[str, AccessLog]]:
    """The app (web keys only matter to it: it seals) served on loopback behind the log."""
    from webapp import create_app

    settings = make_settings(database_url=pg_db.url, secret_key=f.SECRET)
    log = AccessLog(create_app({"FLIPSIDE_DATABASE": pg_db}, settings=settings))
    server = make_server("127.0.0.1", 0, log, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", log
    server.shutdown()
    thread.join(timeout=5)


def _people(db: Database) -> dict[str, tuple[str, int]]:
    """Invite four cohorts; link token -> (survey, the person's number within the survey)."""
    tokens: dict[str, tuple[str, int]] = {}
    with db.transaction() as session:
        programme = f.programme(session)
        for n in range(2 * PER_COHORT):
            gender = "woman" if n % 2 else "man"
            mentor = f.person(session, programme.firm, level="associate", gender=gender)
            mentee = f.person(session, programme.firm, level="partner", gender=gender)
            pairing = f.pairing(session, programme, mentor=mentor, mentee=mentee)
            meeting = f.meeting(session, pairing, held_on=date.today() - timedelta(days=1))
            for invitation in issue_pulse_invitations(session, meeting.id, f.SECRET, ttl_days=14):
                survey = "mentor_pulse" if invitation.person_id == mentor.id else "mentee_pulse"
                tokens[f.token_of(invitation)] = (survey, n)
    return tokens


def _answers(survey: str, n: int) -> dict[str, str]:
    """An answer combination only person ``n`` of ``survey`` gives (the test's ground truth)."""
    digits = (1 + n % 5, 1 + n // 5 % 5, 1 + n // 25 % 5)
    keys = (
        ("spoke_openly", "mentee_engaged", "good_use_of_time")
        if survey == "mentor_pulse"
        else ("gained_insight", "will_act", "open_and_honest")
    )
    return {**{k: str(d) for k, d in zip(keys, digits, strict=True)}, "recommend_programme": "7"}


def _signature(survey: str, answers: Iterable[tuple[str, int | None]]) -> tuple[Any, ...]:
    return (survey, *sorted((q, v) for q, v in answers if q != "recommend_programme"))


def _visit(base_url: str, token: str, answers: dict[str, str]) -> None:
    """A browser's whole visit: GET the page, POST the form with its hidden fields, follow."""
    page = urllib.request.urlopen(f"{base_url}/s/{token}").read().decode()
    hidden = dict(
        re.findall(r'name="(csrf_token|context)" (?:type="hidden" )?value="([^"]+)"', page)
    )
    body = urllib.parse.urlencode({**answers, **hidden}).encode()
    with urllib.request.urlopen(f"{base_url}/s/{token}", data=body) as done:
        assert done.url.endswith("/s/thanks")


def _spearman(xs: list[int], ys: list[int]) -> float:
    """Rank correlation of two permutations of 0..n-1 (no ties)."""
    n = len(xs)
    d2 = sum((x - y) ** 2 for x, y in zip(xs, ys, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def _as_ints(answers: dict[str, str]) -> set[tuple[str, int | None]]:
    return {(q, int(v)) for q, v in answers.items()}


def test_heap_order_after_mixing_does_not_follow_a_proxy_log(
    pg_db: Database, proxied: tuple[str, AccessLog]
) -> None:
    base_url, log = proxied
    people = _people(pg_db)
    order = list(people)
    random.Random(13).shuffle(order)  # people answer in their own order
    for token in order:
        _visit(base_url, token, _answers(*people[token]))
    posted = [m.group(1) for m in map(_POST_LINE.match, log.lines) if m]
    assert len(posted) == len(people) == 4 * PER_COHORT
    with pg_db.sessions() as session:
        assert session.execute(text("SELECT count(*) FROM responses")).scalar_one() == 0
        invitation_xmins = set(
            session.scalars(text("SELECT xmin::text FROM survey_invitations WHERE responded"))
        )
        inbox = session.scalars(
            text("SELECT sealed FROM sealed_submissions ORDER BY xmin::text::bigint")
        ).all()

    truth = {}
    for position, token in enumerate(posted):
        survey, n = people[token]
        truth[_signature(survey, _as_ints(_answers(survey, n)))] = position
    assert len(truth) == len(people)  # each combination is one person's

    # The control: unmixed, the inbox's transaction ids follow the log, so the method
    # would link them; it is sealed, though (only the workers' private key opens it,
    # the boundary PRODUCT.md 2.3 states).
    opener = Opener(keys_for_tests().private_key or b"")
    opened = [opener.open(bytes(row)) for row in inbox]
    inbox_rank = [
        truth[_signature(s.survey_key, {(a.question_key, a.value) for a in s.answers})]
        for s in opened
    ]
    assert _spearman(list(range(len(inbox_rank))), inbox_rank) > 0.99

    report = mix(pg_db, k=K)
    assert (report.released, report.waiting) == (len(people), 0)

    with pg_db.sessions() as session:
        stored = session.execute(
            text(
                "SELECT r.id, r.survey_key, r.role, r.gender_group, r.xmin::text AS xmin "
                "FROM responses r ORDER BY r.ctid"
            )
        ).all()
        answers: dict[Any, set[tuple[str, int | None]]] = {}
        for response_id, question, value in session.execute(
            text("SELECT response_id, question_key, value FROM answers")
        ):
            answers.setdefault(response_id, set()).add((question, value))
    assert len(stored) == len(people)

    # Pair the heap order with the log order, as the attacker would: globally ...
    log_rank = [truth[_signature(r.survey_key, answers[r.id])] for r in stored]
    rho = _spearman(list(range(len(log_rank))), log_rank)
    assert abs(rho) < 0.4, f"heap order follows the log: rank correlation {rho:.2f}"
    exact = sum(1 for heap, logged in enumerate(log_rank) if heap == logged)
    assert exact <= 6, f"{exact} of {len(stored)} responses sit at their log position"

    # ... and within each cohort (the invitation tells the attacker the cohort).
    linked = 0
    cohorts: dict[tuple[str, str], list[int]] = {}
    for r, logged in zip(stored, log_rank, strict=True):
        cohorts.setdefault((r.role, r.gender_group), []).append(logged)
    assert len(cohorts) == 4 and {len(c) for c in cohorts.values()} == {PER_COHORT}
    for in_heap_order in cohorts.values():
        in_log_order = sorted(in_heap_order)
        linked += sum(1 for a, b in zip(in_heap_order, in_log_order, strict=True) if a == b)
        within = _spearman(
            [in_log_order.index(x) for x in in_heap_order], list(range(len(in_heap_order)))
        )
        assert abs(within) < 0.75, f"a cohort's heap order follows the log ({within:.2f})"
    # four cohorts paired at random link about four by chance (Poisson(4): P(>12) < 0.001)
    assert linked <= 12, f"pairing heap and log order within cohorts linked {linked}"

    # Transaction ids: each shared by >= k responses, by no invitation row.
    xmins: dict[str, int] = {}
    for r in stored:
        xmins[r.xmin] = xmins.get(r.xmin, 0) + 1
    assert min(xmins.values()) >= K
    assert not set(xmins) & invitation_xmins
