"""Why a figure is hidden and when it may appear, in plain words (issue 22)."""

from __future__ import annotations

from datetime import UTC, datetime

from surveys import disclosure
from surveys.reports.headline import as_of_month

K5 = disclosure.Policy(5)


def test_a_small_group_and_a_uniform_group_read_alike_in_plain_words() -> None:
    small = disclosure.count(3, K5)
    uniform = disclosure.distribution({"4": 9}, K5)
    assert isinstance(small, disclosure.Suppressed) and isinstance(uniform, disclosure.Suppressed)
    assert disclosure.why(small.reason) == disclosure.why(uniform.reason)
    assert disclosure.why(small.reason).startswith(disclosure.NOT_YET)
    assert "fewer than 5 people" in disclosure.why(small.reason)


def test_when_names_the_next_pass_and_a_number_computed_from_k_only() -> None:
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    reasons = {disclosure.count(n, K5).reason for n in range(5)}  # type: ignore[union-attr]
    said = {disclosure.when(reason, 5, at, 24) for reason in reasons}
    assert said == {
        "It may appear after the next mixer pass (due 2026-03-02 02:00 UTC), "
        "once roughly 5 more people have answered."
    }
    without = disclosure.when(next(iter(reasons)), 7, None, 24)
    assert "one runs every 24 hours" in without and "roughly 7 more" in without


def test_a_refusal_more_answers_cannot_lift_says_no_when() -> None:
    ledger: disclosure.Ledger[int] = disclosure.Ledger(K5)
    ledger.show({1, 2}, disclosure.Shown(10, 10), "March")
    refused = ledger.show({1}, disclosure.Shown(8, 8), "week 11")
    assert isinstance(refused, disclosure.Suppressed)
    assert disclosure.when(refused.reason, 5, None, 24) == ""
    assert "subtracting one from the other" in disclosure.why(refused.reason)


def test_the_headline_is_as_of_the_latest_month_any_row_is_shown_in() -> None:
    shown, hidden = disclosure.Shown(50.0, 10), K5.too_few()
    link = None
    rows = [
        ("a", "favourable", link, {"2026-01": (shown, None), "2026-03": (hidden, None)}),
        ("b", "favourable", link, {"2026-02": (shown, None), "2026-03": (hidden, None)}),
    ]
    assert as_of_month(rows) == "2026-02"  # type: ignore[arg-type]
    assert as_of_month([]) == ""
