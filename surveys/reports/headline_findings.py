"""The headline's findings: two comparisons run by the comparison builder itself.

Participants vs the comparison group on the climate index in the latest round,
and before vs after -- a difference-in-differences between the first and the
latest round -- on every climate item, the items adjusted as one Holm family
(the builder's default). Each is the engine's own sentence, exactly as the
comparison page shows it for the same query (each finding links to it), or the
reason the builder refused.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveys.db.models import Programme, SurveyRound
from surveys.reports.builder import build_comparison
from surveys.reports.builder.request import INDEX, BuilderRequest, climate_index_items
from surveys.reports.headline_values import Finding, Link
from surveys.services.errors import ServiceError
from surveys.stats import TestResult


def _finding(label: str, row_result: object, refused: str | None, link: Link) -> Finding:
    if isinstance(row_result, TestResult):
        return Finding(label, row_result.summary, False, row_result.pvalue_adjusted, link)
    return Finding(label, refused or "Refused.", True, None, link)


def findings(
    session: Session, programme: Programme, default_k: int, rounds: list[SurveyRound]
) -> tuple[list[Finding], list[Finding]]:
    """Participants vs comparison group on the index, and before/after on every item."""
    index_link = Link(
        "compare", (("outcome", INDEX), ("comparison", "participants")), "results-heading"
    )
    if not rounds:
        none = "No climate survey round has been opened yet, so there is nothing to compare."
        return [Finding("Climate index", none, True, None, index_link)], []
    try:
        versus = build_comparison(
            session, programme, BuilderRequest((INDEX,), "participants"), default_k
        )
        found = [
            _finding("Climate index", row.result, row.refused, index_link) for row in versus.rows
        ]
    except ServiceError as exc:
        found = [Finding("Climate index", f"Refused: {exc}", True, None, index_link)]
    if len(rounds) < 2:
        return found, []
    items = climate_index_items()
    keys = tuple(f"climate:{key}" for key in items)
    before, after = rounds[0], rounds[-1]
    request = BuilderRequest(keys, "did", baseline_id=before.id, followup_id=after.id)
    try:
        rows = build_comparison(session, programme, request, default_k).rows
    except ServiceError as exc:
        return found, [Finding("Before and after", f"Refused: {exc}", True, None, index_link)]
    changes = []
    for key, row in zip(items, rows, strict=True):
        query = (
            ("outcome", f"climate:{key}"),
            ("comparison", "did"),
            ("baseline", str(before.id)),
            ("followup", str(after.id)),
        )
        label = key.replace("_", " ").capitalize()
        changes.append(
            _finding(label, row.result, row.refused, Link("compare", query, "results-heading"))
        )
    return found, changes
