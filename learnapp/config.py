"""Settings: safe defaults first, then LEARNAPP_* variables from the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


class ConfigError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


def _instance_path() -> Path:
    return Path(os.environ.get("LEARNAPP_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def _secret_key(instance: Path, production: bool) -> str:
    key = os.environ.get("LEARNAPP_SECRET_KEY", "")
    if key:
        return key
    if production:
        raise ConfigError(
            "LEARNAPP_SECRET_KEY must be set when LEARNAPP_ENV=production: "
            "sessions signed with a generated key would not survive a restart or a second host."
        )
    # Outside production a key is generated once and kept, so sessions survive restarts.
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load(overrides: dict | None = None) -> dict:
    """Return the settings dict for create_app from defaults, environment and overrides."""
    overrides = dict(overrides or {})
    env = os.environ
    production = overrides.get("ENV", env.get("LEARNAPP_ENV", "development")) == "production"
    instance = Path(overrides.get("INSTANCE_PATH", _instance_path()))
    database_url = (
        overrides.get("DATABASE_URL")
        or env.get("LEARNAPP_DATABASE_URL")
        or (f"sqlite:///{instance / 'learnapp.db'}")
    )
    settings = {
        "ENV": "production" if production else "development",
        "INSTANCE_PATH": instance,
        "DATABASE_URL": database_url,
        "COURSES_DIR": Path(env.get("LEARNAPP_COURSES_DIR", Path.cwd() / "courses")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        # Learners share phones rarely but forget passwords often: a long idle timeout
        # keeps them signed in between lessons, the absolute one still ends old sessions.
        "SESSION_IDLE_TIMEOUT": timedelta(hours=int(env.get("LEARNAPP_IDLE_HOURS", "72"))),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(days=int(env.get("LEARNAPP_ABSOLUTE_DAYS", "30"))),
        # A 2 MB picture or recording and its multipart envelope: a file of the largest
        # accepted size reaches its check (and a clear message) instead of a bare 413.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024 + 64 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "LANGUAGES": LANGUAGES,
        "RATELIMIT_STORAGE_URI": env.get("LEARNAPP_RATELIMIT_STORAGE_URL", "memory://"),
        # Redis for the stamps that tell every worker its copies in memory are current
        # (learnapp.cache); empty: the stamps live in the database and each request
        # loads its person from there.
        "CACHE_URL": env.get("LEARNAPP_CACHE_URL", ""),
        "CACHE_PREFIX": env.get("LEARNAPP_CACHE_PREFIX", "learnapp:"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Failed sign-ins allowed per minute before 429. Per IP is looser because many
        # secretaries reach us through the same mobile-carrier address.
        "SIGNIN_FAILURES_PER_ACCOUNT": env.get("LEARNAPP_SIGNIN_FAILURES_PER_ACCOUNT", "5/minute"),
        "SIGNIN_FAILURES_PER_IP": env.get("LEARNAPP_SIGNIN_FAILURES_PER_IP", "20/minute"),
        # Bulk temporary passwords: up to this many people are hashed within the request;
        # a larger batch is hashed in a background thread (learnapp.admin.passwords).
        "PASSWORD_BATCH_INLINE_MAX": int(env.get("LEARNAPP_PASSWORD_BATCH_INLINE_MAX", "20")),
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
        "DEMO_MODE": env.get("LEARNAPP_DEMO", "") == "1",
        # Outside the instance's backed-up files on purpose: see learnapp.privacy.deletion_log.
        "DELETION_LOG": Path(env.get("LEARNAPP_DELETION_LOG", instance / "deletion-log.jsonl")),
        # Failed sign-in records older than this are removed by `flask daily`.
        "FAILED_SIGNIN_RETENTION_DAYS": int(env.get("LEARNAPP_FAILED_SIGNIN_RETENTION_DAYS", "90")),
    }
    settings.update(overrides)
    if not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = _secret_key(Path(settings["INSTANCE_PATH"]), production)
    return settings
