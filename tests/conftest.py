"""Shared fixtures: the app factory with a fresh, migrated database per test.

SQLite (default): the migrations run once per session into a template file that each test
copies. MariaDB/MySQL: set PORTAL_TEST_DATABASE_URL; the migrations run once and every
test starts from emptied tables (like CTFd, the same suite runs on both)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import BROWSER_TIMEOUT_MS, CHROMIUM, CHROMIUM_ARGS, MYSQL_URL, TEST_PASSWORD
from tests.support.database import fresh_database, mysql_engine, tables
from tests.support.security import SNAPSHOT_CONFIG, build_world
from tests.support.smtp_server import SmtpSink


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    from portal.database import upgrade

    if MYSQL_URL:
        engine = create_engine(MYSQL_URL)
        with engine.begin() as conn:
            conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in reversed(tables(engine)):
                conn.execute(text(f"DROP TABLE IF EXISTS `{table}`"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))
        upgrade(MYSQL_URL)
        engine.dispose()
        yield MYSQL_URL
        mysql_engine().dispose()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    yield path


@pytest.fixture
def app_factory(migrated_template, tmp_path, request):
    """Builds an app on a fresh database; keyword arguments override configuration."""
    from portal import create_app
    from portal.extensions import db

    created = []
    url = fresh_database(migrated_template, tmp_path)

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
        from tests.support.deviations import inbox_differences

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


@pytest.fixture(scope="session")
def playwright_instance():
    """The one sync Playwright of the test session (tests/browser and any other browser test)."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """The session's Chromium (tests/browser and tests/deployed)."""
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def smtp_sink():
    """A real SMTP server on loopback (tests/support/smtp_server.py), stopped after the test."""
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def world_snapshot(migrated_template, tmp_path_factory):
    """(database file, World) built once; None on MySQL/MariaDB (each test builds its own)."""
    if MYSQL_URL:
        yield None
        return
    import shutil
    import sqlite3

    from portal import create_app
    from portal.extensions import db

    folder = tmp_path_factory.mktemp("world")
    live = folder / "live.sqlite3"
    shutil.copy(migrated_template, live)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "PORTAL_BASE_URL": "http://portal.test",
                      "SERVER_NAME": None, **SNAPSHOT_CONFIG})
    world = build_world(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    snapshot = folder / "world.sqlite3"
    with sqlite3.connect(live) as source, sqlite3.connect(snapshot) as target:
        source.backup(target)
    yield snapshot, world


@pytest.fixture
def world_app(world_snapshot, app_factory, tmp_path):
    """make(**config) -> (app, World): an app on a fresh copy of the session's world."""
    import copy
    import shutil

    def make(**config):
        if world_snapshot is None:
            # MySQL/MariaDB: the world is built on this test's database through the pages, without
            # CSRF tokens (as the SQLite snapshot is); the app returned has the asked-for config.
            world = build_world(app_factory(**{**SNAPSHOT_CONFIG, **config, "WTF_CSRF_ENABLED": False}))
            return app_factory(**{**SNAPSHOT_CONFIG, **config}), world
        database = tmp_path / "portal.sqlite3"  # app_factory's database for this test
        if not make.copied:
            for extra in ("-wal", "-shm"):
                database.with_name(database.name + extra).unlink(missing_ok=True)
            shutil.copy(world_snapshot[0], database)
            make.copied = True
        return app_factory(**{**SNAPSHOT_CONFIG, **config}), copy.deepcopy(world_snapshot[1])

    make.copied = False
    return make
