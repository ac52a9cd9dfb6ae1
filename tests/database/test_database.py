from sqlalchemy import text

from portal.extensions import db
from tests.helpers import MYSQL_URL


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app):
    if MYSQL_URL:
        with app.app_context():
            assert db.engine.dialect.name == "mysql"
        return
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
