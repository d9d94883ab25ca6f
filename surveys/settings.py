"""Typed settings, read once from the environment.

Every variable Flipside reads is listed here (and in README's table). Loading
fails fast with a :class:`SettingsError` whose message names the variable, so a
misconfigured process stops with one clear line instead of a traceback later.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from surveys.intake.keys import Keys, KeysError, load_keys
from surveys.storage import BundleStore, bundle_store

MIN_K, MAX_K = 3, 10
_RATE = re.compile(r"[1-9][0-9]{0,5} per (?:[1-9][0-9]{0,4} )?(?:second|minute|hour|day)s?")
#: The variable holding k, the minimum group size (PRODUCT.md 2.3).
MIN_GROUP_SIZE = "FLIPSIDE_MIN_GROUP_SIZE"


class SettingsError(Exception):
    """A configuration problem, phrased for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    smtp_url: str | None
    min_group_size: int
    demo: bool
    instance_path: Path
    invitation_ttl_days: int = 14
    max_reminders: int = 2
    reminder_gap_days: int = 3
    base_url: str = "http://127.0.0.1:5000"
    mail_from: str = "flipside@localhost"
    #: The mixer's key pair and the pseudonym secret (surveys/intake/keys.py). None only
    #: for settings built by hand; load_settings always reads them.
    keys: Keys | None = None
    #: How often the clock starts a mixer pass (FLIPSIDE_MIX_INTERVAL_HOURS).
    mix_interval_hours: int = 24
    #: A staff session ends this long after sign-in (FLIPSIDE_SESSION_MAX_HOURS)...
    session_max_hours: int = 12
    #: ...or after this long without a request (FLIPSIDE_SESSION_IDLE_MINUTES).
    session_idle_minutes: int = 30
    #: Reverse proxies in front of the app whose X-Forwarded-* headers are trusted
    #: (FLIPSIDE_PROXY_HOPS); 0 trusts none.
    proxy_hops: int = 0
    #: Failed sign-ins allowed per e-mail address from anywhere (known devices exempt),
    #: per e-mail address from one client address, and per client address
    #: (FLIPSIDE_LOGIN_LIMIT_ACCOUNT, _ACCOUNT_ADDRESS, _ADDRESS), in the ``limits``
    #: notation ("5 per minute"); webapp/auth/limits.py.
    login_limit_account: str = "30 per hour"
    login_limit_account_address: str = "5 per minute"
    login_limit_address: str = "30 per minute"
    #: Password-reset requests per client address (FLIPSIDE_RESET_LIMIT_ADDRESS), and at
    #: most one reset mail per account this often (FLIPSIDE_RESET_MAIL_MINUTES).
    reset_limit_address: str = "10 per hour"
    reset_mail_minutes: int = 15
    #: How often workers and the clock write their heartbeat (FLIPSIDE_HEARTBEAT_SECONDS).
    heartbeat_seconds: int = 10
    #: /healthz: a heartbeat older than this is stale (FLIPSIDE_HEALTH_STALE_SECONDS).
    health_stale_seconds: int = 60
    #: /healthz: an unpublished outbox row older than this is a backlog
    #: (FLIPSIDE_HEALTH_OUTBOX_SECONDS).
    health_outbox_seconds: int = 300
    #: /healthz: the mixer may be this late past its interval (FLIPSIDE_HEALTH_MIX_MARGIN_SECONDS).
    health_mix_margin_seconds: int = 3600
    #: After a webhook secret is replaced, the old one is still accepted this long
    #: (FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS; 0 = not at all), so integrations can move.
    webhook_secret_overlap_hours: int = 24
    #: Reports of one pairing's meeting this many days apart are one meeting
    #: (FLIPSIDE_MEETING_WINDOW_DAYS; surveys/services/meetings.py).
    meeting_window_days: int = 3
    #: Research bundles go to this S3-compatible bucket (FLIPSIDE_EXPORT_BUCKET; unset: the
    #: local folder <instance>/exports, one machine only), at FLIPSIDE_S3_ENDPOINT_URL.
    export_bucket: str | None = None
    s3_endpoint_url: str | None = None

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: broker and workers run in-process."""
        return self.redis_url is None

    @property
    def required_keys(self) -> Keys:
        """The configured keys (settings built by hand without them cannot seal)."""
        if self.keys is None:
            raise SettingsError(
                "FLIPSIDE_MIXER_PUBLIC_KEY and FLIPSIDE_PSEUDONYM_SECRET are required"
            )
        return self.keys

    @property
    def mail_dir(self) -> Path:
        return self.instance_path / "mail"

    @property
    def bundles(self) -> BundleStore:
        """Where finished research bundles are kept (surveys/storage.py)."""
        return bundle_store(self.instance_path, self.export_bucket, self.s3_endpoint_url)


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def min_group_size(env: Mapping[str, str]) -> int:
    """k from ``FLIPSIDE_MIN_GROUP_SIZE`` (default 5, between 3 and 10).

    Public because ``flipside stats`` reads k alone: it runs with no SECRET_KEY.
    """
    return _int(env, MIN_GROUP_SIZE, 5, MIN_K, MAX_K)


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _database_url(env: Mapping[str, str], instance_path: Path) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance_path / 'flipside.sqlite3'}"
    if raw.startswith("postgres://"):  # Heroku-style scheme
        raw = "postgresql://" + raw[len("postgres://") :]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL is not a database URL (expected e.g. "
            "postgresql://user@host/dbname or sqlite:///path/to/file)"
        ) from None
    backend = url.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise SettingsError(f"DATABASE_URL must point at PostgreSQL or SQLite, not {backend!r}")
    if backend == "postgresql":
        if not url.database:
            raise SettingsError("DATABASE_URL names no database (add /dbname at the end)")
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def parse_redis_url(env: Mapping[str, str]) -> str | None:
    """REDIS_URL validated, or None for the embedded mode."""
    raw = env.get("REDIS_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss", "unix"} or not (parts.hostname or parts.path):
        raise SettingsError("REDIS_URL is not a Redis URL (expected e.g. redis://127.0.0.1:6379/0)")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise SettingsError("REDIS_URL has a malformed port") from None
    return raw


def _smtp_url(env: Mapping[str, str]) -> str | None:
    raw = env.get("SMTP_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise SettingsError("SMTP_URL is not an SMTP URL (expected e.g. smtp://user:pass@host:587)")
    try:
        parts.port  # noqa: B018
    except ValueError:
        raise SettingsError("SMTP_URL has a malformed port") from None
    return raw


def _mail_from(env: Mapping[str, str]) -> str:
    raw = env.get("FLIPSIDE_MAIL_FROM", "").strip() or "flipside@localhost"
    if "@" not in raw or any(c in raw for c in " <>\r\n"):
        raise SettingsError("FLIPSIDE_MAIL_FROM must be a plain e-mail address")
    return raw


def _secret_key(env: Mapping[str, str], demo: bool, instance_path: Path) -> str:
    raw = env.get("SECRET_KEY", "").strip()
    if raw:
        if len(raw) < 32 and not demo:
            raise SettingsError("SECRET_KEY must be at least 32 characters long")
        return raw
    if not demo:
        raise SettingsError(
            "SECRET_KEY is required (set it to a long random string, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`); "
            "only the demo (FLIPSIDE_DEMO=1) generates one"
        )
    # The demo keeps one random key per instance folder, so logins survive a restart.
    key_file = instance_path / "demo-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name, "").strip() or default
    if not _RATE.fullmatch(raw):
        raise SettingsError(f"{name} must read like '5 per minute', got {raw!r}")
    return raw


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError naming the culprit."""
    env = os.environ if environ is None else environ
    demo = _flag(env, "FLIPSIDE_DEMO")
    instance_path = Path(env.get("FLIPSIDE_INSTANCE_PATH", "").strip() or "instance").resolve()
    base_url = env.get("FLIPSIDE_BASE_URL", "").strip() or "http://127.0.0.1:5000"
    if urlsplit(base_url).scheme not in {"http", "https"}:
        raise SettingsError("FLIPSIDE_BASE_URL must start with http:// or https://")
    secret_key = _secret_key(env, demo, instance_path)
    try:
        keys = load_keys(env, demo=demo, instance_path=instance_path)
    except KeysError as exc:
        raise SettingsError(str(exc)) from None
    return Settings(
        database_url=_database_url(env, instance_path),
        redis_url=parse_redis_url(env),
        secret_key=secret_key,
        smtp_url=_smtp_url(env),
        min_group_size=min_group_size(env),
        demo=demo,
        instance_path=instance_path,
        invitation_ttl_days=_int(env, "FLIPSIDE_INVITATION_TTL_DAYS", 14, 1, 90),
        max_reminders=_int(env, "FLIPSIDE_MAX_REMINDERS", 2, 0, 5),
        reminder_gap_days=_int(env, "FLIPSIDE_REMINDER_GAP_DAYS", 3, 1, 30),
        base_url=base_url.rstrip("/"),
        mail_from=_mail_from(env),
        keys=keys,
        mix_interval_hours=_int(env, "FLIPSIDE_MIX_INTERVAL_HOURS", 24, 1, 24 * 31),
        session_max_hours=_int(env, "FLIPSIDE_SESSION_MAX_HOURS", 12, 1, 24 * 31),
        session_idle_minutes=_int(env, "FLIPSIDE_SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
        proxy_hops=_int(env, "FLIPSIDE_PROXY_HOPS", 0, 0, 5),
        webhook_secret_overlap_hours=_int(
            env, "FLIPSIDE_WEBHOOK_SECRET_OVERLAP_HOURS", 24, 0, 24 * 14
        ),
        login_limit_account=_rate(env, "FLIPSIDE_LOGIN_LIMIT_ACCOUNT", "30 per hour"),
        login_limit_account_address=_rate(
            env, "FLIPSIDE_LOGIN_LIMIT_ACCOUNT_ADDRESS", "5 per minute"
        ),
        login_limit_address=_rate(env, "FLIPSIDE_LOGIN_LIMIT_ADDRESS", "30 per minute"),
        reset_limit_address=_rate(env, "FLIPSIDE_RESET_LIMIT_ADDRESS", "10 per hour"),
        reset_mail_minutes=_int(env, "FLIPSIDE_RESET_MAIL_MINUTES", 15, 1, 24 * 60),
        heartbeat_seconds=_int(env, "FLIPSIDE_HEARTBEAT_SECONDS", 10, 1, 300),
        health_stale_seconds=_int(env, "FLIPSIDE_HEALTH_STALE_SECONDS", 60, 2, 3600),
        health_outbox_seconds=_int(env, "FLIPSIDE_HEALTH_OUTBOX_SECONDS", 300, 10, 86400),
        health_mix_margin_seconds=_int(env, "FLIPSIDE_HEALTH_MIX_MARGIN_SECONDS", 3600, 0, 86400),
        meeting_window_days=_int(env, "FLIPSIDE_MEETING_WINDOW_DAYS", 3, 0, 14),
        export_bucket=env.get("FLIPSIDE_EXPORT_BUCKET", "").strip() or None,
        s3_endpoint_url=_s3_endpoint(env),
    )


def _s3_endpoint(env: Mapping[str, str]) -> str | None:
    url = env.get("FLIPSIDE_S3_ENDPOINT_URL", "").strip()
    if url and urlsplit(url).scheme not in {"http", "https"}:
        raise SettingsError("FLIPSIDE_S3_ENDPOINT_URL must start with http:// or https://")
    return url or None
