"""The JSON API under /api/v1 (Bearer tokens) and its OpenAPI 3.1 document.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it: ``routes`` (programmes, meetings, people,
aggregates, comparisons), ``plans`` (the evaluation plan), ``exports``, ``accounts``;
``openapi`` is the document, ``auth`` and ``body`` the token check and the request body.
"""

from webapp.api import accounts, exports, plans, routes  # noqa: F401
from webapp.api.blueprint import bp

__all__ = ["bp"]
