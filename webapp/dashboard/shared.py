"""A cross-organisation programme as its readers see it: the coordinator's pooled view, and a
member firm's own people for that member's staff (surveys/services/members.py decides which).

One table: people who answered each pulse, per role and period, from the cells the
disclosure module lets through (:func:`surveys.reports.pooled.reader_cells`). A
member's staff then get their own people's pulse trends, one member firm at a time,
each at that firm's k (:func:`surveys.reports.pulse.member_pulse_report`, built per
view); the coordinator gets one section of the whole programme's pulse trends, from
the pooled cells at the largest k of the members, never split by member
(:func:`surveys.reports.pulse.pooled_pulse_report`).
"""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from surveys import disclosure
from surveys.aggregates import RESPONSES
from surveys.db.models import Firm
from surveys.reports.pooled import reader_cells
from surveys.reports.pulse import member_pulse_report, pooled_pulse_report
from surveys.services.members import reading_scope
from webapp import current
from webapp.auth.access import login_required, signed_in
from webapp.dashboard.blueprint import bp


@bp.get("/programmes/<int:programme_id>/shared")
@login_required()
def shared_results(programme_id: int) -> ResponseReturnValue:
    session = current.session()
    scope = reading_scope(session, signed_in(), programme_id)
    if scope is None:
        abort(404)
    cells = reader_cells(
        session,
        scope.programme,
        scope.firm_ids,
        current.settings().min_group_size,
        pooled=scope.pooled,
        by="role",
        question_key=RESPONSES,
    )
    rows = sorted(
        (c.survey_key, c.period_kind, c.period, c.role, disclosure.released(c).n) for c in cells
    )
    firms = list(
        session.scalars(select(Firm).where(Firm.id.in_(scope.firm_ids)).order_by(Firm.name))
    )
    k = current.settings().min_group_size
    if scope.pooled:
        reports = [("", pooled_pulse_report(session, scope.programme, scope.firm_ids, k))]
    else:
        reports = [
            (firm.name, member_pulse_report(session, scope.programme, firm.id, k)) for firm in firms
        ]
    return render_template(
        "dashboard/shared.html",
        programme=scope.programme,
        pooled=scope.pooled,
        firms=[firm.name for firm in firms],
        rows=rows,
        reports=reports,
    )
