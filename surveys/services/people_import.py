"""Moved to :mod:`surveys.services.people`; kept only for ``webapp/admin_cli.py``.

The CLI modules are being reorganised on another branch; once they import
``surveys.services.people`` this module goes.
"""

from surveys.services.people import ImportRejected, import_people, read_csv

__all__ = ["ImportRejected", "import_people", "read_csv"]
