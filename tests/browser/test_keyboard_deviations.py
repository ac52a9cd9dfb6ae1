"""Keyboard-only journeys for deviation reports: a staff member files a report (fixing an error on
the way), and the nearest manager co-signs it. No mouse; focus visible, never trapped, and after a
failed submit focus lands on the error summary."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .helpers import assert_no_violations
from .pages import ROLES

pytestmark = pytest.mark.browser

REASON = "Kallelsen till nätverksmötet kom tre veckor efter att vi bad om mötet."


def test_a_staff_member_files_a_deviation_report_with_the_keyboard_only(keyboard_user):
    kb = keyboard_user(role="staff", name="staff-files-deviation")
    page = kb.page
    page.goto("/")
    kb.tab_to_link("Rapportera en avvikelse")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Rapportera en avvikelse")
    # Anna works at one unit: it is already chosen, shown as text, not asked.
    expect(page.locator("#reporter_unit")).to_contain_text("Solbackens skola (F–9)")
    expect(page.locator("input[name=reporter_unit]")).to_have_value("solbackens-skola")

    kb.tab_to_field("event__event_date-day")
    kb.type("3")
    kb.tab_to_field("event__event_date-month")
    kb.type("2")
    kb.tab_to_field("event__event_date-year")
    kb.type("2026")
    kb.tab_to_field("event__concerned_unit")
    kb.type("IFO")  # type-ahead in the select
    expect(page.locator("#event__concerned_unit")).to_have_value("ifo-barn-och-familj")
    first = kb.tab_to_field("event__kind-0")
    assert not first["checked"], "Tab alone must not choose a routine"
    kb.press("ArrowDown")
    kb.expect_focus_on("#event__kind-1")
    expect(page.locator("#event__kind-1"), "ArrowDown did not choose the second routine").to_be_checked()
    kb.tab_to_field("description__reason")
    kb.type(REASON)

    # Continue without the consequences and the proposal: errors, focus on the summary.
    kb.tab_to_button("Fortsätt till granskning")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    kb.screenshot("errors")
    expect(page.locator("#description__reason"), "typed text was lost").to_have_value(REASON)
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Beskriv konsekvenserna för barnet eller den unge"
    kb.press("Enter")
    kb.expect_focus_on("#description__consequences_child")
    kb.type("Barnet fick vänta på stöd i skolan.")
    kb.tab_to_field("description__proposed_measures")
    kb.type("Påminnelse efter fem arbetsdagar.")
    kb.tab_to_button("Fortsätt till granskning")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    expect(page.locator("h1")).to_have_text("Granska och skicka rapporten")
    expect(page.locator("#mottagare").locator("..")).to_contain_text("Rut Rektorsson, Rektor")
    assert_no_violations(page, "check answers of a deviation report")

    # Sign: the name and the confirmation, then send.
    kb.tab_to_field("signed_name")
    kb.type("Anna Lärarsson")
    kb.tab_to_field("confirm")
    kb.press("Space")
    expect(page.locator("#confirm")).to_be_checked()
    kb.tab_to_button("Skriv under och skicka rapporten")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    expect(page.locator("h1")).to_have_text(re.compile(r"^Avvikelserapport [A-Z0-9]{8}$"))
    expect(page.get_by_role("status").filter(has_text="Rapporten är skickad till din närmaste chef")).to_have_count(1)
    kb.screenshot("sent")
    assert_no_violations(page, "a sent deviation report as its reporter")
    kb.assert_tab_reaches_footer()


def _newest_report_ref(app) -> str:
    from portal.accounts.models import User
    from portal.deviations.models import DeviationReport
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(DeviationReport.ref).join(User, User.id == DeviationReport.reporter_id)
                                 .where(User.email == ROLES["staff"]).where(DeviationReport.status == "received")
                                 .order_by(DeviationReport.id.desc()))


def test_a_manager_co_signs_a_deviation_report_with_the_keyboard_only(keyboard_user, portal_server):
    ref = _newest_report_ref(portal_server.app)
    kb = keyboard_user(role="manager", name="manager-cosigns-deviation")
    page = kb.page
    page.goto("/")
    kb.tab_to_link("Inkorg")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Inkorg")
    kb.tab_to_link(f"Rapport {ref}")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text(f"Avvikelserapport {ref}")
    assert_no_violations(page, "a deviation report as its line manager")

    # Signing without a statement: errors, focus on the summary, its link leads to the field.
    kb.tab_to_button("Skriv under som närmaste chef")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    kb.screenshot("errors")
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Skriv ditt yttrande innan du skriver under"
    kb.press("Enter")
    kb.expect_focus_on("#cosign-text")
    kb.type("Jag instämmer. Vi tar upp kallelserutinen med IFO.")
    kb.tab_to_field("cosign-confirm")
    kb.press("Space")
    expect(page.locator("#cosign-confirm")).to_be_checked()
    kb.tab_to_button("Skriv under som närmaste chef")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    expect(page.get_by_role("status").filter(has_text="Du har skrivit under rapporten")).to_have_count(1)
    expect(page.locator(".status-tag")).to_contain_text("Underskriven av närmaste chef")
    expect(page.locator("section[aria-labelledby=underskrifter]")).to_contain_text("Rut Rektorsson")
    kb.screenshot("cosigned")
    assert_no_violations(page, "a co-signed deviation report")
    kb.assert_tab_reaches_footer()


def test_a_wrong_number_of_days_in_the_inbox_filter_takes_the_keyboard_to_the_error(keyboard_user):
    """The filter's form sends the reader to #gamla; with an error the summary still gets the focus
    and shows (the browser's jump to the fragment would otherwise leave the focus nowhere)."""
    kb = keyboard_user(role="manager", name="manager-inbox-days")
    page = kb.page
    page.goto("/inkorg")
    kb.tab_to_field("dagar")
    page.keyboard.press("Control+A")
    kb.type("tre")
    kb.press("Enter", navigates=True)
    kb.expect_error_summary_focused()
    expect(page.locator("[data-error-summary]")).to_be_in_viewport()
    expect(page.locator("[data-error-summary]")).to_contain_text("Skriv antalet dagar med siffror")
    link = kb.tab()
    assert link["tag"] == "a", link
    kb.press("Enter")
    kb.expect_focus_on("#dagar")
    expect(page.locator("#dagar"), "what was typed was lost").to_have_value("tre")
