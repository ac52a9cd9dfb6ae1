"""The deployed stack (tests/deployed/stack.py) for the tests in this folder, once per session.

Every test here gets the `deployed` marker. When a test fails, the end of every process's log
is added to its report; the stack's folder is removed at the end unless something failed."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .stack import Stack, start_stack

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 20_000
_running: list[Stack] = []


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.deployed)


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


@pytest.fixture(scope="session")
def deployed_browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(deployed_browser, stack):
    """new_context() -> a fresh browser context on https://127.0.0.1:<nginx>/ (the test certificate accepted)."""
    contexts = []

    def make(**options):
        context = deployed_browser.new_context(base_url=stack.url, ignore_https_errors=True, locale="sv-SE", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
