"""A missing R skips the oracle tests, or fails the run under REQUIRE_SERVICES=1."""

from __future__ import annotations

import pytest

from tests.support import r_oracle


def test_missing_rscript_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(r_oracle.shutil, "which", lambda _name: None)
    monkeypatch.delenv("REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Rscript is missing"):
        r_oracle.rscript()


def test_missing_rscript_fails_when_services_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(r_oracle.shutil, "which", lambda _name: None)
    monkeypatch.setenv("REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SERVICES=1"):
        r_oracle.rscript()


def test_the_r_in_use_is_recorded(r_executable: str) -> None:
    version = r_oracle.r_version(r_executable)
    assert version.startswith("R version") and "survival" in version
