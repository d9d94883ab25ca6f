"""Moved to :mod:`surveys.services.exports.dp`; kept only for ``webapp/exports_cli.py``.

The CLI modules are being reorganised on another branch; once they import
``surveys.services.exports.dp`` this module goes.
"""

from surveys.services.exports.dp import request_dp_export

__all__ = ["request_dp_export"]
