"""Sign in with a firm's OpenID provider (SSO): choose the provider, go there, come back.

``/auth/sso`` finds the firm's provider by the e-mail address's domain or the
firm's short name and shows "Sign in with <provider>". ``/auth/sso/start``
keeps a fresh state, nonce and PKCE verifier in the (signed) session and sends
the browser to the provider; ``/auth/sso/callback`` refuses a state that does
not match (400), verifies the ID token (:mod:`webapp.auth.oidc`) and lets
:func:`surveys.services.sso.sso_sign_in` decide who the identity signs in as.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from surveys.db.models import Firm, FirmSso
from surveys.services.errors import ServiceError
from surveys.services.sso import open_secret, sso_for_email, sso_for_firm, sso_sign_in
from webapp import current
from webapp.auth.blueprint import bp
from webapp.auth.oidc import Started, finish, start
from webapp.auth.sessions import sign_in
from webapp.errors import render_error, sentence

FLOW = "sso_flow"


def _redirect_uri() -> str:
    return f"{current.settings().base_url}/auth/sso/callback"


def _found() -> tuple[Firm, FirmSso] | None:
    db = current.session()
    slug = request.args.get("firm", "").strip().lower()[:60]
    email = request.args.get("email", "").strip()[:254]
    if slug:
        return sso_for_firm(db, slug)
    if "@" in email:
        return sso_for_email(db, email)
    return None


@bp.get("/sso")
def sso() -> ResponseReturnValue:
    """Which provider: asked by e-mail address, or shown for ``?firm=<slug>``."""
    asked = bool(request.args.get("firm") or request.args.get("email"))
    found = _found()
    status = 404 if asked and found is None else 200
    return render_template(
        "auth/sso.html",
        firm=found[0] if found else None,
        config=found[1] if found else None,
        asked=asked,
        email=request.args.get("email", "")[:254],
    ), status


@bp.get("/sso/start")
def sso_start() -> ResponseReturnValue:
    found = _found()
    if found is None:
        return render_error(404, "No single sign-on is set up for that firm.")
    firm, config = found
    try:
        started = start(config.issuer, config.client_id, _redirect_uri())
    except ServiceError as exc:
        return render_error(502, sentence(exc))
    session[FLOW] = {
        "firm_id": firm.id,
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.verifier,
    }
    return redirect(started.url)


@bp.get("/sso/callback")
def sso_callback() -> ResponseReturnValue:
    flow: dict[str, Any] | None = session.pop(FLOW, None)
    state = request.args.get("state", "")
    if not flow or not state or state != flow.get("state"):
        return render_error(
            400,
            "This sign-in could not be verified (its state does not match). "
            "Please start signing in again.",
        )
    if request.args.get("error"):
        return render_error(
            403, "Your identity provider did not sign you in. Please start signing in again."
        )
    db = current.session()
    firm = db.get(Firm, flow["firm_id"])
    config = db.get(FirmSso, flow["firm_id"])
    if firm is None or config is None or not config.enabled:
        return render_error(404, "No single sign-on is set up for that firm any more.")
    started = Started("", flow["state"], flow["nonce"], flow["verifier"])
    try:
        claims = finish(
            config.issuer,
            config.client_id,
            open_secret(current.settings().secret_key, config.client_secret_sealed),
            _redirect_uri(),
            request.args.get("code", ""),
            started,
        )
        account = sso_sign_in(
            db, firm, config, config.issuer, str(claims["sub"]), str(claims.get("email") or "")
        )
    except ServiceError as exc:
        db.rollback()
        return render_error(exc.status, sentence(exc))
    db.commit()
    sign_in(account)  # a fresh session carrying the account's session version
    return redirect(url_for("dashboard.index"))
