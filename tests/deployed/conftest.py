"""The deployed stack (tests/deployed/stack.py) for the tests in this folder, once per session.

Every test module here sets `pytestmark = pytest.mark.deployed`. When a test fails, the end of
every process's log is added to its report; the stack's folder is removed at the end unless
something failed. Chromium is the session's `browser` (tests/conftest.py)."""
from __future__ import annotations

import contextlib
import shutil

import pytest

from .stack import Stack, start_stack

TIMEOUT_MS = 20_000
_running: list[Stack] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running:
        report.sections.append(("deployed stack: the end of each log", _running[-1].log_tails()))


@pytest.fixture(scope="session")
def stack(request):
    stack = start_stack()
    _running.append(stack)
    failed_before = request.session.testsfailed
    yield stack
    _running.remove(stack)
    stack.stop()
    if request.session.testsfailed == failed_before:
        shutil.rmtree(stack.folder, ignore_errors=True)
    else:
        print(f"\nThe deployed stack's logs are kept in {stack.logs}")


@pytest.fixture
def new_context(browser, stack):  # noqa: F811
    """new_context() -> a fresh browser context on https://127.0.0.1:<nginx>/ (the test certificate accepted)."""
    with contextlib.ExitStack() as opened:
        def make(**options):
            options = {"base_url": stack.url, "ignore_https_errors": True, "locale": "sv-SE", **options}
            context = browser.new_context(**options)
            opened.callback(context.close)
            context.set_default_timeout(TIMEOUT_MS)
            return context

        yield make
