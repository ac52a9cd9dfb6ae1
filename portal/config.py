"""Configuration from environment variables, with documented defaults.

Every setting is read once, in the application factory. See README.md for the list.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _secret_key(instance_path: Path) -> str:
    """PORTAL_SECRET_KEY, or a key generated once into instance/secret_key (never committed)."""
    env = os.environ.get("PORTAL_SECRET_KEY")
    if env:
        return env
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get
    base_url = env("PORTAL_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    database_url = env("PORTAL_DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite3'}"
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PORTAL_CONTENT_DIR": Path(env("PORTAL_CONTENT_DIR", str(ROOT / "content"))),
        "PORTAL_FORMS_DIR": Path(env("PORTAL_FORMS_DIR", str(ROOT / "forms"))),
        "PORTAL_BASE_URL": base_url,
        "PORTAL_DEV_MAILBOX": _bool(env("PORTAL_DEV_MAILBOX"), default=not env("PORTAL_SMTP_HOST")),
        "PORTAL_SMTP_HOST": env("PORTAL_SMTP_HOST", ""),
        "PORTAL_SMTP_PORT": int(env("PORTAL_SMTP_PORT", "25")),
        "PORTAL_SMTP_USER": env("PORTAL_SMTP_USER", ""),
        "PORTAL_SMTP_PASSWORD": env("PORTAL_SMTP_PASSWORD", ""),
        "PORTAL_SMTP_STARTTLS": _bool(env("PORTAL_SMTP_STARTTLS"), False),
        "PORTAL_MAIL_FROM": env("PORTAL_MAIL_FROM", "Samverkansportalen <no-reply@samverkansportalen.invalid>"),
        "PORTAL_MAIL_REPLY_TO": env("PORTAL_MAIL_REPLY_TO", ""),
        "RATELIMIT_STORAGE_URI": env("PORTAL_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PORTAL_LOGIN_MAX_FAILURES": int(env("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "PORTAL_LOGIN_LOCK_MINUTES": int(env("PORTAL_LOGIN_LOCK_MINUTES", "15")),
        "PORTAL_DEV_RELOAD_CONTENT": _bool(env("PORTAL_DEV_RELOAD_CONTENT"), False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "PREFERRED_URL_SCHEME": "https" if base_url.startswith("https://") else "http",
    }
