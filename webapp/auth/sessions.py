"""Staff sessions in the signed cookie, and when they end.

The cookie holds the account id, the account's session version at sign-in
(``Account.session_version``), the sign-in time and the time of the last
request. A session ends when the version has moved (logout anywhere, a
password change, deactivation), after ``FLIPSIDE_SESSION_MAX_HOURS`` from sign-in
(absolute timeout) or after ``FLIPSIDE_SESSION_IDLE_MINUTES`` without a request
(idle timeout). A cookie captured before logout is therefore worth nothing
afterwards, even though the cookie itself is still correctly signed.
"""

from __future__ import annotations

import time

from flask import session

from surveys.db.models import Account
from webapp import current

#: The last-seen time is rewritten at most this often (seconds), so not every
#: request sends a new cookie.
SEEN_RESOLUTION = 60


def sign_in(account: Account) -> None:
    """Start a fresh session for ``account`` (anything in the old cookie is dropped)."""
    now = int(time.time())
    session.clear()
    session["account_id"] = account.id
    session["version"] = account.session_version
    session["since"] = now
    session["seen"] = now


def session_account() -> Account | None:
    """The account of this request's cookie while its session is still valid, else None.

    An ended session is cleared from the cookie, so the browser is signed out too.
    """
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = current.session().get(Account, account_id)
    settings = current.settings()
    now = time.time()
    since, seen = session.get("since"), session.get("seen")
    valid = (
        account is not None
        and account.active
        and session.get("version") == account.session_version
        and isinstance(since, int)
        and isinstance(seen, int)
        and now - since < settings.session_max_hours * 3600
        and now - seen < settings.session_idle_minutes * 60
    )
    if not valid:
        session.clear()
        return None
    assert isinstance(seen, int)
    if now - seen >= SEEN_RESOLUTION:
        session["seen"] = int(now)
    return account


def sign_out(account: Account | None) -> None:
    """End this session and every other session of ``account`` (its version moves)."""
    if account is not None:
        account.end_sessions()
        current.session().commit()
    session.clear()
