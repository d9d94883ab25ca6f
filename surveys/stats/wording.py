"""Plain-English phrasing shared by every test's one-sentence summary.

The sentences are written for a D&I lead, not a statistician: they say which
way the difference goes, how big it is, and whether chance is a plausible
explanation, without the word "significant".
"""

from __future__ import annotations

import math

ALPHA = 0.05


def fmt_num(value: float | None) -> str:
    """A short human number: two decimals below 100, thousands separators above."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def fmt_p(p: float | None) -> str:
    """R-like short p-value: ``p = 0.079``, ``p < 0.001``."""
    if p is None or not math.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.1:
        return f"p = {p:.2g}" if p >= 0.01 else f"p = {p:.3f}"
    return f"p = {p:.2f}"


def fmt_ci(ci: tuple[float, float] | None, level: float = 0.95) -> str:
    if ci is None:
        return ""
    return f" ({level:.0%} CI {fmt_num(ci[0])} to {fmt_num(ci[1])})"


def chance_clause(p: float | None, what: str = "a difference this large") -> str:
    """Say whether chance alone would often produce the observed result."""
    if p is None or not math.isfinite(p):
        return "the data cannot say whether chance explains it"
    if p < ALPHA:
        return f"{what} would be unusual by chance ({fmt_p(p)})"
    return f"{what} could easily arise by chance ({fmt_p(p)})"


def on_outcome(outcome: str | None) -> str:
    return f" on {outcome}" if outcome else ""


def mean_difference_sentence(
    x: str,
    y: str,
    difference: float,
    ci: tuple[float, float] | None,
    p: float | None,
    outcome: str | None,
    level: float = 0.95,
) -> str:
    """ "Participants scored 0.4 points higher than others on belonging (95% CI ...); ..."."""
    if difference == 0:
        head = f"{x} and {y} scored the same on average{on_outcome(outcome)}"
    else:
        direction = "higher" if difference > 0 else "lower"
        head = (
            f"{x} scored {fmt_num(abs(difference))} points {direction} than {y}"
            f"{on_outcome(outcome)}"
        )
    return f"{head}{fmt_ci(ci, level)}; {chance_clause(p)}."


def tendency_sentence(
    x: str,
    y: str,
    delta: float | None,
    ci: tuple[float, float] | None,
    p: float | None,
    outcome: str | None,
    level: float = 0.95,
) -> str:
    """Rank-based wording: which group tended to answer higher, with Cliff's delta."""
    if delta is None or not math.isfinite(delta) or delta == 0:
        head = f"Neither {x} nor {y} tended to answer higher{on_outcome(outcome)}"
    else:
        hi, lo = (x, y) if delta > 0 else (y, x)
        head = f"{hi} tended to answer higher than {lo}{on_outcome(outcome)}"
    effect = ""
    if delta is not None and math.isfinite(delta):
        effect = f" (Cliff's delta {fmt_num(delta)}"
        if ci is not None:
            effect += f", {level:.0%} CI {fmt_num(ci[0])} to {fmt_num(ci[1])}"
        effect += ")"
    return f"{head}{effect}; {chance_clause(p)}."
