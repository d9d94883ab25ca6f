"""The WSGI entry point for gunicorn (Procfile ``web``): ``gunicorn webapp.wsgi:app``."""

from __future__ import annotations

import sys

from surveys.settings import SettingsError
from webapp import create_app
from webapp.cli.base import check_database
from workers.startup import start_background_work

try:
    app = create_app()
except SettingsError as exc:
    print(f"flipside: configuration error: {exc}", file=sys.stderr)
    sys.exit(2)

with app.app_context():
    check_database()
start_background_work(app.config["FLIPSIDE"])
