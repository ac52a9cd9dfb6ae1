"""Configuration from environment variables, with documented defaults.

Every setting is read once, in the application factory. See README.md for the list.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from sqlalchemy.engine import make_url

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
        # A server (MariaDB) may close an idle connection, so it is pinged when taken from the pool;
        # a SQLite file cannot go away, and the ping was one more statement on every request.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not database_url.startswith("sqlite")},
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
        # How many reverse proxies in front of the portal append X-Forwarded-For/-Proto (0: none,
        # the header is not believed). Rate limits and the audit trail use the address it gives.
        "PORTAL_TRUSTED_PROXIES": int(env("PORTAL_TRUSTED_PROXIES", "0")),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PORTAL_LOGIN_MAX_FAILURES": int(env("PORTAL_LOGIN_MAX_FAILURES", "5")),
        "PORTAL_LOGIN_LOCK_MINUTES": int(env("PORTAL_LOGIN_LOCK_MINUTES", "15")),
        # Server-side sessions (accounts/sessions.py): idle timeout and absolute lifetime (a working day).
        "PORTAL_SESSION_IDLE_MINUTES": int(env("PORTAL_SESSION_IDLE_MINUTES", "120")),
        "PORTAL_SESSION_LIFETIME_HOURS": int(env("PORTAL_SESSION_LIFETIME_HOURS", "10")),
        "PORTAL_DEV_RELOAD_CONTENT": _bool(env("PORTAL_DEV_RELOAD_CONTENT"), False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        # The cookie lives no longer than the server-side session may.
        "PERMANENT_SESSION_LIFETIME": int(env("PORTAL_SESSION_LIFETIME_HOURS", "10")) * 3600,
        # The idle timeout is the server's (accounts/sessions.py), so the cookie is not signed and sent
        # again on every answer: it is set when the session changes and expires with the lifetime.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Flask-WTF's strict check wants a Referer on every HTTPS post; the portal's own
        # same-origin check (security.same_origin_problem) reads Origin and Sec-Fetch-Site instead,
        # which browsers send whatever the referrer policy. See SECURITY.md.
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        # The PDF budget (portal/pdf, docs/pdf.md): characters of HTML, and seconds of rendering.
        "PORTAL_PDF_MAX_CHARS": int(env("PORTAL_PDF_MAX_CHARS", "500000")),
        "PORTAL_PDF_SECONDS": float(env("PORTAL_PDF_SECONDS", "20")),
        # Registerutdrag with this many rows or more are prepared by `portal exports run` (issue 32),
        # with its own, larger budget; the PDF is kept this many days for the person who asked.
        "PORTAL_EXPORT_INLINE_ROWS": int(env("PORTAL_EXPORT_INLINE_ROWS", "200")),
        "PORTAL_EXPORT_PDF_SECONDS": float(env("PORTAL_EXPORT_PDF_SECONDS", "300")),
        "PORTAL_EXPORT_KEEP_DAYS": int(env("PORTAL_EXPORT_KEEP_DAYS", "7")),
        "PREFERRED_URL_SCHEME": "https" if base_url.startswith("https://") else "http",
    }


MYSQL_BACKENDS = ("mysql", "mariadb")


def apply_mysql_engine_options(options: dict) -> None:
    """Engine defaults for MySQL/MariaDB, set in place on Flask-SQLAlchemy's engine options.

    utf8mb4 on the connection (every Swedish letter and emoji), READ COMMITTED (each statement
    sees committed rows: the outbox worker's claim of a message is what decides who sends it),
    connections renewed before a server or proxy drops them, and the session in UTC like
    `utcnow()`. SQLite engines are left alone.
    """
    url = make_url(options["url"])
    if url.get_backend_name() not in MYSQL_BACKENDS:
        return
    if "charset" not in url.query:
        options["url"] = url.update_query_dict({"charset": "utf8mb4"})
    options["pool_recycle"] = min(options.get("pool_recycle") or 3600, 3600)
    options.setdefault("isolation_level", "READ COMMITTED")
    connect_args = options.setdefault("connect_args", {})
    connect_args.setdefault("init_command", "SET time_zone = '+00:00'")
