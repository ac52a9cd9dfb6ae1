"""Constants and helper functions every test may import: `from tests.helpers import login, TEST_PASSWORD`.

Fixtures live in conftest.py files (tests/conftest.py for shared ones); nothing imports from a
conftest.py (tests/repo/test_test_layout.py checks it). A feature's helpers are in tests/support/."""
from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "docs" / "sources"      # the original routines as text (docs/sources/README.md)
TEST_PASSWORD = "Testlösenord-för-portalen-1"
MYSQL_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")

# How long a browser test's waiting assertion (Playwright's expect) waits: Playwright's 5 s is too
# short on a busy machine. Read what a page shows with expect(...), never is_visible() after a click.
BROWSER_TIMEOUT_MS = 15_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def login(client, email, password=TEST_PASSWORD):
    response = client.post("/logga-in", data={"email": email, "password": password})
    assert response.status_code == 302, "login failed"
    return response


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)
