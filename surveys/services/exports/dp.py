"""Differentially private aggregate exports: spend the round's budget, then build the release.

The budget is spent when the request is accepted, in its transaction, by one
conditional UPDATE (``spent + epsilon <= total``), so concurrent requests
cannot overspend a dataset; a request over budget is refused with what is
left, and nothing is written. The worker then computes the release (see
:mod:`surveys.export.dp`) and writes it as a small zip like any export.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import zipfile
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from surveys import outbox
from surveys.db.dialect import upsert_insert
from surveys.db.models import (
    Account,
    Answer,
    ExportRequest,
    PrivacyBudget,
    PrivacySpend,
    Programme,
    Response,
    SurveyRound,
)
from surveys.db.session import Database
from surveys.definitions import catalogue
from surveys.domain.events import ExportRequested
from surveys.domain.vocab import COHORT_VALUES
from surveys.export import dp
from surveys.export.bundle import Bundle
from surveys.services.accounts import firm_scope
from surveys.services.errors import Conflict, Invalid, NotFound
from surveys.services.exports.access import (
    EXPORTERS,
    Forbidden,
    audit,
)
from surveys.services.exports.building import finish
from surveys.storage import BundleStore


def dataset_of(round_id: int) -> str:
    return f"round:{round_id}"


def remaining_budget(session: Session, dataset: str) -> float:
    budget = session.get(PrivacyBudget, dataset)
    if budget is None:
        return dp.DEFAULT_DATASET_BUDGET
    return max(budget.total_epsilon - budget.spent_epsilon, 0.0)


def _spend(session: Session, dataset: str, epsilon: float) -> bool:
    """Spend ``epsilon`` of the dataset's budget, creating the budget row on first use.

    Parallel first requests used to race on the row's primary key (one got a 500):
    the row is now created with INSERT ... ON CONFLICT DO NOTHING, then locked
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writer lock serialises already),
    and spent with one conditional UPDATE, so no request can overspend it.
    """
    session.execute(
        upsert_insert(session, PrivacyBudget.__table__)
        .values(dataset=dataset, total_epsilon=dp.DEFAULT_DATASET_BUDGET, spent_epsilon=0.0)
        .on_conflict_do_nothing(index_elements=["dataset"])
    )
    session.execute(
        select(PrivacyBudget.dataset).where(PrivacyBudget.dataset == dataset).with_for_update()
    )
    result = session.execute(
        update(PrivacyBudget)
        .where(PrivacyBudget.dataset == dataset)
        .where(PrivacyBudget.spent_epsilon + epsilon <= PrivacyBudget.total_epsilon + 1e-9)
        .values(spent_epsilon=PrivacyBudget.spent_epsilon + epsilon)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def request_dp_export(
    session: Session, account: Account, round_id: int, epsilon: float, by: str
) -> ExportRequest:
    """Accept a DP request and spend its epsilon, or refuse it (the caller commits)."""
    if account.role not in EXPORTERS:
        raise Forbidden(f"a {account.role} account cannot request research exports")
    if not dp.MIN_EPSILON <= epsilon <= dp.MAX_EPSILON:
        raise Invalid(f"epsilon must be between {dp.MIN_EPSILON} and {dp.MAX_EPSILON}")
    if by not in COHORT_VALUES:
        raise Invalid(f"cohorts must be one of {', '.join(COHORT_VALUES)}")
    round_ = session.get(SurveyRound, round_id)
    if round_ is None:
        raise NotFound(f"there is no survey round {round_id}")
    programme = session.get(Programme, round_.programme_id)
    assert programme is not None
    allowed = firm_scope(account)
    if allowed is not None and programme.firm_id not in allowed:
        raise Forbidden("that round belongs to a firm outside your account's firms")
    responses = session.scalar(select(func.count()).where(Response.round_id == round_id)) or 0
    if responses == 0:
        raise Invalid("No responses match this scope: the round has no responses yet.")
    dataset = dataset_of(round_id)
    if not _spend(session, dataset, epsilon):
        left = remaining_budget(session, dataset)
        raise Conflict(
            f"the privacy budget of this round is spent: {left:.2f} of "
            f"{dp.DEFAULT_DATASET_BUDGET:.2f} epsilon remains, so ask for at most {left:.2f}"
            if left >= dp.MIN_EPSILON
            else f"the privacy budget of this round is spent: {left:.2f} of "
            f"{dp.DEFAULT_DATASET_BUDGET:.2f} epsilon remains"
        )
    export = ExportRequest(
        account_id=account.id,
        kind="dp",
        scope={
            "firm_ids": [programme.firm_id],
            "programme_id": programme.id,
            "round_id": round_id,
            "survey_keys": [round_.survey_key],
        },
        options={"epsilon": epsilon, "by": by, "dataset": dataset},
        status="queued",
        rows_done=0,
        rows_total=int(responses),
    )
    session.add(export)
    session.flush()
    session.add(PrivacySpend(dataset=dataset, export_id=export.id, epsilon=epsilon))
    audit(session, "requested", account, export)
    outbox.add_event(session, ExportRequested(export.id))
    return export


def _inputs(
    session: Session, round_id: int, by: str
) -> tuple[dict[str, int], dict[tuple[str, str], dict[int, int]]]:
    column = getattr(Response, by)
    counts = {
        str(c): int(n)
        for c, n in session.execute(
            select(column, func.count()).where(Response.round_id == round_id).group_by(column)
        )
    }
    histograms: dict[tuple[str, str], dict[int, int]] = {}
    for cohort, question, value, n in session.execute(
        select(column, Answer.question_key, Answer.value, func.count())
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.round_id == round_id, Answer.value.is_not(None))
        .group_by(column, Answer.question_key, Answer.value)
    ):
        histograms.setdefault((str(cohort), question), {})[int(value)] = int(n)
    return counts, histograms


def build_dp_export(db: Database, event_id: int, export_id: int, *, store: BundleStore) -> str:
    """The worker's part: compute the noisy release and write it as a zip."""
    with db.sessions() as session:
        export = session.get(ExportRequest, export_id)
        assert export is not None
        round_id, options = int(export.scope["round_id"]), dict(export.options)
        round_ = session.get(SurveyRound, round_id)
        if round_ is None:
            finish(db, event_id, export_id, "failed", "The survey round no longer exists.")
            return "failed"
        definition = catalogue().get(round_.survey_key, round_.survey_version)
        counts, histograms = _inputs(session, round_id, options["by"])
        spent = session.get(PrivacyBudget, options["dataset"])
        ledger = {
            "dataset": options["dataset"],
            "total_epsilon": spent.total_epsilon if spent else dp.DEFAULT_DATASET_BUDGET,
            "spent_epsilon": spent.spent_epsilon if spent else 0.0,
        }
    released = dp.release(
        definition, COHORT_VALUES[options["by"]], counts, histograms, float(options["epsilon"])
    )
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["cohort", "question", "statistic", "value", "accuracy_95", "epsilon", "note"])
    for r in released:
        writer.writerow(
            [r.cohort, r.question, r.statistic, r.value, r.accuracy_95, r.epsilon, r.note]
        )
    about: dict[str, Any] = {
        "round_id": round_id,
        "survey": f"{definition.key} v{definition.version}",
        "cohorts_by": options["by"],
        "epsilon": options["epsilon"],
        "contributions_per_person": 1,
        "mechanism": "discrete Laplace (OpenDP make_laplace), values clamped to each "
        "question's range",
        "accuracy": "half-width of the 95% interval around the true value",
        "privacy_budget": ledger,
        "questions": {q.key: q.text for q in definition.questions if q.is_scalar},
    }
    folder = store.workdir
    name = f"export-{export_id}-{secrets.token_hex(8)}.zip"
    partial = folder / (name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("dp_aggregates.csv", table.getvalue())
        archive.writestr("dp_release.json", json.dumps(about, indent=2))
        archive.writestr("README.txt", _readme(about))
    digest = hashlib.sha256(partial.read_bytes()).hexdigest()
    partial.replace(folder / name)
    store.put(name)

    finish(db, event_id, export_id, "done", None, Bundle(name, digest, len(released), about))
    return "done"


def _readme(about: dict[str, Any]) -> str:
    ledger = about["privacy_budget"]
    return (
        "Differentially private aggregates\n"
        "=================================\n\n"
        f"Round {about['round_id']} ({about['survey']}), cohorts by {about['cohorts_by']}, "
        f"epsilon {about['epsilon']}.\n"
        "dp_aggregates.csv lists per cohort the number of responses and, per question, the\n"
        "number of answers and the mean, each with noise added and the half-width of its 95%\n"
        "interval (accuracy_95). Each person contributes at most one response to a round;\n"
        "values are clamped to each question's range. Every cohort is listed, empty ones too.\n\n"
        f"Privacy budget of this round: {ledger['spent_epsilon']:.2f} of "
        f"{ledger['total_epsilon']:.2f} epsilon spent.\n"
    )
