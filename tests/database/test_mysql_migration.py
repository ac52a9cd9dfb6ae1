"""Moving a SQLite portal to a real MariaDB server with `portal db to-mysql`.

The server is the one scripts/test-mysql.sh started (PORTAL_TEST_DATABASE_URL) or, on the
SQLite run, a throwaway one started here (tests/support/mariadb_server.py). Each test makes its own
target database next to the test database and drops it afterwards.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from tests.helpers import MYSQL_URL
from tests.support.mariadb_server import MariaDBMissing, MariaDBServer, find_binaries

pytestmark = pytest.mark.mysql

SWEDISH_NAME = "Åsa Öberg-Ärlig 🌻"
LONG_NOTE = ("Anteckning om Åsa: åt äpplen på ön, ÅÄÖ åäö – ”citat” 🍎🌲. " * 1100)[:60_000]
AUDIT_EVENTS = 5000


class Databases:
    """Creates target databases beside the test database with the test user's rights."""

    def __init__(self, base_url: str):
        self.base = make_url(base_url)
        self.engine = create_engine(self.base, pool_size=1)
        self.counter = itertools.count(1)
        self.created: list[str] = []

    def create(self, charset: str = "utf8mb4", collation: str = "utf8mb4_unicode_ci") -> str:
        name = f"{self.base.database}_move{next(self.counter)}_{os.getpid()}"
        with self.engine.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET {charset} COLLATE {collation}"))
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def tables(self, url: str) -> list[str]:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                return sorted(conn.execute(text("SHOW TABLES")).scalars())
        finally:
            engine.dispose()

    def drop_all(self) -> None:
        with self.engine.begin() as conn:
            for name in self.created:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        self.engine.dispose()


@pytest.fixture(scope="session")
def mariadb_url():
    """URL of a MariaDB database whose user may create databases with the same prefix."""
    if MYSQL_URL:
        yield MYSQL_URL
        return
    try:
        find_binaries()
    except MariaDBMissing as exc:
        # Never a skip: moving a portal to MariaDB is a promise, and `make test` installs the server
        # (scripts/system-deps.sh test). Without it this fails and says what to install.
        pytest.fail(f"The MariaDB server is needed: {exc}. Run `make test`, or install it with "
                    "`sudo scripts/system-deps.sh test` (mariadb-server, mariadb-client).")
    with MariaDBServer() as server:
        yield server.create_database("portal_test", user="portal", grant_prefix=True)


@pytest.fixture
def databases(mariadb_url):
    dbs = Databases(mariadb_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    """Migrated SQLite portals with the demo data, built once: {"small": path, "big": path}.

    "big" adds Swedish names with emoji, a 60 000-character note and 5 000 audit events with
    microsecond timestamps."""
    from portal.database import upgrade
    from portal.extensions import db

    folder = tmp_path_factory.mktemp("sqlite-portals")
    paths = {"small": folder / "small.sqlite3", "big": folder / "big.sqlite3"}
    upgrade(f"sqlite:///{paths['small']}")
    for kind, fill in (("small", _seed_demo), ("big", _add_swedish_long_and_many)):
        if kind == "big":
            shutil.copy(paths["small"], paths["big"])
        app = _sqlite_app(paths[kind], folder / "instance")
        with app.app_context():
            fill()
            db.session.remove()
            db.engine.dispose()  # checkpoints the WAL: everything is in the file itself
    return paths


def _sqlite_app(path: Path, instance: Path):
    from portal import create_app

    return create_app({
        "TESTING": True, "INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PORTAL_BASE_URL": "http://portal.test",
    })


@pytest.fixture
def sqlite_portal(sqlite_templates, tmp_path):
    """make(big=False) -> (app, path): a copy of a template portal and an app on it."""
    from portal.extensions import db

    apps = []

    def make(big: bool = False):
        path = tmp_path / "portal.sqlite3"
        shutil.copy(sqlite_templates["big" if big else "small"], path)
        app = _sqlite_app(path, tmp_path / "instance")
        apps.append(app)
        return app, path

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _seed_demo() -> None:
    from portal.demo import seed_demo

    assert seed_demo()


def _add_swedish_long_and_many() -> None:
    from portal.accounts.models import User
    from portal.audit.models import AuditEvent
    from portal.cases.models import Case, Guardian
    from portal.extensions import db

    teacher = db.session.scalar(select(User).where(User.email == "anna.larare@arjeplog.example"))
    case = Case(child_name=SWEDISH_NAME, personal_number="20150302-2384", address="Ödegatan 3, 930 90 Arjeplog",
                unit_key="solbackens-skola", opened_by_id=teacher.id, notes=LONG_NOTE)
    case.guardians = [Guardian(name="Örjan Ärlig", email="orjan@familj.example", has_custody=True),
                      Guardian(name="Ängla Ärlig 😀", email="angla@familj.example", has_custody=False)]
    db.session.add(case)
    db.session.flush()
    start = dt.datetime(2026, 1, 5, 8, 0, 0, 123456)
    db.session.execute(insert(AuditEvent), [
        {"at": start + dt.timedelta(seconds=i, microseconds=i * 7), "user_id": teacher.id, "case_id": case.id,
         "unit_key": "solbackens-skola", "action": "case.view", "object_type": "case", "object_id": str(case.id),
         "detail": f"läsning nr {i} – fält: namn, ÅÄÖ"} for i in range(AUDIT_EVENTS)])
    locked = db.session.scalar(select(User).where(User.email == "polly.polis@polisen.example"))
    locked.active = False
    locked.locked_until = dt.datetime(2026, 2, 1, 12, 30, 45, 999999)
    db.session.commit()


def _file_state(path: Path) -> tuple[str, list]:
    """The SQLite file's bytes and every row of every table (read-only)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows = [(t, con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()) for t in tables]
    finally:
        con.close()
    return digest, rows


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["db", "to-mysql", *args])


def _summary(output: str) -> dict[str, tuple[int, int, str]]:
    rows = {}
    for m in re.finditer(r"^\s+(\w+)\s+([\d\u00a0]+)\s+([\d\u00a0]+)\s+[0-9a-f]{16}\s+(lika|SKILJER SIG)$", output, re.M):
        rows[m[1]] = (int(m[2].replace("\u00a0", "")), int(m[3].replace("\u00a0", "")), m[4])
    return rows


def test_a_sqlite_portal_moves_to_mariadb_with_every_row_and_the_app_shows_the_same_case(sqlite_portal, databases):
    from portal import create_app
    from portal.demo import DEMO_PASSWORD
    from portal.extensions import db
    from portal.models import import_all
    from tests.helpers import csrf_token_from

    source_app, path = sqlite_portal(big=True)
    before = _file_state(path)
    # A database whose default is latin1: the portal's tables must still be utf8mb4.
    target = databases.create(charset="latin1", collation="latin1_swedish_ci")

    result = _invoke(source_app, "--url", target)

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    summary = _summary(result.output)
    import_all()
    assert set(summary) == set(db.metadata.tables) | {"alembic_version"}, result.output
    assert all(verdict == "lika" for *_counts, verdict in summary.values())
    source_events, target_events = summary["audit_events"][:2]   # the 5 000 added + the demo's own (its consent)
    assert source_events == target_events and source_events >= AUDIT_EVENTS
    assert summary["cases"][:2] == (2, 2)
    assert "Klart:" in result.output and "SQLite-databasen är orörd" in result.output
    assert _file_state(path) == before

    # Read the target independently of the command's own verification.
    engine = create_engine(target)
    with engine.connect() as conn:
        notes, name = conn.execute(text("SELECT notes, child_name FROM cases WHERE child_name LIKE 'Åsa%'")).one()
        assert notes == LONG_NOTE and len(LONG_NOTE.encode()) > 65535  # more than MySQL's plain TEXT holds
        assert name == SWEDISH_NAME
        ats = conn.execute(text("SELECT at FROM audit_events ORDER BY id")).scalars().all()
        assert ats[1] == dt.datetime(2026, 1, 5, 8, 0, 1, 123463)
        assert conn.execute(text("SELECT locked_until, active FROM users WHERE email = 'polly.polis@polisen.example'")).one() \
            == (dt.datetime(2026, 2, 1, 12, 30, 45, 999999), 0)
        collations = set(conn.execute(text(
            "SELECT table_collation FROM information_schema.tables WHERE table_schema = DATABASE()")).scalars())
        assert collations == {"utf8mb4_unicode_ci"}
    engine.dispose()

    # The portal itself, started on MariaDB, shows the same cases to the same user.
    mysql_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target, "RATELIMIT_ENABLED": False,
                            "INSTANCE_PATH": str(path.parent / "instance"), "PORTAL_BASE_URL": "http://portal.test"})
    try:
        from portal.cases.models import Case

        with mysql_app.app_context():
            refs = {c.child_name: c.ref for c in db.session.scalars(select(Case))}
        client = mysql_app.test_client()
        token = csrf_token_from(client.get("/logga-in").get_data(as_text=True))
        response = client.post("/logga-in", data={"email": "anna.larare@arjeplog.example", "password": DEMO_PASSWORD,
                                                  "csrf_token": token})
        assert response.status_code == 302
        index = client.get("/arenden/").get_data(as_text=True)
        assert SWEDISH_NAME in index and "Elsa Exempeldotter" in index
        page = client.get(f"/arenden/{refs[SWEDISH_NAME]}").get_data(as_text=True)
        assert "Örjan Ärlig" in page and "Ängla Ärlig 😀" in page
        # Viewing wrote a new audit event: AUTO_INCREMENT continues after the moved rows.
        from portal.audit.models import AuditEvent

        with mysql_app.app_context():
            newest = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert newest.action == "case.view" and newest.id > AUDIT_EVENTS and newest.at.year >= 2026
    finally:
        with mysql_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_target_with_tables_is_refused_unless_forced(sqlite_portal, databases):
    source_app, path = sqlite_portal()
    target = databases.create()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE gammal_tabell (id INT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO gammal_tabell VALUES (1)"))
    engine.dispose()
    before = _file_state(path)

    refused = _invoke(source_app, "--url", target)

    assert refused.exit_code == 1
    assert "inte tom" in refused.output and "gammal_tabell" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    assert databases.tables(target) == ["gammal_tabell"]

    forced = _invoke(source_app, "--url", target, "--force")

    assert forced.exit_code == 0, forced.output
    assert "gammal_tabell" not in databases.tables(target)
    assert "users" in databases.tables(target)
    assert _summary(forced.output)["users"][2] == "lika"
    assert _file_state(path) == before


def test_a_wrong_password_is_explained_and_nothing_changes(sqlite_portal, databases):
    source_app, path = sqlite_portal()
    target = make_url(databases.create())
    before = _file_state(path)

    result = _invoke(source_app, "--url", target.set(password="fel-lösenord").render_as_string(hide_password=False))

    assert result.exit_code == 1
    assert "Kan inte ansluta" in result.output and "fel användare eller lösenord" in result.output
    assert "fel-lösenord" not in result.output
    assert "Traceback" not in result.output
    assert "SQLite-databasen är orörd" in result.output
    assert databases.tables(target.render_as_string(hide_password=False)) == []
    assert _file_state(path) == before


def test_rows_mariadb_refuses_stop_the_move_without_showing_them_and_the_target_is_emptied(sqlite_portal, databases):
    # SQLite's unique e-mail is case-sensitive; MariaDB's utf8mb4_unicode_ci is not.
    source_app, path = sqlite_portal()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO users (email, name, password_hash, role, active, failed_logins, created_at, session_version) "
                "SELECT upper(email), name, password_hash, role, active, failed_logins, created_at, session_version "
                "FROM users WHERE email = 'kim.kurator@arjeplog.example'")
    con.commit()
    con.close()
    target = databases.create()
    before = _file_state(path)

    result = _invoke(source_app, "--url", target)

    assert result.exit_code == 1
    assert "uq_users_email" in result.output and "stora och små bokstäver" in result.output
    assert "kim.kurator" not in result.output.lower()  # row values may be personal data
    assert "Traceback" not in result.output
    assert databases.tables(target) == []
    assert _file_state(path) == before


def test_an_old_sqlite_schema_or_a_non_mysql_url_is_refused(sqlite_portal, databases):
    source_app, path = sqlite_portal()
    target = databases.create()

    wrong_kind = _invoke(source_app, "--url", "postgresql://portal:x@127.0.0.1/portal")
    assert wrong_kind.exit_code == 1 and "MySQL eller MariaDB" in wrong_kind.output

    con = sqlite3.connect(path)
    # One row per migration branch head: replace them all with an older, unknown revision.
    con.execute("DELETE FROM alembic_version")
    con.execute("INSERT INTO alembic_version (version_num) VALUES ('0000_older')")
    con.commit()
    con.close()
    before = _file_state(path)
    old = _invoke(source_app, "--url", target)
    assert old.exit_code == 1 and "portal db upgrade" in old.output
    assert databases.tables(target) == []
    assert _file_state(path) == before


def test_the_portal_on_mariadb_uses_utf8mb4_read_committed_utc_and_microseconds(databases, tmp_path):
    from portal import create_app
    from portal.database import upgrade
    from portal.extensions import db

    target = databases.create(charset="latin1", collation="latin1_swedish_ci")
    upgrade(target)
    url = make_url(target)
    bare = url.set(query={k: v for k, v in url.query.items() if k != "charset"})  # charset is added for us
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": bare.render_as_string(hide_password=False),
                      "INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        with app.app_context(), db.engine.connect() as conn:
            assert conn.get_isolation_level() == "READ COMMITTED"
            assert conn.execute(text("SELECT @@character_set_connection, @@time_zone")).one() == ("utf8mb4", "+00:00")
            types = dict(conn.execute(text(
                "SELECT CONCAT(table_name, '.', column_name), column_type FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name IN ('cases', 'audit_events')")).all())
            assert types["cases.notes"] == "mediumtext"
            assert types["audit_events.at"] == "datetime(6)"
            assert types["cases.child_name"] == "varchar(200)"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
