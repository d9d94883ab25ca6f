"""What a view reads from the running app: its database session, the database and settings.

A view gets its session from :func:`session`; the session is closed (and any
uncommitted work rolled back) when the request ends. Views commit explicitly
after calling a service: one use case, one transaction. Call sites read as
``current.session()`` and ``current.settings().min_group_size``.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from surveys.db.session import Database
from surveys.settings import Settings


def init_app(app: Flask, db: Database) -> None:
    app.extensions["flipside.db"] = db

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def settings() -> Settings:
    """The settings the app was built with (``create_app`` keeps them in ``config``)."""
    found: Settings = current_app.config["FLIPSIDE"]
    return found


def database() -> Database:
    db: Database = current_app.extensions["flipside.db"]
    return db


def session() -> Session:
    if "db_session" not in g:
        g.db_session = database().sessions()
    s: Session = g.db_session
    return s
