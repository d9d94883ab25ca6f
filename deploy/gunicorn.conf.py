"""gunicorn settings of the production recipe (deploy/systemd/flipside-web.service, Procfile).

``preload_app``: the master imports the app once and forks workers from it, so a
replacement for a worker that died (a crash, a timeout, ``max_requests``) serves
within milliseconds instead of importing everything again (seconds, more on a busy
machine, during which its share of requests waits). ``post_fork`` gives each worker
its own database connections (webapp/wsgi.py: after_fork). bench/startup.py measures
both ways.
"""

import os

os.environ["FLIPSIDE_GUNICORN_PRELOAD"] = "1"
preload_app = True


def post_fork(server, worker):  # noqa: ANN001, ANN201 - gunicorn's hook signature
    from webapp.wsgi import after_fork

    after_fork()
