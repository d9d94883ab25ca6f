"""The JSON API under /api/v1 (Bearer tokens) and its OpenAPI 3.1 document.

The blueprint is created here and each view module adds its routes to it: ``routes``
(programmes, meetings, people, aggregates, comparisons), ``plans`` (the evaluation
plan), ``exports``, ``accounts``; ``openapi`` is the document, ``auth`` and ``body``
the token check and the request body.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webapp.api import accounts, exports, plans, routes  # noqa: E402,F401
