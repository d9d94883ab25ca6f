"""The ``hooks`` blueprint, apart from its package so that view modules can import it
without importing the package that imports them (no loop)."""

from flask import Blueprint

bp = Blueprint("hooks", __name__, url_prefix="/hooks")
