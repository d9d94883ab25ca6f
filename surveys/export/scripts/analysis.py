"""Recompute the dashboard's comparisons from this bundle's data, and check them.

Run from anywhere: ``python analysis/analysis.py`` (needs SciPy). It reads
``../climate.csv``, ``../mentor_pulse.csv`` and ``../mentee_pulse.csv`` and
``expected.json`` (what the dashboard showed when the export was built),
recomputes every comparison with the dashboard's conventions, writes
``results-python.csv`` beside itself and prints one line per comparison:
match, mismatch, or "differs: disclosure control" when rows were withheld or
the role (or programme) was blanked in this export.

Conventions (the dashboard's comparison builder):
- Welch's two-sample t (R's t.test default), two-sided; df by Welch-Satterthwaite.
  The dashboard's default test for every outcome type (5-point, 0-10 and the index).
- Mentors vs mentees on the session pulses: mentor_pulse.csv against
  mentee_pulse.csv (each role answers its own pulse), every row of the export's months.
- Before/after (difference-in-differences): participants' change in mean from the
  first to the last climate round minus the comparison group's change, the four
  rounds as independent samples: SE = sqrt(sum var/n), Welch-Satterthwaite df over
  the four, two-sided t; the effect is the DiD over the baseline pooled SD, its
  interval the t interval of the DiD over the same SD. n is "before;after".
- Hedges' g with the pooled SD and J = 1 - 3/(4(n1+n2)-9); its 95% interval
  from var(g) = (n1+n2)/(n1 n2) + g^2/(2(n1+n2)) and a normal quantile.
- Holm's adjustment (R's p.adjust "holm") across the outcomes of one comparison
  in one round that the dashboard tested.
- The climate index: per side, the mean of the item means, n the smallest item
  n, and SD the mean of the item SDs (the conservative SD the dashboard uses).
- Printed as the dashboard prints: t to 2 decimals, df to 1, g and its interval
  to 2, p as "p < 0.001", "p = 0.0xx" (two significant digits) or "p = 0.xx".
- Missing: blank cells and the codes -96 (not applicable), -97 (suppressed by
  disclosure control), -98 (not asked) and -99 (not answered).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from statistics import NormalDist
from typing import Any

from scipy import special  # the t distribution (R's pt)

HERE = Path(__file__).resolve().parent
MISSING = {"", "-96", "-97", "-98", "-99", "-96.0", "-97.0", "-98.0", "-99.0"}
PARTICIPANT_ROLES = {"mentor", "mentee"}
Summary = tuple[int, float, float]  # n, mean, (n - 1) variance


def present(value: str | None) -> str | None:
    """The cell's value, or None when it is blank or a missing code."""
    text = (value or "").strip()
    return None if text in MISSING else text


# Copy of surveys/stats/wording.py:fmt_p (the bundle's script runs without Flipside).
def fmt_p(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    if p < 0.1:
        return f"p = {p:.2g}" if p >= 0.01 else f"p = {p:.3f}"
    return f"p = {p:.2f}"


def summary(values: list[float]) -> Summary:
    n = len(values)
    if n == 0:
        return 0, math.nan, math.nan
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else math.nan
    return n, mean, var


def index_summary(rows: list[dict[str, str]], items: list[str]) -> Summary | None:
    """The climate index side: mean of item means, smallest item n, mean of item SDs."""
    parts = [
        summary([float(v) for r in rows if (v := present(r.get(q))) is not None]) for q in items
    ]
    if any(n < 2 for n, _, _ in parts):
        return None
    n = min(p[0] for p in parts)
    mean = sum(p[1] for p in parts) / len(parts)
    sd = sum(math.sqrt(p[2]) for p in parts) / len(parts)
    # The dashboard goes through running totals (n, sum, sum of squares) here.
    total, squares = mean * n, (n - 1) * sd * sd + n * mean**2
    return n, total / n, max(0.0, (squares - total * (total / n)) / (n - 1))


def welch(a: Summary, b: Summary) -> dict[str, Any] | None:
    (n1, m1, v1), (n2, m2, v2) = a, b
    if n1 < 2 or n2 < 2:
        return None
    se = math.sqrt(v1 / n1 + v2 / n2)
    if se == 0:
        return None
    t = (m1 - m2) / se
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    p = min(1.0, 2 * float(special.stdtr(df, -abs(t))))
    out: dict[str, Any] = {"n_a": n1, "n_b": n2, "t": t, "df": df, "p": p, "g": None, "ci": None}
    pooled = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    if pooled > 0:
        g = (1 - 3 / (4 * (n1 + n2) - 9)) * (m1 - m2) / pooled
        half = NormalDist().inv_cdf(0.975) * math.sqrt(
            (n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2))
        )
        out.update(g=g, ci=(g - half, g + half))
    return out


# Copy of surveys/stats/multiplicity.py:holm, for the same reason.
def holm(pvalues: list[float]) -> list[float]:
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    out, running = [0.0] * len(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, (len(pvalues) - rank) * pvalues[i])
        out[i] = min(1.0, running)
    return out


def did_test(groups: list[Summary]) -> dict[str, Any] | None:
    """Difference-in-differences from (side a before, after, side b before, after)."""
    if any(n < 2 for n, _, _ in groups):
        return None
    (n1, m1, v1), (n2, m2, v2), (n3, m3, v3), (n4, m4, v4) = groups
    terms = [v / n for n, _, v in groups]
    se = math.sqrt(sum(terms))
    if se == 0:
        return None
    df = sum(terms) ** 2 / sum(t**2 / (g[0] - 1) for t, g in zip(terms, groups, strict=True))
    did = (m2 - m1) - (m4 - m3)
    t = did / se
    p = min(1.0, 2 * float(special.stdtr(df, -abs(t))))
    half = float(special.stdtrit(df, 0.975)) * se
    sd = math.sqrt(((n1 - 1) * v1 + (n3 - 1) * v3) / (n1 + n3 - 2))
    g, ci = (did / sd, ((did - half) / sd, (did + half) / sd)) if sd > 0 else (None, None)
    sizes = {"n_a": f"{n1};{n2}", "n_b": f"{n3};{n4}"}
    return {**sizes, "t": t, "df": df, "p": p, "g": g, "ci": ci}


def printed(r: dict[str, Any]) -> dict[str, str]:
    return {
        "t": f"{r['t']:.2f}",
        "df": f"{r['df']:.1f}",
        "g": "n/a" if r["g"] is None else f"{r['g']:.2f}",
        "g_ci": "" if r["ci"] is None else "{:.2f} to {:.2f}".format(*r["ci"]),
        "p": fmt_p(r["p"]),
        "p_adjusted": fmt_p(r.get("p_adjusted")),
    }


def read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def side_roles(roles: list[str], generalised: bool) -> set[str]:
    """The role values of one side in this file (mentor and mentee may be 'participant')."""
    wanted = set(roles)
    if generalised and wanted == PARTICIPANT_ROLES:
        wanted.add("participant")
    return wanted


def values(rows: list[dict[str, str]], column: str) -> Summary:
    return summary([float(v) for r in rows if (v := present(r.get(column))) is not None])


def recompute(
    entry: dict[str, Any], data: dict[str, list[dict[str, str]]], items: list[str]
) -> Any:
    """The entry's numbers from ``data`` (its tables' rows), or a reason it cannot be."""
    if entry.get("table_a", "climate") != entry.get("table_b", "climate"):  # the pulses
        a, b = values(data["a"], entry["column"]), values(data["b"], entry["column"])
        return welch(a, b) or "too few answers, or no variation, to test"
    rows = data["a"]
    roles = {present(r.get("role")) for r in rows}
    generalised = "participant" in roles
    if generalised and entry["comparison"] == "mentors-mentees":
        return "role was generalised to participant/comparison in this export"
    rounds = [entry["baseline"], entry["round"]] if entry.get("baseline") else [entry["round"]]
    sides = []
    for key in ("roles_a", "roles_b"):
        wanted = side_roles(entry[key], generalised)
        for round_ in rounds:
            chosen = [
                r
                for r in rows
                if present(r.get("role")) in wanted and present(r.get("round")) == round_
            ]
            if entry["column"] == "index":
                sides.append(index_summary(chosen, items))
            else:
                sides.append(values(chosen, entry["column"]))
    found = [side for side in sides if side is not None]
    if len(found) < len(sides):
        return "an item of the index has too few answers"
    if entry.get("baseline"):
        return did_test(found) or "too few answers, or no variation, to test"
    return welch(found[0], found[1]) or "too few answers, or no variation, to test"


def in_scope(entry: dict[str, Any], rows: list[dict[str, str]], single: bool) -> Any:
    """The rows of the entry's rounds (climate) and programme; and how many were blanked."""
    if entry.get("round"):
        wanted = {entry["round"], entry.get("baseline") or entry["round"]}
        rows = [r for r in rows if present(r.get("round")) in wanted]
    blanked = 0
    if not single:
        blanked = sum(1 for r in rows if present(r.get("programme")) is None)
        rows = [r for r in rows if present(r.get("programme")) == str(entry["programme"])]
    return rows, blanked


def main() -> int:
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    withheld = int(expected.get("rows_withheld") or 0)
    single = bool(expected.get("single_programme"))
    tables: dict[str, list[dict[str, str]]] = {}
    items = list(expected.get("index_items", []))
    results: list[dict[str, Any]] = []
    for entry in expected.get("comparisons", []):
        data, blanked = {}, 0
        for side in ("a", "b"):
            name = entry.get(f"table_{side}", "climate")
            if name not in tables:
                tables[name] = read_rows(HERE.parent / f"{name}.csv")
            data[side], lost = in_scope(entry, tables[name], single)
            if side == "a" or name != entry.get("table_a", "climate"):
                blanked += lost
        if entry.get("table_a", "climate") == "climate":
            blanked += sum(1 for r in data["a"] if present(r.get("role")) is None)
        out: dict[str, Any] = {"entry": entry, "blanked": blanked, "result": None, "why": ""}
        if entry.get("refused"):
            out["why"] = entry["refused"]  # the dashboard's refusal, or why it cannot be rerun
        else:
            got = recompute(entry, data, items)
            out["result" if isinstance(got, dict) else "why"] = got
        results.append(out)
    families: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for out in results:
        e = out["entry"]
        if out["result"] is not None:
            key = (e["programme"], e["round"], e.get("baseline"), e["comparison"], e.get("source"))
            families.setdefault(key, []).append(out)
    for members in families.values():
        for out, q in zip(members, holm([m["result"]["p"] for m in members]), strict=True):
            out["result"]["p_adjusted"] = q
    return report_results(results, withheld)


def report_results(results: list[dict[str, Any]], withheld: int) -> int:
    columns = ["programme", "round", "comparison", "outcome", "side_a", "n_a", "side_b", "n_b"]
    columns += ["t", "df", "g", "g_ci", "p", "p_adjusted", "status", "note"]
    mismatches = 0
    with (HERE / "results-python.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        for out in results:
            e, r = out["entry"], out["result"]
            line = {c: e.get(c, "") for c in columns[:5]} | {"side_b": e["side_b"]}
            if r is None:
                status = "refused" if e.get("refused") else "not recomputed"
                line.update(status=status, note=out["why"])
            else:
                mine = printed(r)
                sizes = (str(r["n_a"]), str(r["n_b"])) == (str(e.get("n_a")), str(e.get("n_b")))
                same = mine == e.get("printed") and sizes
                # figures_withheld: the export left the dashboard's figures out (see README).
                control = out["blanked"] > 0 or withheld > 0 or bool(e.get("figures_withheld"))
                status = (
                    "match" if same else "differs: disclosure control" if control else "mismatch"
                )
                mismatches += status == "mismatch"
                note = (
                    ""
                    if same or not control
                    else e.get("figures_withheld")
                    or (
                        f"{out['blanked']} rows of this round have the role or programme blanked "
                        f"and {withheld} rows of the export were withheld by disclosure control"
                    )
                )
                line.update(n_a=r["n_a"], n_b=r["n_b"], status=status, note=note, **mine)
            writer.writerow(line)
            where = f"round {e['round']}" if e["round"] else "session pulses"
            print(
                f"{line['status']:<28} {e['outcome']} ({e['comparison']}, {where}): "
                f"{line.get('t', '')} {line.get('p', '')} {line['note']}"
            )
    print(f"{len(results)} comparisons, {mismatches} unexplained mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
