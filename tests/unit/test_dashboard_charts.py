"""One chart, three renderings: inline SVG for the page, PNG and CSV for download."""

from __future__ import annotations

import re

from markupsafe import Markup

from surveys import disclosure
from webapp.dashboard.vega import Chart, cell, csv_text, inline_svg, png

SPEC = {
    "width": 200,
    "height": 100,
    "data": {"values": [{"month": "2026-01", "n": 7}, {"month": "2026-02", "n": 9}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "month", "type": "ordinal"},
        "y": {"field": "n", "type": "quantitative"},
    },
}


def chart(**kw: object) -> Chart:
    return Chart(
        "bars",
        "Meetings <per> month",
        ("Month", "Meetings"),
        [("2026-01", "7"), ("2026-02", cell(disclosure.Suppressed("suppressed (fewer than 5)")))],
        **{"spec": SPEC, **kw},  # type: ignore[arg-type]
    )


def test_a_suppressed_number_is_the_word_suppressed_never_zero_or_blank() -> None:
    assert cell(disclosure.Suppressed("refused: differs by fewer than 5")) == "suppressed"
    assert cell(disclosure.Shown(1234.0, 1234)) == "1,234"
    assert cell(disclosure.Shown(12.345, 40), 1, percent=True) == "12.3%"


def test_inline_svg_is_one_labelled_image_with_no_unnamed_graphics_inside() -> None:
    svg = str(inline_svg(chart()))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="bars-title"' in svg
    assert '<title id="bars-title">Meetings &lt;per&gt; month' in svg
    assert len(re.findall(r"\brole=", svg)) == 1
    assert "aria-roledescription" not in svg
    assert 'width="100%"' in svg and "<script" not in svg and "http" not in svg.split("<g", 1)[1]


def test_png_comes_from_the_spec_or_from_a_hand_written_svg() -> None:
    assert png(chart()).startswith(b"\x89PNG\r\n\x1a\n")
    drawn = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40" width="100%">'
        '<rect width="50" height="20" fill="#2166ac"/><text x="0" y="30">x</text></svg>'
    )
    image = png(chart(spec=None, svg=drawn, legend=[("Agree", "#2166ac")]))
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    assert int.from_bytes(image[16:20], "big") == 200  # 100 px wide at scale 2


def test_csv_holds_the_tables_rows_with_a_bom_for_spreadsheets() -> None:
    text = csv_text(chart())
    assert text == "\ufeffMonth,Meetings\r\n2026-01,7\r\n2026-02,suppressed\r\n"
