"""Tenant isolation, walked from the URL map: nothing of firm A reaches anyone outside it.

Every route of the app is classified below. A route that takes a firm's
object (``programme_id``, ``firm_id``, ``pairing_id``, ``slug``, ``token_id``)
is called with firm A's object by every principal: admin, lead of A,
researcher of A, lead and researcher of firm B, anonymous, and the API token of
each account. Outsiders must get 401/403/404 (or the login redirect) and no
name, slug, e-mail, internal id or id of firm A in the body; insiders must get
the page (so the walk provably reaches data). A route added later that the
walk cannot fill in fails :func:`test_every_route_is_classified_and_can_be_filled`
until it is listed here with its arguments: no silent skipping.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from surveys.db.models import (
    AggregateCell,
    ApiToken,
    CalendarConnector,
    Enrolment,
    ExportRequest,
    Firm,
    Meeting,
    Pairing,
    Programme,
)
from surveys.db.session import Database
from surveys.db.types import utcnow
from surveys.services.accounts import create_account
from surveys.services.api_tokens import create_api_token
from surveys.services.exports import exports_folder
from surveys.services.members import add_member, assign_programmes
from tests.integration.test_admin_pages import PASSWORD
from tests.support import factories as f
from tests.support.people import one_per_person

#: Routes that take nothing of a firm: reachable by anyone, or keyed by a survey token or a
#: webhook signature rather than by an account. Each with the reason it is out of the walk.
UNSCOPED = {
    "static": "the app's own assets",
    "main.home": "the public start page",
    "main.healthz": "reachability of services, no firm data",
    "auth.login": "signing in",
    "auth.logout": "signing out",
    "api.openapi": "the API's description",
    "respond.answer": "keyed by a participant's single-use token, no account",
    "respond.we_met": "keyed by a participant's single-use token, no account",
    "respond.opt_out_page": "keyed by a participant's single-use token, no account",
    "respond.thanks": "a static thank-you page",
    "hooks.meetings": "authenticated by the firm's HMAC signature, not by an account",
    "hooks.graph_notifications": "authenticated by the connector's clientState (an HMAC)",
    "auth.set_password": "keyed by a staff member's single-use set-password link",
    "auth.reset_password": "asks for a reset link; answers the same for every address",
    "auth.change_own_password": "the signed-in account's own password, no firm data",
    "auth.sso": "finds a firm's sign-in provider by e-mail domain or slug, nothing else",
    "auth.sso_start": "sends the browser to the firm's identity provider",
    "auth.sso_callback": "keyed by the OpenID state kept in the browser's own session",
}

#: Routes without a path argument that list or take firm data: outsiders must see none of A.
LISTINGS = {
    "dashboard.index",
    "api.programmes",
    "api.aggregates",
    "api.record_meeting_view",
    "api.request_export",
    "exports.index",
    "exports.request_export",
    "exports.request_dp",
    "exports.audit",
    "admin.firms",
    "admin.add_firm",
    "admin.tokens",
    "admin.accounts",
    "admin.add_account",
    "api.list_accounts",
    "api.create_account_view",
}

#: How each path argument is filled with firm A's object (a key of World.ids).
ARGUMENTS = {
    "programme_id": "programme",
    "firm_id": "firm",
    "pairing_id": "pairing",
    "slug": "slug",
    "token_id": "token",
    "export_id": "export",
    "token": "download",
    "page": "page",
    "chart_id": "chart",
    "fmt": "fmt",
    "account_id": "account",
    "connector_id": "connector",
    "mode": "mode",
}

#: Routes only their own account reaches (an export and its download link belong to the
#: researcher who asked): the walk's insider for them is firm A's researcher, not the lead.
OWN = {
    "api.export_status",
    "api.export_link",
    "api.export_download",
    "exports.status",
    "exports.link",
    "exports.download",
    "exports.bundle",
    "api.export_bundle",
}

#: Query strings that make a route do its real work rather than stop at a missing parameter.
QUERIES = {
    "api.aggregates": "programme_id={programme}",
    "api.comparison": (
        "survey_key=mentor_pulse&question_key=spoke_openly&by=gender_group&a=woman&b=man"
    ),
}

A_NAME, A_SLUG, A_PROGRAMME = "Aardvark Legal LLP", "aardvark-legal", "Aardvark Reverse Mentoring"
A_DOMAIN = "aardvark-legal.example"
WALK_BUNDLE, DOWNLOAD = "walk-bundle.zip", "walk-download-token-of-firm-a"


@dataclass(frozen=True)
class World:
    ids: dict[str, Any]
    #: Strings of firm A that no outsider may see.
    secrets: tuple[str, ...]
    #: principal -> (kind, credential): "session" (e-mail), "token" (secret) or "anonymous".
    principals: dict[str, tuple[str, str]]


def classify(rule: Rule) -> str:
    """ "unscoped", "listing" or "scoped"; fails for a route the walk does not know."""
    endpoint = rule.endpoint
    if endpoint in UNSCOPED:
        return "unscoped"
    unknown = sorted(set(rule.arguments) - set(ARGUMENTS))
    if unknown:
        pytest.fail(
            f"route {rule.rule} ({endpoint}) takes {unknown}, which the tenant walk cannot "
            "fill in: add them to ARGUMENTS in tests/integration/test_tenant_isolation.py",
            pytrace=False,
        )
    if rule.arguments:
        return "scoped"
    if endpoint in LISTINGS:
        return "listing"
    pytest.fail(
        f"route {rule.rule} ({endpoint}) is not classified for the tenant walk: list it in "
        "LISTINGS (it shows firm data) or UNSCOPED (with the reason it shows none)",
        pytrace=False,
    )


def build_world(db: Database) -> World:
    """Firm A with distinctive names and released cells; firm B beside it; every principal."""
    with db.transaction() as session:
        firm_a = f.firm(session, name=A_NAME, slug=A_SLUG)
        programme_a = f.programme(session, firm_a, name=A_PROGRAMME)
        mentor = f.person(session, firm_a, email=f"mentor@{A_DOMAIN}", internal_id="AARD-1001")
        mentee = f.person(
            session, firm_a, email=f"mentee@{A_DOMAIN}", internal_id="AARD-1002", level="partner"
        )
        pairing_a = f.pairing(session, programme_a, mentor=mentor, mentee=mentee)
        f.meeting(session, pairing_a, held_on=date(2026, 2, 3))
        # 14 people a side, spread so that a distribution may be shown (k outside its mode).
        released = {"woman": {"3": 2, "4": 6, "5": 6}, "man": {"1": 3, "2": 6, "3": 5}}
        for gender, histogram in released.items():
            for question in ("", "spoke_openly"):
                hist = histogram if question else {}
                total = sum(int(v) * c for v, c in hist.items())
                total_sq = sum(int(v) ** 2 * c for v, c in hist.items())
                session.add(
                    AggregateCell(
                        survey_key="mentor_pulse",
                        survey_version=1,
                        question_key=question,
                        item="",
                        firm_id=firm_a.id,
                        programme_id=programme_a.id,
                        role="mentor",
                        level_band="junior",
                        tenure_band="2-5y",
                        gender_group=gender,
                        period_kind="month",
                        period="2026-02",
                        n=14,
                        total=total,
                        total_sq=total_sq,
                        histogram=hist,
                        released_n=14,
                        released_total=total,
                        released_total_sq=total_sq,
                        released_histogram=hist,
                        # 14 people: with the histogram, or the responses cell itself
                        **(
                            one_per_person(hist)
                            if question
                            else one_per_person({"": 14}, responses=True)
                        ),
                    )
                )
        firm_b = f.firm(session, name="Bittern and Co", slug="bittern")
        programme_b = f.programme(session, firm_b, name="Bittern Mentoring")
        f.pairing(session, programme_b)
        principals: dict[str, tuple[str, str]] = {"anonymous": ("anonymous", "")}
        token_a = researcher_a = lead_a = 0
        for name, role, firms in (
            ("admin", "admin", []),
            ("lead_a", "lead", [firm_a]),
            ("researcher_a", "researcher", [firm_a]),
            ("lead_b", "lead", [firm_b]),
            ("researcher_b", "researcher", [firm_b]),
            ("coordinator_b", "coordinator", []),
        ):
            account = create_account(session, f"{name}@accounts.example", PASSWORD, role, firms)
            if role == "coordinator":  # a coordinator of firm B's programme only
                assign_programmes(session, account, [programme_b])
            issued = create_api_token(session, account.id, f"{name} token")
            principals[name] = ("session", f"{name}@accounts.example")
            principals[f"{name}_token"] = ("token", issued.secret)
            if name == "lead_a":
                token_a = session.scalars(
                    select(ApiToken.id).where(ApiToken.account_id == account.id)
                ).one()
            if name == "researcher_a":
                researcher_a = account.id
            if name == "lead_a":
                lead_a = account.id
        # A finished export of firm A's researcher, with a download link issued.
        export = ExportRequest(
            account_id=researcher_a,
            kind="rows",
            scope={"firm_ids": [firm_a.id], "firms": [A_NAME]},
            options={},
            status="done",
            rows_done=14,
            rows_total=14,
            file_name=WALK_BUNDLE,
            sha256="0" * 64,
            expires_at=utcnow() + timedelta(days=1),
            token_hash=hashlib.sha256(DOWNLOAD.encode()).hexdigest(),
        )
        session.add(export)
        session.flush()
        connector = CalendarConnector(
            firm_id=firm_a.id, kind="ics", name="A feed", url="https://a.example/f.ics",
            enabled=True, lookback_days=14, failures=0,
        )  # fmt: skip
        session.add(connector)
        session.flush()
        ids = {
            "firm": firm_a.id,
            "slug": firm_a.slug,
            "programme": programme_a.id,
            "pairing": pairing_a.id,
            "token": token_a,
            "export": export.id,
            "download": DOWNLOAD,
            "page": "overview",
            "chart": "meetings",
            "fmt": "csv",
            "account": lead_a,
            "connector": connector.id,
            "mode": "dry",
        }
    secrets = (
        A_NAME,
        A_SLUG,
        A_PROGRAMME,
        A_DOMAIN,
        "AARD-100",
        "lead_a token",
        f"/programmes/{ids['programme']}",
        f"/pairings/{ids['pairing']}",
        f"/firms/{ids['firm']}",
        f"/exports/{ids['export']}",
    )
    return World(ids, secrets, principals)


def _json_numbers(body: bytes, ids: dict[str, Any]) -> list[str]:
    """Ids of firm A that a JSON body names (as an id, programme_id or pairing_id)."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    found: list[str] = []
    wanted = {
        "id": {ids["programme"], ids["pairing"], ids["firm"]},
        "programme_id": {ids["programme"]},
        "pairing_id": {ids["pairing"]},
        "firm_id": {ids["firm"]},
    }

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in wanted and item in wanted[key]:
                    found.append(f"{key}={item}")
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def _without_request(body: bytes, url: str, slug: str) -> bytes:
    """The body without echoes of the outsider's own request (a login redirect's next=,
    an API's "there is no firm 'slug'", worded the same whether or not the firm exists)."""
    path = url.split("?")[0].encode()
    body = body.replace(path, b"").replace(quote(path, safe=b"").encode(), b"")
    return body.replace(f"'{slug}'".encode(), b"") if f"/{slug}/" in url else body


def _url(rule: Rule, ids: dict[str, Any]) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(ids[ARGUMENTS[name]]), path)
    query = QUERIES.get(rule.endpoint)
    return f"{path}?{query.format(**ids)}" if query else path


def _request(
    client: FlaskClient, method: str, url: str, kind: str, credential: str, ids: dict[str, Any]
) -> Any:
    headers = {"Authorization": f"Bearer {credential}"} if kind == "token" else {}
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/v1/meetings"):
        held_on = (date.today() - timedelta(days=1)).isoformat()
        return client.post(
            url, headers=headers, json={"pairing_id": ids["pairing"], "held_on": held_on}
        )
    if url.startswith("/api/v1/firms/"):
        return client.post(
            url,
            headers={**headers, "Content-Type": "text/csv"},
            data="internal_id,email,level,practice_area,office,start_date\n"
            "X1,x1@example.com,associate,Tax,London,2020-01-01\n",
        )
    return client.open(
        url, method=method, headers=headers, data={"confirm": "y", "name": "x", "slug": "x"}
    )


def sign_in(client: FlaskClient, email: str) -> None:
    """Sign in (CSRF is off in the walk's app)."""
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def walk_app(db: Database, make_settings: Any) -> Iterator[Flask]:
    """The app on both databases, with CSRF off so POSTs reach the tenancy checks."""
    from webapp import create_app

    settings = make_settings(database_url=db.url)
    yield create_app(
        {"TESTING": True, "FLIPSIDE_DATABASE": db, "WTF_CSRF_ENABLED": False}, settings=settings
    )


OUTSIDERS = (
    "lead_b",
    "lead_b_token",
    "researcher_b",
    "researcher_b_token",
    "coordinator_b",
    "coordinator_b_token",
    "anonymous",
)
INSIDERS = ("admin", "admin_token", "lead_a", "lead_a_token")


def test_every_route_is_classified_and_can_be_filled(walk_app: Flask) -> None:
    kinds = {rule.endpoint: classify(rule) for rule in walk_app.url_map.iter_rules()}
    assert {"dashboard.overview", "dashboard.pulse", "api.comparison"} <= {
        e for e, kind in kinds.items() if kind == "scoped"
    }


def test_a_new_route_with_an_unknown_argument_fails_the_walk(walk_app: Flask) -> None:
    walk_app.add_url_rule("/dashboard/meetings/<int:meeting_id>", "later", lambda meeting_id: "")
    rule = next(r for r in walk_app.url_map.iter_rules() if r.endpoint == "later")
    with pytest.raises(pytest.fail.Exception, match="meeting_id"):
        classify(rule)
    walk_app.add_url_rule("/dashboard/everything", "unlisted", lambda: "")
    rule = next(r for r in walk_app.url_map.iter_rules() if r.endpoint == "unlisted")
    with pytest.raises(pytest.fail.Exception, match="not classified"):
        classify(rule)


def test_outsiders_get_nothing_of_another_firm_on_any_route(walk_app: Flask, db: Database) -> None:
    world = build_world(db)
    leaks: list[str] = []
    walked = 0
    for name in OUTSIDERS:
        kind, credential = world.principals[name]
        client = walk_app.test_client()
        if kind == "session":
            sign_in(client, credential)
        for rule in walk_app.url_map.iter_rules():
            scope = classify(rule)
            if scope == "unscoped":
                continue
            url = _url(rule, world.ids)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                response = _request(client, method, url, kind, credential, world.ids)
                walked += 1
                where = f"{name} {method} {url} -> {response.status_code}"
                if response.status_code >= 500 and response.status_code != 501:
                    leaks.append(f"{where}: server error")
                if scope == "scoped" and response.status_code not in (401, 403, 404):
                    redirect = response.headers.get("Location", "")
                    if not (response.status_code == 302 and "/auth/login" in redirect):
                        leaks.append(f"{where}: expected 401/403/404")
                body = _without_request(response.get_data(), url, world.ids["slug"])
                leaks += [f"{where}: body holds {s!r}" for s in world.secrets if s.encode() in body]
                leaks += [f"{where}: JSON names {n}" for n in _json_numbers(body, world.ids)]
    assert walked > 100
    assert not leaks, "\n".join(leaks)
    with db.sessions() as session:
        # Nothing of A was changed by the outsiders' POSTs either.
        assert session.scalar(
            select(Meeting.id).join(Pairing).where(Pairing.id == world.ids["pairing"])
        )
        assert (
            session.scalar(select(ApiToken.revoked_at).where(ApiToken.id == world.ids["token"]))
            is None
        )
        assert session.scalar(select(Firm.name).where(Firm.id == world.ids["firm"])) == A_NAME
        assert len(session.scalars(select(Meeting)).all()) == 1
        assert len(session.scalars(select(Programme)).all()) == 2


def _rearm_download(db: Database, ids: dict[str, Any]) -> None:
    with db.transaction() as session:
        export = session.get(ExportRequest, ids["export"])
        assert export is not None
        export.token_hash = hashlib.sha256(DOWNLOAD.encode()).hexdigest()


def test_insiders_reach_the_same_routes_so_the_walk_sees_real_data(
    walk_app: Flask, db: Database
) -> None:
    world = build_world(db)
    bundle = exports_folder(walk_app.config["FLIPSIDE"].instance_path) / WALK_BUNDLE
    bundle.parent.mkdir(parents=True, exist_ok=True)
    bundle.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    channel = {"session": ("/dashboard/", "/admin/", "/exports/"), "token": ("/api/",)}
    failures: list[str] = []
    seen_secret = False
    reached: set[str] = set()
    for name in (*INSIDERS, "researcher_a", "researcher_a_token"):
        kind, credential = world.principals[name]
        client = walk_app.test_client()
        if kind == "session":
            sign_in(client, credential)
        for rule in walk_app.url_map.iter_rules():
            if classify(rule) != "scoped" or "GET" not in (rule.methods or set()):
                continue
            if not rule.rule.startswith(channel[kind]):
                continue
            if (rule.endpoint in OWN) != name.startswith("researcher_a"):
                continue  # an export is its requester's alone; the researcher walks only those
            reached.add(rule.endpoint)
            url = _url(rule, world.ids)
            response = _request(client, "GET", url, kind, credential, world.ids)
            if response.status_code != 200:
                failures.append(f"{name} GET {url} -> {response.status_code}")
            seen_secret |= any(s.encode() in response.get_data() for s in world.secrets)
            response.close()  # a download streams its file
            _rearm_download(db, world.ids)  # a link works once; every channel walks it
    assert not failures, "\n".join(failures)
    assert seen_secret
    assert {
        "exports.status",
        "exports.download",
        "api.export_status",
        "dashboard.chart_download",
    } <= reached


def test_a_member_lead_and_the_coordinator_of_a_shared_programme_see_no_one_elses_people(
    walk_app: Flask, db: Database
) -> None:
    """Firm A's programme takes in-house team M as a member: M's lead and the programme's
    coordinator walk every route and get none of A's people, pages or rows (M's lead: no
    cell of A's people; the coordinator: the programme pooled, never a person)."""
    world = build_world(db)
    with db.transaction() as session:
        firm_m = f.firm(session, name="Merlin In-house Legal", slug="merlin")
        add_member(session, world.ids["programme"], firm_m.id)
        for name, role in (("lead_m", "lead"), ("coordinator_a", "coordinator")):
            account = create_account(
                session,
                f"{name}@accounts.example",
                PASSWORD,
                role,
                [firm_m] if role == "lead" else [],
            )
            if role == "coordinator":
                programme = session.get_one(Programme, world.ids["programme"])
                assign_programmes(session, account, [programme])
            world.principals[name] = ("session", f"{name}@accounts.example")
            world.principals[f"{name}_token"] = (
                "token",
                create_api_token(session, account.id, name).secret,
            )
    # They may know the shared programme and whose it is; nothing else of firm A.
    secrets = [s for s in world.secrets if s not in (A_NAME, A_SLUG, A_PROGRAMME)]
    secrets = [s for s in secrets if not s.startswith("/programmes/")]
    leaks: list[str] = []
    rows: dict[str, int] = {}
    for name in ("lead_m", "lead_m_token", "coordinator_a", "coordinator_a_token"):
        kind, credential = world.principals[name]
        client = walk_app.test_client()
        if kind == "session":
            sign_in(client, credential)
        for rule in walk_app.url_map.iter_rules():
            if classify(rule) == "unscoped":
                continue
            url = _url(rule, world.ids)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                response = _request(client, method, url, kind, credential, world.ids)
                where = f"{name} {method} {url} -> {response.status_code}"
                if response.status_code >= 500 and response.status_code != 501:
                    leaks.append(f"{where}: server error")
                body = _without_request(response.get_data(), url, world.ids["slug"])
                leaks += [f"{where}: body holds {s!r}" for s in secrets if s.encode() in body]
                named = [n for n in _json_numbers(body, world.ids) if "programme" not in n]
                leaks += [
                    f"{where}: JSON names {n}" for n in named if n != f"id={world.ids['programme']}"
                ]
                if rule.endpoint == "api.aggregates" and response.status_code == 200:
                    rows[name] = len(response.get_json()["cells"])
    assert not leaks, "\n".join(leaks)
    assert rows["lead_m_token"] == 0  # A's 28 released people are not M's lead's
    assert rows["coordinator_a_token"] > 0  # the walk reached real (pooled) data
    with db.sessions() as session:
        assert session.scalar(select(Firm.name).where(Firm.id == world.ids["firm"])) == A_NAME
        assert len(session.scalars(select(Meeting)).all()) == 1


#: A member firm's person, paired and unpaired on firm A's shared programme: nothing but
#: their HR id may reach firm A's staff (surveys/services/member_people.py).
K_NAME, K_SLUG, K_DOMAIN = "Kestrel Counsel", "kestrel", "kestrel-counsel.example"
K_PRIVATE = (
    "Zebedee",
    "Quillfeather",
    "Ottoline",
    "Marchbank",
    K_DOMAIN,
    "Maritime Salvage",
    "Reykjavik",
)


def test_the_owning_firms_staff_see_a_member_firms_people_only_by_hr_id(
    walk_app: Flask, db: Database
) -> None:
    """Firm A runs a programme shared with Kestrel: A's admin and lead walk every page and
    API route they reach, and no Kestrel person's name, e-mail or HR attribute is there; the
    HR id and the firm's name are (what pairing and recording meetings need)."""
    world = build_world(db)
    with db.transaction() as session:
        kestrel = f.firm(session, name=K_NAME, slug=K_SLUG)
        add_member(session, world.ids["programme"], kestrel.id)
        programme = session.get_one(Programme, world.ids["programme"])
        attributes = {"practice_area": "Maritime Salvage", "office": "Reykjavik"}
        paired = f.person(
            session,
            kestrel,
            internal_id="KEST-77",
            given_name="Zebedee",
            family_name="Quillfeather",
            email=f"zq@{K_DOMAIN}",
            level="partner",
            **attributes,
        )
        unpaired_one = f.person(
            session,
            kestrel,
            internal_id="KEST-78",
            given_name="Ottoline",
            family_name="Marchbank",
            email=f"om@{K_DOMAIN}",
            level="partner",
            **attributes,
        )
        mentor = f.person(session, session.get_one(Firm, world.ids["firm"]), level="associate")
        unpaired_mentor = f.person(
            session, session.get_one(Firm, world.ids["firm"]), level="associate"
        )
        for person, role in ((unpaired_mentor, "mentor"), (unpaired_one, "mentee")):
            session.add(
                Enrolment(
                    programme_id=programme.id,
                    person_id=person.id,
                    role=role,
                    enrolled_on=date(2026, 1, 5),
                )
            )
        shared = f.pairing(session, programme, mentor=mentor, mentee=paired)
        f.meeting(session, shared, held_on=date(2026, 2, 4))
    seen: dict[str, bytes] = {}
    leaks: list[str] = []
    for name in INSIDERS:
        kind, credential = world.principals[name]
        client = walk_app.test_client()
        if kind == "session":
            sign_in(client, credential)
        for rule in walk_app.url_map.iter_rules():
            if classify(rule) == "unscoped" or "GET" not in (rule.methods or set()):
                continue
            ids = {**world.ids, "pairing": shared.id}
            url = _url(rule, ids)
            response = _request(client, "GET", url, kind, credential, ids)
            body = response.get_data()
            response.close()
            seen[f"{name} {rule.endpoint}"] = body
            held = [s for s in K_PRIVATE if s.encode() in body]
            leaks += [f"{name} GET {url}: body holds {s!r}" for s in held]
    assert not leaks, "\n".join(leaks)
    for name in ("admin", "lead_a"):
        people = seen[f"{name} admin.programme_people"]
        assert b"KEST-77, a mentee at Kestrel Counsel" in people
        assert b"KEST-78, a mentee at Kestrel Counsel" in seen[f"{name} admin.pairing_suggestions"]
        assert b"KEST-77, a mentee at Kestrel Counsel" in seen[f"{name} admin.programme"]
        assert b"KEST-77, a mentee at Kestrel Counsel" in seen[f"{name} admin.confirm_end_pairing"]
