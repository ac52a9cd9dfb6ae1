"""Shared fixtures: the app factory with a fresh, migrated database per test.

SQLite (default): the migrations run once per session into a template file that each test
copies. MariaDB/MySQL: set PORTAL_TEST_DATABASE_URL; the migrations run once and every
test starts from emptied tables (like CTFd, the same suite runs on both)."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "docs" / "sources"      # the original routines as text (docs/sources/README.md)
TEST_PASSWORD = "Testlösenord-för-portalen-1"
MYSQL_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    from portal.database import upgrade

    if MYSQL_URL:
        engine = create_engine(MYSQL_URL)
        with engine.begin() as conn:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in reversed(_tables(engine)):
                conn.execute(text(f"DROP TABLE IF EXISTS `{table}`"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        upgrade(MYSQL_URL)
        engine.dispose()
        yield MYSQL_URL
        _mysql_engine().dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    yield path


def _tables(engine) -> list[str]:
    return [t for t in inspect(engine).get_table_names() if t != "alembic_version"]


_engine = None


def _mysql_engine():
    global _engine
    if _engine is None:
        _engine = create_engine(MYSQL_URL)
    return _engine


def _fresh_database(template, tmp_path: Path) -> str:
    if MYSQL_URL:
        # Only the tables a test wrote to (their AUTO_INCREMENT moved, or they have none) are
        # emptied and reset: DDL per table and test would dominate the suite's running time.
        engine = _mysql_engine()
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


@pytest.fixture
def app_factory(migrated_template, tmp_path, request):
    """Builds an app on a fresh database; keyword arguments override configuration."""
    from portal import create_app
    from portal.extensions import db

    created = []
    url = _fresh_database(migrated_template, tmp_path)

    def make(**overrides):
        config = {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PORTAL_BASE_URL": "http://portal.test",
            "SERVER_NAME": None,
        }
        config.update(overrides)
        app = create_app(config)
        created.append(app)
        return app

    yield make
    for app in created:
        with app.app_context():
            db.session.remove()
    if created and not request.node.get_closest_marker("inbox_unchecked"):
        # Every test leaves the managers' inbox entries exactly as the role rules give them.
        from tests.deviations_support import inbox_differences

        missing, extra = inbox_differences(created[-1])
        assert not missing and not extra, f"inbox entries differ from the rules: missing {missing}, extra {extra}"
    for app in created:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """make_user(email, role="staff", units=("solbackens-skola",), name=None) -> user id."""
    from portal.accounts.service import create_user
    from portal.extensions import db

    def make(email, role="staff", units=("solbackens-skola",), name=None, password=TEST_PASSWORD):
        with app.app_context():
            user = create_user(email, name or email.split("@")[0].replace(".", " ").title(), password, role, list(units))
            db.session.commit()
            return user.id

    return make


def login(client, email, password=TEST_PASSWORD):
    response = client.post("/logga-in", data={"email": email, "password": password})
    assert response.status_code == 302, "login failed"
    return response


@pytest.fixture
def make_case(app):
    """make_case(opened_by_user_id, unit_key="solbackens-skola", **fields) -> case ref."""
    from portal.cases.models import Case, Guardian
    from portal.extensions import db

    def make(user_id, unit_key="solbackens-skola", guardians=2, **fields):
        values = {"child_name": "Testbarn Testsson", "personal_number": "20120415-2381"}
        values.update(fields)
        with app.app_context():
            case = Case(unit_key=unit_key, opened_by_id=user_id, **values)
            for i in range(guardians):
                case.guardians.append(Guardian(name=f"Vårdnadshavare {i + 1}", email=f"vh{i + 1}@familj.example",
                                               has_custody=True))
            db.session.add(case)
            db.session.commit()
            return case.ref

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


# How long a browser test's waiting assertion (Playwright's expect) waits: Playwright's 5 s is too
# short on a busy machine. Read what a page shows with expect(...), never is_visible() after a click.
BROWSER_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def playwright_instance():
    """The one sync Playwright of the test session (tests/browser and any other browser test)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright
