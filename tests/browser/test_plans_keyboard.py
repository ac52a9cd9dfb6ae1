"""Keyboard only: a staff member fills in a plan (SIP) with two interventions – the second added
with the "Lägg till en insats" button (the draft is saved on the click), a failed submit moves
focus to the error summary, its link moves focus to the field, and the plan goes for approval."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from .helpers import assert_no_violations
from .pages import ROLES
from .test_keyboard import sign_in
from portal.timeutil import today_local

pytestmark = pytest.mark.browser

CHILD_NAME = "Pelle Plansson"


def consented_case(app) -> str:
    """A case opened by the demo teacher with a valid consent for the school and IFO, signed in
    person (the consent feature's own service functions)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case, Guardian
    from portal.consent import service as consent_service
    from portal.consent.identity import InPersonProvider
    from portal.extensions import db

    with app.app_context(), app.test_request_context():
        teacher = db.session.scalar(select(User).where(User.email == ROLES["staff"]))
        case = Case(child_name=CHILD_NAME, personal_number="20150303-2383", unit_key="solbackens-skola",
                    opened_by_id=teacher.id)
        case.guardians = [Guardian(name="Petra Plansson", email="petra.plansson@familj.example", has_custody=True)]
        db.session.add(case)
        db.session.flush()
        record = {"purpose": {"purposes": ["plan_support"], "purpose_text": ""},
                  "units": {"units": ["solbackens-skola", "ifo-barn-och-familj"]},
                  "information": {"categories": ["school"], "categories_text": ""}, "validity": {"months": 12},
                  "contact": {"unit": "solbackens-skola", "name": teacher.name, "email": teacher.email, "phone": ""}}
        plan = [{"role": "guardian", "guardian_id": case.guardians[0].id, "channel": "in_person",
                 "email": case.guardians[0].email}]
        consent = consent_service.save_draft(case, None, record, plan, teacher)
        assert consent_service.send(consent, teacher) == []
        verified = InPersonProvider().verified(teacher)
        for signer in consent.signers:
            consent_service.mark_verified(signer, verified)
            consent_service.sign(signer, verified, signer.name, signer.text_sha256)
        db.session.commit()
        assert consent.status == "valid"
        return case.ref


def test_staff_fills_in_a_plan_with_two_interventions_with_the_keyboard_only(portal_server, keyboard_user):
    ref = consented_case(portal_server.app)
    kb = keyboard_user(name="staff-plan")
    page = kb.page
    sign_in(kb, ROLES["staff"])
    page.goto(f"/arenden/{ref}")

    kb.tab_to_button("Skriv en ny SIP")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Samordnad individuell plan (SIP) – version 1")

    kb.tab_to_field("needs__needs")
    kb.type("Behöver stöd med läsningen och lugnare raster.")
    kb.tab_to_field("interventions-0-what")
    kb.type("Lästräning med speciallärare")
    kb.tab_to_field("interventions-0-unit")
    kb.type("Sol")                                   # type-ahead in the select
    expect(page.locator("#interventions-0-unit")).to_have_value("solbackens-skola")
    kb.tab_to_field("interventions-0-contact")
    kb.type("Anna")
    expect(page.locator("#interventions-0-contact")).to_have_value(re.compile(r"^solbackens-skola:"))

    # A second intervention: the click saves the draft, and nothing typed is lost.
    kb.tab_to_button("Lägg till en insats")
    response = kb.press("Enter", navigates=True)
    assert response.status == 200
    expect(page.get_by_role("status").filter(has_text="Utkastet är sparat")).to_have_count(1)
    kb.expect_focus_on("#interventions-1")   # the new row, not the top of the page
    expect(page.locator("#interventions-0-what")).to_have_value("Lästräning med speciallärare")
    kb.tab_to_field("interventions-1-what")
    kb.type("Föräldrastöd")
    kb.tab_to_field("interventions-1-unit")
    kb.type("IFO")
    expect(page.locator("#interventions-1-unit")).to_have_value("ifo-barn-och-familj")
    kb.tab_to_field("interventions-1-contact")
    kb.type("Samir")
    kb.screenshot("two-interventions")

    # Submit too early: focus moves to the error summary; its link takes focus to the field.
    kb.tab_to_button("Klar – skicka för godkännande")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    expect(page.locator("#interventions-1-what"), "typed text was lost").to_have_value("Föräldrastöd")
    assert_no_violations(page, "plan editor with errors")
    kb.screenshot("errors")
    kb.tab_to_link("Välj en samordnare")
    kb.press("Enter")
    kb.expect_focus_on("#roles__coordinator")
    kb.type("Samir")

    kb.tab_to_field("roles__lead_service")
    kb.type("Ind")
    expect(page.locator("#roles__lead_service")).to_have_value("arjeplog-ifo")
    kb.tab_to_field("roles__overall_authority")
    kb.type("Arj")
    follow = today_local() + dt.timedelta(days=60)
    for part, value in (("day", follow.day), ("month", follow.month), ("year", follow.year)):
        kb.tab_to_field(f"followup__date-{part}")
        kb.type(str(value))
    today = today_local()
    for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        kb.tab_to_field(f"plan__established_on-{part}", backwards=True)
        kb.type(str(value))

    kb.tab_to_button("Klar – skicka för godkännande")
    response = kb.press("Space", navigates=True)
    assert response.status == 200
    expect(page.get_by_role("status").filter(has_text="skickad för godkännande")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("Lästräning med speciallärare")
    expect(page.locator("main")).to_contain_text("Föräldrastöd")
    kb.screenshot("sent-for-approval")
    assert_no_violations(page, "plan sent for approval")
    kb.assert_tab_reaches_footer()
