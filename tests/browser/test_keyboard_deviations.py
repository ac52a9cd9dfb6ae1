"""Keyboard-only journeys for deviation reports: a staff member files a report (fixing an error on
the way), and the nearest manager co-signs it. No mouse; focus visible, never trapped, and after a
failed submit focus lands on the error summary."""
from __future__ import annotations

import re

import pytest
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
    assert page.locator("h1").inner_text() == "Rapportera en avvikelse"
    # Anna works at one unit: it is already chosen.
    assert page.locator("#reporter_unit").input_value() == "solbackens-skola"

    kb.tab_to_field("event__event_date-day")
    kb.type("3")
    kb.tab_to_field("event__event_date-month")
    kb.type("2")
    kb.tab_to_field("event__event_date-year")
    kb.type("2026")
    kb.tab_to_field("event__concerned_unit")
    kb.type("IFO")  # type-ahead in the select
    assert page.locator("#event__concerned_unit").input_value() == "ifo-barn-och-familj"
    first = kb.tab_to_field("event__kind-0")
    assert not first["checked"], "Tab alone must not choose a routine"
    kb.press("ArrowDown")
    now = kb.focused()
    assert now["id"] == "event__kind-1" and now["checked"], f"ArrowDown did not choose the second routine: {now}"
    kb.tab_to_field("description__reason")
    kb.type(REASON)

    # Continue without the consequences and the proposal: errors, focus on the summary.
    kb.tab_to_button("Fortsätt till granskning")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    assert kb.focused()["error_summary"], f"focus is on {kb.focused()} instead of the error summary"
    kb.assert_focus_visible()
    kb.screenshot("errors")
    assert page.locator("#description__reason").input_value() == REASON, "typed text was lost"
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Beskriv konsekvenserna för barnet eller den unge"
    kb.press("Enter")
    assert kb.focused()["id"] == "description__consequences_child"
    kb.type("Barnet fick vänta på stöd i skolan.")
    kb.tab_to_field("description__proposed_measures")
    kb.type("Påminnelse efter fem arbetsdagar.")
    kb.tab_to_button("Fortsätt till granskning")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Granska och skicka rapporten"
    assert "Rut Rektorsson, Rektor" in page.locator("#mottagare").locator("..").inner_text()
    assert_no_violations(page, "check answers of a deviation report")

    # Sign: the name and the confirmation, then send.
    kb.tab_to_field("signed_name")
    kb.type("Anna Lärarsson")
    kb.tab_to_field("confirm")
    kb.press("Space")
    assert page.locator("#confirm").is_checked()
    kb.tab_to_button("Skriv under och skicka rapporten")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    assert re.fullmatch(r"Avvikelserapport [A-Z0-9]{8}", page.locator("h1").inner_text())
    assert page.get_by_role("status").filter(has_text="Rapporten är skickad till din närmaste chef").count() == 1
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
    assert page.locator("h1").inner_text() == "Inkorg"
    kb.tab_to_link(f"Rapport {ref}")
    kb.press("Enter", navigates=True)
    assert page.locator("h1").inner_text() == f"Avvikelserapport {ref}"
    assert_no_violations(page, "a deviation report as its line manager")

    # Signing without a statement: errors, focus on the summary, its link leads to the field.
    kb.tab_to_button("Skriv under som närmaste chef")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    assert kb.focused()["error_summary"], f"focus is on {kb.focused()} instead of the error summary"
    kb.screenshot("errors")
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Skriv ditt yttrande innan du skriver under"
    kb.press("Enter")
    assert kb.focused()["id"] == "cosign-text"
    kb.type("Jag instämmer. Vi tar upp kallelserutinen med IFO.")
    kb.tab_to_field("cosign-confirm")
    kb.press("Space")
    assert page.locator("#cosign-confirm").is_checked()
    kb.tab_to_button("Skriv under som närmaste chef")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    assert page.get_by_role("status").filter(has_text="Du har skrivit under rapporten").count() == 1
    assert "Underskriven av närmaste chef" in page.locator(".status-tag").inner_text()
    assert "Rut Rektorsson" in page.locator("section[aria-labelledby=underskrifter]").inner_text()
    kb.screenshot("cosigned")
    assert_no_violations(page, "a co-signed deviation report")
    kb.assert_tab_reaches_footer()
