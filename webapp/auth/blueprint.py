"""The ``auth`` blueprint, apart from its package so that view modules can import it
without importing the package that imports them (no loop)."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.app_context_processor
def _staff() -> dict[str, object]:
    """``staff_account()`` for the page header: called only where the header asks (participant
    pages replace it, so they never look a staff session up)."""
    from webapp.auth.access import current_account  # noqa: PLC0415 - access imports this module

    def staff_account() -> object:
        try:
            return current_account()
        except Exception:  # noqa: BLE001 - an error page (the database down) still renders
            return None

    return {"staff_account": staff_account}
