"""Keyboard-only journeys (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7, 3.3.1): no mouse, focus always
visible, never trapped, and after a failed submit focus lands on the error summary.

Add a journey per feature with the KeyboardUser from keyboard.py (e.g. a guardian signs a
consent, staff files a deviation report, a manager co-signs, a plan with two interventions)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD

from .helpers import assert_no_violations
from .pages import ROLES

pytestmark = pytest.mark.browser

CHILD_NAME = "Kalle Kortsson"
PERSONAL_NUMBER = "20140707-1230"  # valid checksum, a child
GUARDIAN_NAME = "Karin Kortsson"


def sign_in(kb, email: str) -> None:
    kb.page.goto("/logga-in")
    kb.tab_to_field("email")
    kb.type(email)
    kb.tab_to_field("password")
    kb.type(DEMO_PASSWORD)
    kb.press("Enter", navigates=True)
    expect(kb.page.get_by_role("button", name="Logga ut"), f"{kb.name}: sign-in failed").to_have_count(1)


def test_skip_link_takes_focus_to_the_main_content(keyboard_user):
    kb = keyboard_user(name="skip-link")
    kb.page.goto("/")
    first = kb.tab()
    assert first["tag"] == "a" and first["text"] == "Hoppa till innehållet", "the skip link is not the first Tab stop"
    kb.press("Enter")
    kb.expect_focus_on("#innehall")  # the skip link moves focus to <main>
    after = kb.tab()
    assert kb.page.evaluate("!!document.activeElement.closest('main')"), f"Tab after the skip link left main: {after}"


def test_staff_opens_a_case_fixes_errors_and_adds_a_guardian_with_the_keyboard_only(keyboard_user):
    kb = keyboard_user(name="staff-new-case")
    page = kb.page
    sign_in(kb, ROLES["staff"])

    # Start page: Tab goes through everything to the footer, then on (wrapping) to the menu.
    kb.assert_tab_reaches_footer()
    kb.tab_to_link("Mina ärenden")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Mina ärenden")

    kb.tab_to_link("Öppna ett nytt ärende")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Öppna ett nytt ärende")
    kb.assert_tab_reaches_footer()

    # Submit with only an address: the errors come back and focus moves to the summary.
    kb.tab_to_field("address")
    kb.type("Skolgatan 3, 930 90 Arjeplog")
    kb.tab_to_button("Öppna ärendet")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    kb.screenshot("errors")
    expect(page.locator("#address"), "typed text was lost").to_have_value("Skolgatan 3, 930 90 Arjeplog")

    # The first Tab from the summary reaches its first link; Enter moves focus to the field.
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Ange barnets eller den unges namn"
    kb.press("Enter")
    kb.expect_focus_on("#child_name")  # the error link moves focus to its field
    kb.type(CHILD_NAME)

    # Back up (Shift+Tab) to the next error's link.
    kb.tab_to_link("Ange personnummer eller samordningsnummer", backwards=True)
    kb.press("Enter")
    kb.expect_focus_on("#personal_number")
    kb.type(PERSONAL_NUMBER)

    # Anna works at one unit: it is shown, not asked (no select to tab to).
    expect(page.locator("#unit_key")).to_contain_text("Solbackens skola (F–9)")
    expect(page.locator("select#unit_key")).to_have_count(0)

    kb.tab_to_button("Öppna ärendet")
    response = kb.press("Space", navigates=True)
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(CHILD_NAME)
    expect(page.get_by_role("status").filter(has_text="Ärendet är öppnat")).to_have_count(1)
    kb.screenshot("case-opened")
    assert_no_violations(page, "new case page with its success message")

    # Add a guardian; custody chosen with the arrow keys.
    kb.tab_to_link("Lägg till vårdnadshavare")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Lägg till vårdnadshavare")
    kb.tab_to_field("name")
    kb.type(GUARDIAN_NAME)
    kb.tab_to_field("email")
    kb.type("karin.kortsson@familj.example")
    first_radio = kb.tab_to_field("has_custody-0")
    assert not first_radio["checked"], "Tab alone must not choose custody"
    kb.press("ArrowRight")
    kb.expect_focus_on("#has_custody-1")
    expect(page.locator("#has_custody-1"), "ArrowRight did not choose 'Nej'").to_be_checked()
    kb.press("ArrowLeft")
    kb.expect_focus_on("#has_custody-0")
    expect(page.locator("#has_custody-0"), "ArrowLeft did not choose 'Ja'").to_be_checked()
    expect(page.locator("#has_custody-1")).not_to_be_checked()
    kb.screenshot("guardian-form")

    kb.tab_to_button("Spara")
    response = kb.press("Space", navigates=True)
    assert response.status == 200
    expect(page.get_by_role("status").filter(has_text="Vårdnadshavaren är tillagd")).to_have_count(1)
    guardians = page.locator("section[aria-labelledby=vardnadshavare]")
    expect(guardians.get_by_role("heading", name=GUARDIAN_NAME)).to_have_count(1)
    expect(guardians).to_contain_text("Har vårdnaden")
    kb.screenshot("guardian-added")
    kb.assert_tab_reaches_footer()
