"""R (``Rscript``) as the oracle: batch many cases into one R process and read the numbers.

Each test module writes all its cases into one R script; every case prints one
line ``id v1 v2 ...`` (``%.17g``, ``NA`` for missing) through the helper ``out``,
so a module costs one R start-up, not one per case. Without Rscript the tests
skip, and with ``REQUIRE_SERVICES=1`` they fail (``make r-deps`` installs
Debian's r-base-core and r-cran-survival, as ``make browser-deps`` installs
chromium).
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from tests.support.services import required

PRELUDE = """
suppressPackageStartupMessages(library(survival))
out <- function(id, ...) cat(id, sprintf("%.17g", as.numeric(c(...))), "\\n")
"""


def rscript() -> str:
    """The Rscript executable with the survival package, or skip / fail as configured."""
    found = shutil.which("Rscript")
    problem = None
    if found is None:
        problem = "Rscript"
    else:
        check = subprocess.run(
            [found, "-e", "quit(status = !requireNamespace('survival', quietly = TRUE))"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        if check.returncode != 0:
            problem = "R's survival package"
    if problem is not None:
        if required():
            pytest.fail(f"{problem} is missing and REQUIRE_SERVICES=1", pytrace=False)
        pytest.skip(f"{problem} is missing (make r-deps, or apt-get install r-base-core)")
    assert found is not None
    return found


def vec(values: Iterable[float]) -> str:
    """An R numeric vector literal that round-trips every double exactly."""
    return "c(" + ", ".join(repr(float(v)) for v in values) + ")"


def run_r(executable: str, body: Sequence[str]) -> dict[str, list[float]]:
    """Run the prelude plus ``body`` in one Rscript process; parse ``out`` lines by id."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "cases.R"
        script.write_text(PRELUDE + "\n".join(body) + "\n", encoding="utf-8")
        done = subprocess.run(
            [executable, "--vanilla", str(script)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    if done.returncode != 0:
        raise AssertionError(f"Rscript failed:\n{done.stderr[-2000:]}")
    results: dict[str, list[float]] = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if parts:
            results[parts[0]] = [math.nan if p == "NA" else float(p) for p in parts[1:]]
    return results


def r_version(executable: str) -> str:
    """R's and survival's versions, for the test report."""
    done = subprocess.run(
        [executable, "-e", "cat(R.version.string, 'survival', "
         "as.character(packageVersion('survival')))"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.stdout.strip()
