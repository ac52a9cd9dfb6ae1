"""WCAG 2.2 AA beyond what axe-core decides (issue 29 item 10), on the main pages in Chromium:
2.5.8 target size (every control at least 24 × 24 CSS px; links inside running text are exempt),
2.4.11 focus not obscured (no sticky or fixed part covers focus, or the page pads for it),
3.3.8 accessible authentication (codes and passwords can be pasted and autofilled), and the
served HTML of each page is valid (tests/markup_support.py), the favicon included."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.markup import markup_problems

from .pages import ROLES

pytestmark = pytest.mark.browser

MAIN_PAGES = {
    "anonymous": ["/", "/logga-in", "/riktlinjer/", "/sok?q=samtycke", "/ordlista/"],
    "staff": ["/", "/arenden/", "/arenden/nytt", "/avvikelser/ny", "/konto"],
    "manager": ["/inkorg"],
    "admin": ["/admin/konton"],
}

# Controls smaller than 24 × 24 px that do not meet 2.5.8's exceptions: "inline" (a link inside a
# sentence) and "spacing" (a 24 px circle centred on the target meets no other target, nor the
# circle of another undersized one). A checkbox or radio counts with its label, which also clicks it.
SMALL_TARGETS_JS = """() => {
  const inline = el => {
    if (el.tagName !== 'A') { return false; }
    const block = el.closest('p, li, dd, td, th, .hint, legend, label, .caption');
    return !!block && block.textContent.replace(el.textContent, '').trim().length > 0;
  };
  const targets = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    let r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || r.right <= 0) { continue; }
    if ((el.type === 'checkbox' || el.type === 'radio') && el.labels && el.labels.length) {
      const l = el.labels[0].getBoundingClientRect();
      r = {left: Math.min(r.left, l.left), top: Math.min(r.top, l.top), right: Math.max(r.right, l.right),
           bottom: Math.max(r.bottom, l.bottom), width: 0, height: 0};
      r.width = r.right - r.left; r.height = r.bottom - r.top;
    }
    targets.push({el, r, small: r.width < 23.5 || r.height < 23.5, inline: inline(el),
                  cx: (r.left + r.right) / 2, cy: (r.top + r.bottom) / 2});
  }
  const distanceToRect = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const problems = [];
  for (const t of targets) {
    if (!t.small || t.inline) { continue; }
    const crowded = targets.some(o => o !== t && !o.el.contains(t.el) && !t.el.contains(o.el) &&
      (distanceToRect(t.cx, t.cy, o.r) < 12 || (o.small && !o.inline && Math.hypot(t.cx - o.cx, t.cy - o.cy) < 24)));
    if (crowded) {
      const el = t.el;
      problems.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' +
                    (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40) + '" ' +
                    Math.round(t.r.width) + 'x' + Math.round(t.r.height));
    }
  }
  return problems;
}"""

# Sticky or fixed parts that could cover a focused element, and the page's scroll padding.
COVERING_JS = """() => {
  const covering = [];
  for (const el of document.body.querySelectorAll('*')) {
    const s = getComputedStyle(el);
    if ((s.position === 'sticky' || s.position === 'fixed') && el.getBoundingClientRect().height > 0) {
      covering.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
  }
  return {covering, padding: getComputedStyle(document.documentElement).scrollPaddingTop};
}"""


@pytest.mark.parametrize("role", list(MAIN_PAGES))
def test_main_pages_meet_target_size_focus_not_obscured_and_valid_html(role_pages, role):
    page = role_pages(role)
    problems = []
    for url in MAIN_PAGES[role]:
        response = page.goto(url)
        assert response.status == 200, f"{url} as {role}: {response.status}"
        expect(page.locator("main")).to_be_visible()
        problems += [f"{url}: target smaller than 24x24 px: {t}" for t in page.evaluate(SMALL_TARGETS_JS)]
        found = page.evaluate(COVERING_JS)
        if found["covering"] and found["padding"] in ("auto", "0px"):
            problems.append(f"{url}: sticky/fixed {found['covering']} may cover focus; set scroll-padding-top")
        problems += [f"{url}: {p}" for p in markup_problems(response.text())]
        favicon = page.locator("link[rel=icon]")
        expect(favicon).to_have_count(1)
        icon = page.request.get(favicon.get_attribute("href"))
        if icon.status != 200:
            problems.append(f"{url}: the favicon answers {icon.status}")
    assert not problems, f"as {role}:\n" + "\n".join(problems)


def test_passwords_and_codes_can_be_pasted_and_autofilled(new_context, portal_server):
    """3.3.8 Accessible authentication: nothing blocks paste, and the fields tell password managers
    and the browser what they hold (the one-time code can be filled in from the e-mail)."""
    page = new_context().new_page()
    page.goto("/logga-in")
    password = page.get_by_label("Lösenord", exact=True)
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_label("E-postadress", exact=True)).to_have_attribute("autocomplete", "username")
    password.focus()
    page.evaluate("""() => {
      const field = document.activeElement, data = new DataTransfer();
      data.setData('text/plain', 'Inklistrat-lösenord-1');
      const allowed = field.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
      window.__pasteAllowed = allowed;
    }""")
    assert page.evaluate("window.__pasteAllowed") is True, "paste is blocked in the password field"
    assert page.evaluate("document.querySelectorAll('[onpaste], [oncopy], [oncut]').length") == 0

    from . import consent_data

    with portal_server.app.app_context():
        token = consent_data.sign_token()
    page.goto(f"/samtycke/s/{token}")
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka kod till min e-post").click()
    code = page.locator("input[name=code]")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    assert page.evaluate("document.querySelectorAll('[onpaste]').length") == 0


def test_the_error_summary_follows_the_order_of_the_fields(role_pages, portal_server):
    """Submitted empty, the consent request lists its errors from the top of the form down."""
    from .pages import PARAMETERS

    with portal_server.app.app_context():
        ref = PARAMETERS["ref"]()
    page = role_pages("staff")
    page.goto(f"/arenden/{ref}/samtycke/nytt")
    for box in page.locator("input[type=checkbox]:checked").all():
        box.set_checked(False)
    with page.expect_navigation():
        page.get_by_role("button", name="Fortsätt").click()
    summary = page.locator("[data-error-summary] a")
    expect(summary.first).to_be_visible()
    order = page.evaluate("""() => {
      const links = [...document.querySelectorAll('[data-error-summary] a[href^="#"]')];
      const all = [...document.querySelectorAll('[id]')];
      return links.map(a => all.indexOf(document.getElementById(a.getAttribute('href').slice(1))));
    }""")
    assert order and -1 not in order and order == sorted(order), f"error summary out of page order: {order}"


def test_the_target_size_check_finds_small_crowded_controls_and_spares_spaced_ones(new_context):
    page = new_context().new_page()
    page.set_content("""<!doctype html><html lang="sv"><title>x</title><main>
      <div><button style="width:16px;height:16px;padding:0">a</button><button style="width:16px;height:16px;padding:0">b</button></div>
      <div style="margin-top:60px"><button style="width:16px;height:16px;padding:0">c</button></div>
      <p>Läs <a href="#x">mer</a> här.</p><button style="width:40px;height:40px">Stor</button></main></html>""")
    found = page.evaluate(SMALL_TARGETS_JS)
    assert [f.split('"')[1] for f in found] == ["a", "b"], found
