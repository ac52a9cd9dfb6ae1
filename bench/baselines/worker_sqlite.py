"""The baselines' SQLite connection: one per worker process, opened after the fork and kept (as
SQLAlchemy's pool keeps the portal's; gunicorn's sync workers serve one request at a time), with
the pragmas portal/database.py sets."""
import sqlite3

_connections: dict[str, sqlite3.Connection] = {}


def connection(path: str) -> sqlite3.Connection:
    db = _connections.get(path)
    if db is None:
        db = _connections[path] = sqlite3.connect(path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=10000")
    return db


def prepare(path: str, schema: str) -> None:
    """At import, before the workers fork: WAL on and the tables made."""
    db = sqlite3.connect(path, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    db.close()
