"""Helpers for the browser suite: logging in, axe-core, screenshots, reading the focused element.

    from tests.browser.helpers import login_as, run_axe, assert_no_violations

run_axe(page) runs axe-core (bundled with axe-playwright-python) against the WCAG 2.0/2.1/2.2 A and
AA rules. Violations fail the test; "incomplete" results (things axe could not decide, such as
contrast over a background image) are printed and collected for the end-of-run summary, for a
person to review."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PDF_CSS = ROOT / "static" / "css" / "pdf.css"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_TIMEOUT_MS = 60_000

# Every incomplete axe result of the run: printed in the terminal summary (see conftest.py).
INCOMPLETE: list[tuple[str, dict]] = []

_axe = Axe()  # for its bundled axe-core script


@dataclass
class AxeReport:
    label: str
    violations: list[dict] = field(default_factory=list)
    incomplete: list[dict] = field(default_factory=list)

    def summary(self, kind: str = "violations") -> str:
        return format_results(self.label, getattr(self, kind))


def format_results(label: str, results: list[dict]) -> str:
    """One readable block per rule: id, impact, help, the selectors of the elements."""
    lines = []
    for rule in results:
        lines.append(f"  [{rule['id']}] ({rule.get('impact') or 'n/a'}) {rule['help']} – {label}")
        lines.append(f"      {rule.get('helpUrl', '')}")
        for node in rule["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            message = node_message(node)
            lines.append(f"      • {target}" + (f": {message}" if message else ""))
    return "\n".join(lines)


def node_message(node: dict) -> str:
    checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
    messages = [c.get("message", "") for c in checks if c.get("message")]
    return "; ".join(dict.fromkeys(messages))[:300]


def run_axe(page, label: str | None = None, context=None) -> AxeReport:
    """Runs axe-core in the page. Returns violations and incomplete results; prints the incomplete ones."""
    label = label or page.url
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations", "incomplete"],
    }
    # Like axe_playwright_python's Axe.run, but waiting with a time limit: in a document where
    # scripts cannot run (a CSP sandbox) axe.run() never settles, and that must fail, not hang.
    page.evaluate(_axe.axe_script)
    page.evaluate("""([context, options]) => {
      window.__portalAxe = undefined;
      axe.run(context || document, options).then(r => { window.__portalAxe = r; },
                                                 e => { window.__portalAxe = {error: String(e)}; });
    }""", [context, options])
    try:
        page.wait_for_function("() => window.__portalAxe !== undefined", timeout=AXE_TIMEOUT_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"axe-core did not finish on {label} within {AXE_TIMEOUT_MS // 1000} s "
                             "(scripts blocked, e.g. a CSP sandbox? see is_sandboxed)") from None
    response = page.evaluate("window.__portalAxe")
    assert "error" not in response, f"axe-core failed on {label}: {response.get('error')}"
    report = AxeReport(label, response["violations"], response["incomplete"])
    if report.incomplete:
        print(f"axe could not decide (review by hand) on {label}:\n{report.summary('incomplete')}")
        INCOMPLETE.extend((label, rule) for rule in report.incomplete)
    return report


def assert_no_violations(page, label: str | None = None) -> AxeReport:
    report = run_axe(page, label)
    assert not report.violations, "axe-core found WCAG 2.2 A/AA violations:\n" + report.summary()
    return report


def check_html_document(page, html: str, label: str, stylesheet: Path | None = None) -> AxeReport:
    """Loads a standalone HTML document into a blank page (optionally with a stylesheet) and runs axe.
    Use a page of its own: its document is replaced."""
    page.set_content(html, wait_until="load")
    if stylesheet is not None:
        page.add_style_tag(path=str(stylesheet))
    return run_axe(page, label)


def check_pdf_html(page, html: str, label: str) -> AxeReport:
    """The HTML a PDF is made from (portal.pdf.render_pdf_html), with the PDF stylesheet, through axe."""
    return check_html_document(page, html, label, stylesheet=PDF_CSS)


def is_sandboxed(response) -> bool:
    """Served with a CSP sandbox (e.g. an e-mail's own HTML): scripts, axe's included, do not run there."""
    return response is not None and "sandbox" in (response.headers.get("content-security-policy") or "")


def login_as(page, email: str, password: str | None = None) -> None:
    """Signs in through the login form, the way a person does."""
    from portal.demo import DEMO_PASSWORD

    page.goto("/logga-in")
    page.get_by_label("E-postadress", exact=True).fill(email)
    page.get_by_label("Lösenord", exact=True).fill(password or DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    expect(page, f"login as {email} failed").not_to_have_url(re.compile(r"/logga-in"))
    expect(page.get_by_role("button", name="Logga ut"), f"login as {email} failed").to_have_count(1)


SCREENSHOT_MAX_HEIGHT = 4000  # CSS px: the top of a very long page (a guideline) is enough to look at


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Saves a screenshot under test-artifacts/screenshots/ (git-ignored) for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") + ".png")
    clip = None
    if full_page:
        width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        if height > SCREENSHOT_MAX_HEIGHT:
            clip = {"x": 0, "y": 0, "width": width, "height": SCREENSHOT_MAX_HEIGHT}
    page.screenshot(path=str(path), full_page=full_page, clip=clip)
    return path


def shows_page(page, response, url: str) -> bool:
    """True when the navigation ended on the requested page with 200 (not a login redirect or 404)."""
    from urllib.parse import urlsplit

    return (response is not None and response.status == 200
            and urlsplit(page.url).path == urlsplit(url).path)


# --- Forms -----------------------------------------------------------------------------------

_FORMS_JS = """() => Array.from(document.querySelectorAll('form')).map((form, index) => {
  const skip = ['hidden', 'submit', 'button', 'image', 'reset'];
  const fields = Array.from(form.elements).filter(e => e.matches('input, select, textarea') && !skip.includes(e.type));
  const button = form.querySelector('button[type=submit], button:not([type]), input[type=submit]');
  return {index, method: (form.getAttribute('method') || 'get').toLowerCase(),
          action: new URL(form.action, location.href).pathname, fields: fields.length,
          button: button ? (button.innerText || button.value || '').trim() : ''};
})"""


def fillable_post_forms(page, ignore_actions=("/logga-ut",)) -> list[dict]:
    """The page's POST forms that have fields a person fills in (not logout, not plain action buttons)."""
    return [f for f in page.evaluate(_FORMS_JS)
            if f["method"] == "post" and f["fields"] and f["action"] not in ignore_actions]


def submit_form_empty(page, index: int):
    """Empties every field of the index-th form the way a person would, submits it; returns the response."""
    form = page.locator("form").nth(index)
    for control in form.locator("input, textarea").all():
        kind = (control.get_attribute("type") or "text").lower()
        if kind in ("hidden", "submit", "button", "image", "reset", "radio", "file"):
            continue
        if kind == "checkbox":
            control.set_checked(False)
        else:
            control.fill("")
    for control in form.locator("select").all():
        if control.locator("option[value='']").count():
            control.select_option(value="")
    def accept(dialog):  # a data-confirm button asks first
        dialog.accept()

    page.on("dialog", accept)
    try:
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit], button:not([type]), input[type=submit]").first.click()
    finally:
        page.remove_listener("dialog", accept)
    return navigation.value


def focused(page) -> dict:
    """What has keyboard focus: tag, id, name, type, text, checked, and where it is."""
    return page.evaluate("""() => {
      const e = document.activeElement;
      if (!e || e === document.body) {
        return {tag: 'body', id: '', name: '', type: '', text: '', href: '', checked: false, value: '',
                error_summary: false, in_footer: false};
      }
      return {tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.type || '',
              text: (e.innerText || e.value || e.getAttribute('aria-label') || '').trim().slice(0, 120),
              href: e.getAttribute('href') || '', checked: !!e.checked, value: e.value || '',
              error_summary: e.hasAttribute('data-error-summary'), in_footer: !!e.closest('footer')};
    }""")


# --- Reflow ----------------------------------------------------------------------------------

# Elements that stick out to the right of the viewport, or whose content is cut off by
# overflow: hidden/clip. Content inside a horizontally scrollable region (a table) is allowed.
REFLOW_JS = """() => {
  const width = window.innerWidth;
  const problems = [];
  const main = document.querySelector('main');
  const m = main ? main.getBoundingClientRect() : null;
  const scrolls = el => { for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll') { return true; } } return false; };
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width <= 1 || r.height <= 1 || s.visibility === 'hidden' || s.display === 'none') { continue; }
    if (r.right <= 0) { continue; }  // moved off-screen on purpose (skip link until focused)
    if (el.matches('input, textarea, select')) { continue; }  // a long value scrolls inside its field
    if (r.right > width + 1 && !scrolls(el)) { problems.push(describe(el) + ' ends at ' + Math.round(r.right) + 'px'); }
    if ((s.overflowX === 'hidden' || s.overflowX === 'clip') && el.scrollWidth > el.clientWidth + 1 && !scrolls(el)) {
      problems.push(describe(el) + ' cuts off its content (' + el.scrollWidth + ' > ' + el.clientWidth + 'px)');
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
          main: m && {left: m.left, right: m.right, width: m.width, height: m.height},
          problems: problems.slice(0, 20)};
}"""


def reflow_problems(page, label: str) -> list[str]:
    """Why the page does not reflow: horizontal scrolling, <main> not fully visible, content cut off."""
    result = page.evaluate(REFLOW_JS)
    problems = []
    if result["scrollWidth"] > result["innerWidth"] + 1:
        problems.append(f"scrolls horizontally: content is {result['scrollWidth']} px wide in a "
                        f"{result['innerWidth']} px window")
    main = result["main"]
    if not main or main["width"] <= 0 or main["height"] <= 0 or main["left"] < 0 \
            or main["right"] > result["innerWidth"] + 1:
        problems.append(f"<main> is not fully visible: {main}")
    problems += result["problems"]
    return [f"{label}: {p}" for p in problems]
