"""The baselines' SQLite database: its set-up once, and one connection per worker process, opened
and kept (as SQLAlchemy's pool keeps the portal's; gunicorn's sync workers serve one request at a
time), with the pragmas portal/database.py sets."""
import fcntl
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
    """WAL on and the tables made, at import. gunicorn imports the app in every worker at once,
    and switching to WAL answers "database is locked" at once (no busy wait) while another
    process holds the file, so the workers take turns under a lock file."""
    with open(path + ".setup-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = sqlite3.connect(path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(schema)
        finally:
            db.close()
