"""Database engine set-up and Alembic migrations (the only way the schema changes)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from sqlalchemy import event, func
from sqlalchemy.engine import Engine

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    # A page cache of 32 MiB a connection (the default is 2 MiB): lists that count a manager's
    # thousands of reports read the same index and table pages on every request.
    cur.execute("PRAGMA cache_size=-32768")
    # Deleted rows are overwritten with zeros, so retention leaves nothing readable in the file.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()
    # SQLite's lower() and LIKE fold ASCII only: searching "åsa" must find "Åsa" (see casefold).
    dbapi_connection.create_function("portal_casefold", 1, _casefold, deterministic=True)


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def casefold(expression):
    """A case-insensitive form of a text column for searching, the same on both databases:
    Python's casefold on SQLite (registered per connection), lower() on MariaDB/MySQL (whose
    utf8mb4 collations fold å, ä and ö as well)."""
    if db.engine.dialect.name == "sqlite":
        return func.portal_casefold(expression)
    return func.lower(expression)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (url or current_app.config["SQLALCHEMY_DATABASE_URI"]).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the database to the newest schema (every feature branch's head)."""
    command.upgrade(alembic_config(url), "heads")


def current_engine() -> Engine:
    return db.engine
