"""Extensions, created unbound and attached to an app in the factory."""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
