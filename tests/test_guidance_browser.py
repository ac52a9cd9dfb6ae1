"""The guidance in a real browser (Debian's Chromium): axe, keyboard, and the static search from a file share."""
from __future__ import annotations

import shutil
import threading

import pytest

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
    from tests.conftest import TEST_PASSWORD

    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",), name="Anna Andersson")
    ref = make_case(uid)
    page = browser.new_page()
    page.goto(live + "/logga-in")
    page.fill("#email", "anna.andersson@skola.example")
    page.fill("#password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live}/arenden/{ref}")
    assert _axe(page) == []
    page.get_by_label("Vad säger min chef?").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Spara checklistan").click()
    assert page.get_by_text("Checklistan är sparad (1 ändring).").is_visible()
    assert page.get_by_label("Vad säger min chef?").is_checked()
    assert page.get_by_text("Avbockad av Anna Andersson").is_visible()
    assert _axe(page) == []


def test_heading_links_appear_on_keyboard_focus(browser, live):
    page = browser.new_page()
    page.goto(live + "/riktlinjer/norrbus-riktlinjer")
    anchor = page.locator('a.heading-anchor[href="#lansdelsniva"]')
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "0"
    anchor.focus()
    assert anchor.evaluate("a => getComputedStyle(a).opacity") == "1"
    assert page.get_by_role("link", name="Länk till avsnittet ”Länsdelsnivå”").count() == 1


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
        page.wait_for_selector("#sokresultat-rubrik")
        expected = index.search(query)
        if not expected.hits:
            assert page.locator("#sokresultat-rubrik").inner_text() == f"Inga träffar för ”{query}”"
            continue
        links = page.locator(".search-result__title a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        python = [rewriter.url(h.doc.url, "sok/index.html") for h in expected.hits]
        assert links == python, query    # same hits in the same order as the portal's search
        assert page.locator("form[role=search] input[name=q]").input_value() == query
    page.goto((out / "sok" / "index.html").as_uri() + "?q=m%C3%B6te")
    page.wait_for_selector(".search-result")
    marks = {m.lower() for m in page.locator("mark").all_inner_texts()}
    assert {"nätverksmöte", "samverkansmöte"} <= marks
    # Following a hit opens the guideline file at the heading.
    page.locator(".search-result__title a", has_text="Mötesklimat").first.click()
    assert page.url.endswith("riktlinjer/kronoberg-samverkansmote-barnets-plan.html#2-motesklimat")
    assert errors == []
