"""The guidance in a real browser (Debian's Chromium): axe, keyboard, and the static search from a file share."""
from __future__ import annotations

import re
import shutil
import threading

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(playwright_instance):
    # One Playwright per test session (tests/conftest.py): a second sync Playwright cannot start
    # while the browser suite's is running.
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: run `make system-deps-test` (scripts/system-deps.sh test)")
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()


@pytest.fixture
def live(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _axe(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # The development-mode mail banner belongs to the base layout and never shows in production.
    results = Axe().run(page, context={"exclude": [[".dev-banner"]]}, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                                              "best-practice"]}})
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results.response["violations"]]


def test_guidance_pages_pass_axe(browser, live):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in (m.location or {}).get("url", "") else None)
    for path in ["/riktlinjer/", "/riktlinjer/norrbus-riktlinjer", "/riktlinjer/grona-kortet-norrbus", "/roller/",
                 "/ordlista/", "/sok", "/sok?q=m%C3%B6te", "/sok?q=xylofon"]:
        page.goto(live + path)
        assert _axe(page) == [], path
    assert errors == []   # no CSP violations or script errors


def test_the_case_page_with_the_checklist_passes_axe_and_ticks_by_keyboard(browser, live, make_user, make_case):
    from tests.helpers import TEST_PASSWORD

    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",), name="Anna Andersson")
    ref = make_case(uid)
    page = browser.new_page()
    page.goto(live + "/logga-in")
    page.fill("#email", "anna.andersson@skola.example")
    page.fill("#password", TEST_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    # Waits for the page after the sign-in: a goto before it would cut the login short.
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    page.goto(f"{live}/arenden/{ref}")
    assert _axe(page) == []
    page.get_by_label("Vad säger min chef?").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Vad säger min chef?")).to_be_checked()
    page.get_by_role("button", name="Spara checklistan").click()
    # The saved page comes back after the POST: wait for it (the old page has the box ticked too).
    expect(page.get_by_text("Checklistan är sparad (1 ändring).")).to_be_visible()
    expect(page.get_by_text("Avbockad av Anna Andersson")).to_be_visible()
    expect(page.get_by_label("Vad säger min chef?")).to_be_checked()
    assert _axe(page) == []


def test_heading_links_appear_on_keyboard_focus(browser, live):
    page = browser.new_page()
    page.goto(live + "/riktlinjer/norrbus-riktlinjer")
    anchor = page.locator('a.heading-anchor[href="#lansdelsniva"]')
    expect(anchor).to_have_css("opacity", "0")
    anchor.focus()
    expect(anchor).to_have_css("opacity", "1")
    expect(page.get_by_role("link", name="Länk till avsnittet ”Länsdelsnivå”")).to_have_count(1)


def test_the_static_search_works_from_a_file_share_like_the_portal(browser, app, tmp_path):
    from portal.guidance.freeze import freeze

    out = tmp_path / "export"
    with app.app_context():
        freeze(app, out, pdf=False)
    from portal.guidance.freeze import LinkRewriter, page_map

    content = app.extensions["guidance"].get()
    index = content.search
    rewriter = LinkRewriter(page_map(content, pdf=False), set(), app.config["PORTAL_BASE_URL"])
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    for query in ("möte", "vardnadshavare", "samordnad individuell plan", "xylofon"):
        page.goto((out / "sok" / "index.html").as_uri() + "?q=" + query)
        expected = index.search(query)
        if not expected.hits:
            expect(page.locator("#sokresultat-rubrik")).to_have_text(f"Inga träffar för ”{query}”")
            continue
        python = [rewriter.url(h.doc.url, "sok/index.html") for h in expected.hits]
        hits = page.locator(".search-result__title a")
        expect(hits).to_have_count(len(python))   # the script has rendered the hits
        links = hits.evaluate_all("els => els.map(a => a.getAttribute('href'))")
        assert links == python, query    # same hits in the same order as the portal's search
        expect(page.locator("form[role=search] input[name=q]")).to_have_value(query)
    page.goto((out / "sok" / "index.html").as_uri() + "?q=m%C3%B6te")
    for word in ("nätverksmöte", "samverkansmöte"):
        expect(page.locator("mark").filter(has_text=re.compile(f"^{word}$", re.IGNORECASE)).first).to_be_visible()
    # Following a hit opens the guideline file at the heading.
    page.locator(".search-result__title a", has_text="Mötesklimat").first.click()
    expect(page).to_have_url(re.compile(r"riktlinjer/kronoberg-samverkansmote-barnets-plan\.html#2-motesklimat$"))
    assert errors == []
