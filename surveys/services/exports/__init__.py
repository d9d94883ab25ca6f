"""Research exports: request, build (a worker), link, download, expire; each audited.

A request is checked completely before anything is written (the scope must lie
inside the account's firms, hold responses, name known surveys), then the
request row, its audit row and ``export.requested`` are written in one
transaction. The worker claims the request, builds the bundle and records its
receipt with the result, so a redelivered message builds nothing twice.
Download links are random tokens shown once, stored hashed, bound to the
requesting account and valid until the bundle expires.

The package, in the order an export goes through it:

- ``access``: who may export (EXPORTERS), where bundles live, the audit;
- ``requests``: checking a scope and requesting a row-level export;
- ``building``: the worker's claim, build and outcome (``run_export``);
- ``links``: one-step downloads for the requester, single-use links, and expiry;
- ``dp``: differentially private aggregate exports and their privacy budget.
"""

from surveys.services.exports.access import (
    EXPORTERS,
    Forbidden,
    audit,
    audit_log,
    exports_folder,
)
from surveys.services.exports.building import (
    CONSUMER,
    EXPORT_TTL,
    STALE_BUILD,
    claim_build,
    finish,
    run_export,
)
from surveys.services.exports.links import (
    bundle_of,
    download,
    expire_exports,
    issue_link,
    visible_export,
)
from surveys.services.exports.requests import ScopeInput, check_scope, event_of, request_export

__all__ = [
    "CONSUMER",
    "EXPORTERS",
    "EXPORT_TTL",
    "STALE_BUILD",
    "Forbidden",
    "ScopeInput",
    "audit",
    "audit_log",
    "bundle_of",
    "check_scope",
    "claim_build",
    "download",
    "event_of",
    "expire_exports",
    "exports_folder",
    "finish",
    "issue_link",
    "request_export",
    "run_export",
    "visible_export",
]
