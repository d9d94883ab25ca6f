"""Research exports in the web UI: request, progress, download, the audit log.

The blueprint lives in ``blueprint.py``; importing the package imports every view
module, and each adds its routes to it.
"""

from webapp.exports import routes  # noqa: F401
from webapp.exports.blueprint import bp

__all__ = ["bp"]
