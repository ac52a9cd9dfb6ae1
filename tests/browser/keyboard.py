"""A person who uses only the keyboard: Tab, Shift+Tab, Enter, Space, arrow keys, typing.

Every Tab step asserts that the focused element shows a visible focus indicator (an outline or a
box-shadow that the element does not have without focus) and is on screen. Journeys read like
what the person does:

    kb = KeyboardUser(page, "guardian-signs-consent")
    kb.tab_to_link("Skriv under")
    kb.press("Enter", navigates=True)
    kb.tab_to_field("has_custody-0")
    kb.press("ArrowRight")            # radios: arrow keys move and select
    kb.expect_focus_on("#has_custody-1")  # waits: read what the page shows with expect(...)
    kb.tab_to_button("Skicka")
    kb.press("Space", navigates=True)
    kb.assert_tab_reaches_footer()    # not trapped

Fixture `keyboard_user(role=None, name=...)` (conftest.py) opens a fresh context, signed in as
the role (pages.ROLES) when one is given."""
from __future__ import annotations

import re
from typing import Callable

from playwright.sync_api import expect

from .helpers import focused, screenshot

# Styles that make focus visible; compared with an unfocused copy of the same element.
_FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return {none: true}; }
  const props = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor', 'color',
                 'borderTopColor', 'textDecorationLine'];
  const pick = s => Object.fromEntries(props.map(p => [p, s[p]]));
  const focusedStyle = pick(getComputedStyle(el));
  const copy = el.cloneNode(false);
  copy.removeAttribute('id');
  copy.removeAttribute('name');  // a radio copy must not join (and change) the group
  copy.setAttribute('aria-hidden', 'true');
  el.parentNode.insertBefore(copy, el.nextSibling);
  const plainStyle = pick(getComputedStyle(copy));
  copy.remove();
  const r = el.getBoundingClientRect();
  return {none: false, focused: focusedStyle, plain: plainStyle,
          rect: {left: r.left + scrollX, top: r.top + scrollY, width: r.width, height: r.height},
          page: {width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight},
          describe: el.outerHTML.slice(0, 160)};
}"""


def _transparent(color: str) -> bool:
    return color in ("transparent", "rgba(0, 0, 0, 0)") or bool(re.search(r",\s*0\)$", color))


def focus_indicator_problem(info: dict) -> str | None:
    """Why the focus on the element is not visible, or None when it is."""
    f, plain = info["focused"], info["plain"]
    outline = f["outlineStyle"] != "none" and float(f["outlineWidth"].rstrip("px") or 0) > 0 \
        and not _transparent(f["outlineColor"])
    shadow = f["boxShadow"] != "none"
    if not (outline or shadow):
        return f"no outline or box-shadow on focus: {info['describe']}"
    if f == plain:
        return f"focus looks the same as no focus: {info['describe']}"
    r, pg = info["rect"], info["page"]
    if r["width"] <= 0 or r["height"] <= 0 or r["left"] + r["width"] <= 0 or r["top"] + r["height"] <= 0 \
            or r["left"] >= pg["width"]:
        return f"focused element is not on screen ({r}): {info['describe']}"
    return None


class KeyboardUser:
    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.steps = 0

    # --- what has focus ---------------------------------------------------------------------
    def focused(self) -> dict:
        return focused(self.page)

    def expect_focus_on(self, selector: str) -> None:
        """Waits (Playwright's expect) until the element has keyboard focus: a script that moves
        focus (the error summary, its links) may run a moment after the key press or the load."""
        expect(self.page.locator(selector), f"{self.name}: focus is not on {selector}").to_be_focused()

    def expect_error_summary_focused(self) -> None:
        """After a failed submit, focus lands on the error summary (WCAG 3.3.1), and it shows."""
        self.expect_focus_on("[data-error-summary]")
        self.assert_focus_visible()

    def assert_focus_visible(self) -> None:
        info = self.page.evaluate(_FOCUS_JS)
        if info["none"]:
            return  # focus left the document (past the last element): nothing to show
        problem = focus_indicator_problem(info)
        assert problem is None, f"{self.name}: {problem}"

    # --- keys -------------------------------------------------------------------------------
    def press(self, key: str, navigates: bool = False):
        """Presses a key; with navigates=True waits for the page it leads to and returns the response."""
        if navigates:
            with self.page.expect_navigation() as navigation:
                self.page.keyboard.press(key)
            self.page.wait_for_load_state("load")
            return navigation.value
        self.page.keyboard.press(key)
        if key in ("Tab", "Shift+Tab") or key.startswith("Arrow"):
            self.assert_focus_visible()
        return None

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def tab(self, backwards: bool = False) -> dict:
        self.press("Shift+Tab" if backwards else "Tab")
        return self.focused()

    def tab_to(self, what: str, match: Callable[[dict], bool], backwards: bool = False, limit: int = 80) -> dict:
        """Presses Tab (or Shift+Tab) until the focused element matches; fails after `limit` presses."""
        seen = []
        for _ in range(limit):
            current = self.tab(backwards)
            if match(current):
                return current
            seen.append(f"{current['tag']}#{current.get('id', '')} {current.get('text', '')[:40]!r}")
        raise AssertionError(f"{self.name}: {'Shift+Tab' if backwards else 'Tab'} never reached {what}; "
                             f"focus went through: {seen}")

    def tab_to_link(self, text: str, backwards: bool = False) -> dict:
        return self.tab_to(f"link {text!r}", lambda f: f["tag"] == "a" and f["text"].startswith(text), backwards)

    def tab_to_button(self, text: str, backwards: bool = False) -> dict:
        return self.tab_to(f"button {text!r}", lambda f: f["tag"] == "button" and f["text"] == text, backwards)

    def tab_to_field(self, field_id: str, backwards: bool = False) -> dict:
        return self.tab_to(f"field #{field_id}", lambda f: f.get("id") == field_id, backwards)

    # --- whole-page checks ------------------------------------------------------------------
    def assert_tab_reaches_footer(self, limit: int = 150) -> None:
        """From the current focus, Tab moves on through the page to the footer: focus is never trapped."""
        previous = None
        for _ in range(limit):
            current = self.tab()
            if current.get("in_footer"):
                return
            key = (current["tag"], current.get("id"), current.get("text"), current.get("href"))
            assert current["tag"] == "body" or key != previous, f"{self.name}: focus is stuck on {current}"
            previous = key
        raise AssertionError(f"{self.name}: Tab did not reach the footer in {limit} presses (focus trapped?)")

    def screenshot(self, step: str) -> None:
        self.steps += 1
        screenshot(self.page, f"keyboard-{self.name}-{self.steps:02d}-{step}")
