from __future__ import annotations

from pathlib import Path

import pytest

from surveys.settings import SettingsError, load_settings
from tests.support.keys import KEYS

SECRET = "s" * 40


def test_defaults_to_a_sqlite_file_under_instance_and_embedded_mode(tmp_path: Path) -> None:
    settings = load_settings(
        {**KEYS, "SECRET_KEY": SECRET, "FLIPSIDE_INSTANCE_PATH": str(tmp_path)}
    )
    assert settings.database_url == f"sqlite:///{tmp_path / 'flipside.sqlite3'}"
    assert settings.redis_url is None and settings.embedded
    assert settings.min_group_size == 5
    assert settings.smtp_url is None


def test_postgres_urls_use_the_psycopg_driver() -> None:
    settings = load_settings(
        {**KEYS, "SECRET_KEY": SECRET, "DATABASE_URL": "postgres://u@db.example/fs"}
    )
    assert settings.database_url == "postgresql+psycopg://u@db.example/fs"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://u@host"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://localhost:notaport"}, "REDIS_URL"),
        ({"SMTP_URL": "mail.example.com"}, "SMTP_URL"),
        ({"FLIPSIDE_MIN_GROUP_SIZE": "2"}, "FLIPSIDE_MIN_GROUP_SIZE"),
        ({"FLIPSIDE_MIN_GROUP_SIZE": "five"}, "FLIPSIDE_MIN_GROUP_SIZE"),
    ],
)
def test_a_malformed_variable_is_named_in_the_error(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings({**KEYS, "SECRET_KEY": SECRET, **env})


def test_secret_key_is_required_outside_the_demo(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        load_settings({**KEYS, "FLIPSIDE_INSTANCE_PATH": str(tmp_path)})


def test_a_short_secret_key_is_refused_outside_the_demo() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings({**KEYS, "SECRET_KEY": "short"})


def test_the_demo_generates_one_private_secret_key_and_keeps_it(tmp_path: Path) -> None:
    env = {"FLIPSIDE_DEMO": "1", "FLIPSIDE_INSTANCE_PATH": str(tmp_path)}
    first = load_settings(env)
    second = load_settings(env)
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0


def test_minimum_group_size_accepts_the_documented_range() -> None:
    assert (
        load_settings({**KEYS, "SECRET_KEY": SECRET, "FLIPSIDE_MIN_GROUP_SIZE": "3"}).min_group_size
        == 3
    )
    with pytest.raises(SettingsError):
        load_settings({**KEYS, "SECRET_KEY": SECRET, "FLIPSIDE_MIN_GROUP_SIZE": "11"})


def test_release_batching_cannot_be_switched_off_any_more() -> None:
    """Every batch the mixer stores holds k people and is released at once: the old
    FLIPSIDE_RELEASE_BATCHING switch was read and ignored, and is gone for good."""
    settings = load_settings({**KEYS, "SECRET_KEY": SECRET, "FLIPSIDE_RELEASE_BATCHING": "off"})
    assert not any("batching" in name for name in vars(settings))
    root = Path(__file__).resolve().parents[2]
    mentions = [
        str(path.relative_to(root))
        for folder in ("surveys", "webapp", "workers", "docs", "bench")
        for path in (root / folder).rglob("*")
        if path.suffix in {".py", ".md", ".html", ".toml"}
        and "FLIPSIDE_RELEASE_BATCHING" in path.read_text(encoding="utf-8")
    ]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert mentions == [] and "FLIPSIDE_RELEASE_BATCHING" not in readme


def test_the_webhook_secret_overlap_defaults_to_24_hours_and_is_configurable() -> None:
    base = {**KEYS, "SECRET_KEY": SECRET}
    assert load_settings(base).webhook_secret_overlap_hours == 24
    env = {**base, "FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS": "0"}
    assert load_settings(env).webhook_secret_overlap_hours == 0
    with pytest.raises(SettingsError, match="FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS"):
        load_settings({**base, "FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS": "-1"})
