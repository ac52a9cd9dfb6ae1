"""Reflow (WCAG 1.4.10) and resize text (1.4.4): every covered page, and its forms in their error
state, at 320 CSS px wide and at 1280 px with 200 % zoom (640 CSS px at device scale factor 2),
without horizontal scrolling and without clipped content. Data tables may scroll inside their own
region (the criterion's exception for content that needs two dimensions).
Text spacing (1.4.12): every page with the criterion's spacing applied loses no content.

Screenshots of every page (as the first role that sees it) go to test-artifacts/screenshots/
reflow-*.png and text-spacing-*.png for a person to look at."""
from __future__ import annotations

import pytest

from .helpers import fillable_post_forms, reflow_problems, screenshot, shows_page, submit_form_empty
from .pages import ROLES, build_urls, covered_page_ids, rules_app

pytestmark = pytest.mark.browser

VIEWPORTS = {
    "320px": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "1280px-zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}

PAGE_IDS = covered_page_ids(rules_app())

# WCAG 1.4.12's test values: line height 1.5, paragraphs 2 × font size apart, letter spacing
# 0.12 and word spacing 0.16 times the font size.
TEXT_SPACING_CSS = """* { line-height: 1.5 !important; letter-spacing: .12em !important; word-spacing: .16em !important; }
p, li, dd { margin-bottom: 2em !important; }"""


@pytest.fixture(scope="module")
def viewport_page(role_context):
    pages = {}

    def get(role: str, viewport: str):
        if (role, viewport) not in pages:
            pages[role, viewport] = role_context(role, **VIEWPORTS[viewport]).new_page()
        return pages[role, viewport]

    yield get
    for page in pages.values():
        page.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_page_reflows_without_horizontal_scrolling(portal_server, viewport_page, page_id, viewport):
    url, *more_urls = build_urls(portal_server.app, page_id)
    seen_by, problems = [], []
    for role in ROLES:
        page = viewport_page(role, viewport)
        response = page.goto(url)
        if not shows_page(page, response, url):
            continue
        seen_by.append(role)
        if len(seen_by) == 1:  # one picture per page is enough to look at
            screenshot(page, f"reflow-{viewport}-{page_id}-{role}")
        problems += reflow_problems(page, f"{page_id} as {role}")
    assert seen_by, f"no role gets {url}"

    page = viewport_page(seen_by[0], viewport)
    for number, other in enumerate(more_urls, start=2):
        page.goto(other)
        screenshot(page, f"reflow-{viewport}-{page_id}-{number}", full_page=False)
        problems += reflow_problems(page, f"{page_id} ({other})")
    page.goto(url)
    for form in fillable_post_forms(page):
        page.goto(url)
        submit_form_empty(page, form["index"])
        screenshot(page, f"reflow-{viewport}-{page_id}-form{form['index']}-errors")
        problems += reflow_problems(page, f"{page_id} form '{form['button']}' with errors")
    assert not problems, f"content does not reflow at {viewport}:\n  " + "\n  ".join(problems)


@pytest.fixture(scope="module")
def spacing_page(role_context):
    """role -> a page at 1280 x 800 that may add a stylesheet (the CSP forbids it to the portal itself)."""
    pages = {}

    def get(role: str):
        if role not in pages:
            pages[role] = role_context(role, viewport={"width": 1280, "height": 800}, bypass_csp=True).new_page()
        return pages[role]

    return get


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_page_keeps_its_content_with_wcag_text_spacing(portal_server, spacing_page, page_id):
    url, *more_urls = build_urls(portal_server.app, page_id)
    for role in ROLES:
        page = spacing_page(role)
        response = page.goto(url)
        if shows_page(page, response, url):
            break
    else:
        pytest.fail(f"no role gets {url}")
    problems = []
    for number, address in enumerate([url] + more_urls, start=1):
        if number > 1:
            page.goto(address)
        page.add_style_tag(content=TEXT_SPACING_CSS)
        assert page.evaluate("getComputedStyle(document.querySelector('main')).letterSpacing") != "normal"
        screenshot(page, f"text-spacing-{page_id}-{role}" + (f"-{number}" if number > 1 else ""), full_page=number == 1)
        problems += reflow_problems(page, f"{page_id} ({address}) as {role}")
    assert not problems, "content is lost with WCAG 1.4.12 text spacing:\n  " + "\n  ".join(problems)
