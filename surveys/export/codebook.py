"""The bundle's human-readable codebook (Markdown and HTML) and the documents beside it.

The codebook states the programme, scope, creation time, licence and citation;
the missing codes; what the value * means; how CSV text is made safe; the survey
versions; and, per
column, its wording, type, measure level, values with their labels and counts,
and its missing values by code. Counts pass :func:`surveys.disclosure.breakdown`
(each below k is hidden, with complementary suppression), like every number shown.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from pathlib import Path
from typing import Any

from surveys import disclosure
from surveys.definitions import catalogue
from surveys.export.documents import LICENCE, Metadata, Tables, datapackage
from surveys.export.fields import GENERALISED_NOTE, Field
from surveys.export.missing import CODES
from surveys.export.syntax import readme, syntax_files

#: A block of the codebook: ("h1" | "h2" | "h3" | "p", text) or ("table", header, rows).
Block = tuple[Any, ...]

SAFE_CSV = (
    "In the CSV files only, a text cell that a spreadsheet would run as a formula (one "
    "starting with =, +, -, @, a tab or a carriage return, also after leading spaces) starts "
    "with a single quote ('), as OWASP recommends; strip it to get the text as written. The "
    "Parquet, SPSS and Stata files keep the text exactly as written."
)


def _order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.lstrip("-").isdigit() else (1 << 30, value)


def _count(result: disclosure.Result, k: int) -> str:
    return str(int(result.value)) if isinstance(result, disclosure.Shown) else f"< {k} (hidden)"


def _column(f: Field, counts: Counter[str] | None, policy: disclosure.Policy) -> list[Block]:
    out: list[Block] = [("h3", f"{f.name}"), ("p", f.title)]
    facts = f"Type: {f.type}; measure: {f.measure}."
    if f.versions:
        facts += f" Asked in version(s) {', '.join(str(v) for v in f.versions)}."
    if f.description:
        facts += f" {f.description}"
    out.append(("p", facts))
    if counts is None:
        if f.free_text:
            out.append(("p", "Free text: blank when missing (no codes)."))
        return out
    labels: dict[str, str] = {str(v): t for v, t in f.value_labels.items()}
    labels.update(f.option_labels)
    codes = {str(c.code) for c in CODES}
    values = [str(v) for v in f.enum] or sorted((v for v in counts if v not in codes), key=_order)
    for v in labels:
        if v not in values:
            values.append(v)
    cells = {v: counts.get(v, 0) for v in values}
    cells.update({str(c.code): counts.get(str(c.code), 0) for c in CODES})
    # Complementary suppression among the cells that occur: a code no row carries would
    # otherwise hide a column's only value. An empty cell is hidden like a small one.
    shown = disclosure.breakdown({v: n for v, n in cells.items() if n > 0}, policy).cells
    hidden = policy.too_few()
    rows = [[v, labels.get(v, ""), _count(shown.get(v, hidden), policy.k)] for v in values]
    rows += [
        [str(c.code), c.label, _count(shown.get(str(c.code), hidden), policy.k)] for c in CODES
    ]
    out.append(("table", ["Value", "Label", "Rows"], rows))
    return out


def codebook_blocks(
    meta: Metadata,
    tables: Tables,
    counts: dict[str, dict[str, Counter[str]]],
    report: dict[str, Any],
    policy: disclosure.Policy,
) -> list[Block]:
    blocks: list[Block] = [
        ("h1", f"Codebook: {meta.title}"),
        ("p", f"Programme(s): {', '.join(meta.programmes)}. Firm(s): {', '.join(meta.firms)}."),
        ("p", f"Scope: {json.dumps(meta.scope)}. Created {meta.created} (UTC)."),
        ("p", f"Licence: {LICENCE['title']}"),
        ("p", f"Cite as: {meta.citation}"),
        (
            "p",
            f"Every combination of quasi-identifiers describes at least {report['k_required']} "
            f"people; counts below {policy.k} are hidden here too.",
        ),
        ("h2", "Missing codes"),
        (
            "p",
            "Numeric answers and coded text columns carry a code where their value is missing "
            "(as text in coded text columns of the CSV and Parquet files); SPSS declares them "
            "user-missing (-99 thru -96), Stata holds them as extended missing values, the "
            "datapackage lists them in missingValues.",
        ),
        (
            "table",
            ["Code", "Meaning", "Stata"],
            [[str(c.code), c.label, c.stata] for c in CODES],
        ),
        ("h2", "The value *"),
        ("p", GENERALISED_NOTE),
        ("h2", "Safe CSV"),
        ("p", SAFE_CSV),
        ("h2", "Survey versions"),
    ]
    versions = []
    for key, title, numbers, _ in tables:
        for v in numbers:
            d = catalogue().get(key, v)
            versions.append([key, str(v), title, str(len(d.questions))])
    blocks.append(("table", ["Survey", "Version", "Title", "Questions"], versions))
    for key, title, _, fields in tables:
        blocks += [("h2", f"{key}: {title}"), ("p", f"Files: {key}.csv, .parquet, .sav, .dta.")]
        for f in fields:
            blocks += _column(f, counts.get(key, {}).get(f.name), policy)
    return blocks


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            lines += ["#" * int(kind[1]) + " " + block[1], ""]
        elif kind == "p":
            lines += [block[1], ""]
        else:
            header, rows = block[1], block[2]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def to_html(blocks: list[Block], title: str) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{e(title)}"]
    parts.append("</title><style>table{border-collapse:collapse}td,th{border:1px solid #999;")
    parts.append("padding:2px 6px;text-align:left}</style></head><body>")
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3", "p"):
            parts.append(f"<{kind}>{e(block[1])}</{kind}>")
        else:
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in block[1]) + "</tr>")
            for row in block[2]:
                parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write_documents(
    folder: Path,
    meta: Metadata,
    tables: Tables,
    counts: dict[str, dict[str, Counter[str]]],
    report: dict[str, Any],
    policy: disclosure.Policy,
) -> None:
    """datapackage.json, codebook.md, codebook.html, README.txt and the loading syntax."""
    definitions = {key: [catalogue().get(key, v) for v in vs] for key, _, vs, _ in tables}
    package = datapackage(meta, tables, definitions)
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2))
    blocks = codebook_blocks(meta, tables, counts, report, policy)
    (folder / "codebook.md").write_text(to_markdown(blocks))
    (folder / "codebook.html").write_text(to_html(blocks, meta.title))
    (folder / "README.txt").write_text(readme(meta, [t[0] for t in tables], report))
    for name, text in syntax_files(tables).items():
        (folder / name).write_text(text)
