"""The test database: a copy of the migrated SQLite template per test, or on MariaDB/MySQL
(PORTAL_TEST_DATABASE_URL) the one database with the tables a test wrote to emptied.
Used by the fixtures in tests/conftest.py and by tests that need a database outside an app."""
from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from tests.helpers import MYSQL_URL


def tables(engine) -> list[str]:
    return [t for t in inspect(engine).get_table_names() if t != "alembic_version"]


_engine = None


def mysql_engine():
    global _engine
    if _engine is None:
        _engine = create_engine(MYSQL_URL)
    return _engine


def fresh_database(template, tmp_path: Path) -> str:
    if MYSQL_URL:
        # Only the tables a test wrote to (their AUTO_INCREMENT moved, or they have none) are
        # emptied and reset: DDL per table and test would dominate the suite's running time.
        engine = mysql_engine()
        with engine.begin() as conn:
            if not engine.dialect.is_mariadb:
                conn.execute(text("SET SESSION information_schema_stats_expiry = 0"))  # MySQL 8 caches it
            rows = conn.execute(text(
                "SELECT table_name, auto_increment FROM information_schema.tables WHERE table_schema = DATABASE() "
                "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version'")).all()
            written = [(table, counter) for table, counter in rows if counter is None or counter > 1]
            if written:
                conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
                for table, _counter in written:
                    conn.execute(text(f"DELETE FROM `{table}`"))
                for table, counter in written:
                    if counter is not None:
                        conn.execute(text(f"ALTER TABLE `{table}` AUTO_INCREMENT = 1"))
                conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        return MYSQL_URL
    target = tmp_path / "portal.sqlite3"
    shutil.copy(template, target)
    return f"sqlite:///{target}"
