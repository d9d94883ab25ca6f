"""The R oracle: one Rscript executable per session, skipped or failed when missing."""

from __future__ import annotations

import pytest

from tests.support.r_oracle import rscript


@pytest.fixture(scope="session")
def r_executable() -> str:
    """Path to Rscript with survival (skip, or fail under REQUIRE_SERVICES=1, when absent)."""
    return rscript()
