"""The Flask application factory: the only place an app is built.

Importing this package imports nothing heavy (the factory imports Flask, SQLAlchemy
and the views when it runs), so ``flipside --help``, which lives in ``webapp.cli``,
starts in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from surveys.db.session import Database
    from surveys.settings import Settings


def create_app(
    overrides: Mapping[str, Any] | None = None, settings: Settings | None = None
) -> Flask:
    """Build an app from ``settings`` (default: the environment) and config ``overrides``."""
    from flask import Flask

    from surveys.db.session import Database
    from surveys.settings import load_settings
    from webapp import security
    from webapp.auth import limits
    from webapp.errors import register_errorhandlers

    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    security.bound_ids(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        FLIPSIDE=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://") or not settings.demo,
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        **limits.config_defaults(settings),
    )
    app.config.update(overrides or {})
    db = app.config.get("FLIPSIDE_DATABASE") or Database(settings.database_url)
    register_extensions(app, db)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    security.init_app(app, settings.proxy_hops)
    limits.init_app(app, settings)
    from workers import runtime

    runtime.configure(settings, db)
    return app


def register_extensions(app: Flask, db: Database) -> None:
    from webapp import current, languages
    from webapp.extensions import csrf

    current.init_app(app, db)
    csrf.init_app(app)
    languages.init_app(app)


def register_blueprints(app: Flask) -> None:
    from webapp.admin import bp as admin_bp
    from webapp.api import bp as api_bp
    from webapp.auth import bp as auth_bp
    from webapp.dashboard import bp as dashboard_bp
    from webapp.exports import bp as exports_bp
    from webapp.extensions import csrf
    from webapp.hooks import bp as hooks_bp
    from webapp.main import bp as main_bp
    from webapp.respond import bp as respond_bp

    for blueprint in (
        main_bp,
        auth_bp,
        dashboard_bp,
        respond_bp,
        admin_bp,
        api_bp,
        hooks_bp,
        exports_bp,
    ):
        app.register_blueprint(blueprint)
    # Bearer-token calls carry no cookies, so there is no cross-site request to forge.
    # Webhooks are authenticated by their HMAC signature instead.
    csrf.exempt(api_bp)
    csrf.exempt(hooks_bp)


def register_commands(app: Flask) -> None:
    from webapp import cli

    for command in cli.commands():
        app.cli.add_command(command)
