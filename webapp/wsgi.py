"""The WSGI entry point for gunicorn (Procfile ``web``): ``gunicorn webapp.wsgi:app``.

With the production recipe's ``--config deploy/gunicorn.conf.py`` gunicorn loads this
module once, in its master (``preload_app``), and forks its workers from it: a worker
that dies is replaced in milliseconds instead of importing the whole app again.
:func:`after_fork` (the config's ``post_fork`` hook) then gives each worker its own
database connections and, in the embedded mode, its own background threads (threads
do not survive a fork).
"""

from __future__ import annotations

import os
import sys

from surveys.settings import SettingsError
from webapp import create_app
from webapp.cli.base import check_database
from workers.startup import start_background_work

#: Set by deploy/gunicorn.conf.py: this module is loaded in the master, before the fork.
PRELOADED = os.environ.get("FLIPSIDE_GUNICORN_PRELOAD") == "1"

try:
    app = create_app()
except SettingsError as exc:
    print(f"flipside: configuration error: {exc}", file=sys.stderr)
    sys.exit(2)

with app.app_context():
    check_database()
if not PRELOADED:
    start_background_work(app.config["FLIPSIDE"])


def after_fork() -> None:
    """In a freshly forked worker: drop the master's pooled database connections (never
    share a socket across processes) and start this process's background work."""
    app.extensions["flipside.db"].engine.dispose(close=False)
    start_background_work(app.config["FLIPSIDE"])
