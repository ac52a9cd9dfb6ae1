"""The browser suite: the portal served by a real HTTP server on loopback, driven by Debian's
Chromium through Playwright, checked with axe-core.

Session fixtures: `portal_server` (a werkzeug server in a thread, its own migrated SQLite file,
demo data plus pages.SETUP, CSRF on, rate limits off), `browser` (one Chromium for the session,
in tests/conftest.py) and
`role_context(role, **context_options)` (a browser context signed in as one of pages.ROLES).
Every test in this directory gets the `browser` marker."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.helpers import BROWSER_TIMEOUT_MS

from .helpers import INCOMPLETE, login_as, node_message
from .pages import ROLES, SETUP

TIMEOUT_MS = BROWSER_TIMEOUT_MS  # actions and navigations wait as long as the waiting assertions


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class PortalServer:
    app: Flask
    url: str
    database: Path


@pytest.fixture(scope="session")
def portal_server(tmp_path_factory):
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.database import upgrade
    from portal.demo import seed_demo

    root = tmp_path_factory.mktemp("browser-portal")
    database = root / "portal.sqlite3"
    upgrade(f"sqlite:///{database}")
    config = {
        "INSTANCE_PATH": str(root / "instance"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
        "PORTAL_DEV_MAILBOX": True,
    }
    app = create_app(config)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PORTAL_BASE_URL"] = url
    with app.app_context():
        assert seed_demo()
        for setup in SETUP:
            setup()
    thread = threading.Thread(target=server.serve_forever, name="portal-browser-server", daemon=True)
    thread.start()
    yield PortalServer(app=app, url=url, database=database)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        from portal.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def new_context(browser, portal_server):
    """new_context(**options) -> a fresh, signed-out browser context on the portal (closed at the end)."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "sv-SE")
        context = browser.new_context(base_url=portal_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def role_context(new_context):
    """role_context(role, **options) -> a context signed in as pages.ROLES[role].

    Each role signs in once through the login form; further contexts (other viewports) reuse
    its cookies."""
    states: dict[str, dict] = {}

    def make(role: str, **options):
        email = ROLES[role]
        if email is None:
            return new_context(**options)
        if role not in states:
            context = new_context()
            page = context.new_page()
            login_as(page, email)
            states[role] = context.storage_state()
            page.close()
        return new_context(storage_state=states[role], **options)

    return make


@pytest.fixture(scope="session")
def role_pages(role_context):
    """role_pages(role) -> one page per role for the session (default viewport)."""
    pages = {}

    def get(role: str):
        if role not in pages:
            pages[role] = role_context(role).new_page()
        return pages[role]

    return get


@pytest.fixture
def keyboard_user(role_context):
    """keyboard_user(role=None, name="journey", **context_options) -> KeyboardUser on a fresh page.

    role=None starts signed out (the journey can sign in with the keyboard)."""
    from .keyboard import KeyboardUser

    pages = []

    def make(role: str | None = None, name: str = "journey", **options):
        context = role_context(role or "anonymous", **options)
        page = context.new_page()
        pages.append(page)
        return KeyboardUser(page, name)

    yield make
    for page in pages:
        page.context.close()


def pytest_terminal_summary(terminalreporter):
    if not INCOMPLETE:
        return
    terminalreporter.section("axe-core: results to review by hand (incomplete)")
    grouped: dict[tuple[str, str], list[str]] = {}
    for label, rule in INCOMPLETE:
        key = (rule["id"], rule["help"])
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            message = node_message(node)[:160]
            grouped.setdefault(key, []).append(f"{label}: {target}" + (f" – {message}" if message else ""))
    for (rule_id, help_text), where in sorted(grouped.items()):
        terminalreporter.write_line(f"[{rule_id}] {help_text} – {len(where)} element(s)")
        for line in list(dict.fromkeys(where))[:15]:
            terminalreporter.write_line(f"    {line}")
        if len(set(where)) > 15:
            terminalreporter.write_line(f"    … and {len(set(where)) - 15} more")
