"""Issue 30.8 in the browser: a staff member adds a participant without an account (a tränare) to a
meeting of a case with a valid consent. Without the family's confirmed yes the form is refused with
the error summary; with it the guest is listed among the participants. axe checks both states."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from .helpers import assert_no_violations
from .test_plans_keyboard import consented_case
from portal.timeutil import today_local

pytestmark = pytest.mark.browser


def _meeting(app, ref) -> int:
    from sqlalchemy import select

    from portal.cases.models import Case
    from portal.extensions import db
    from portal.timeutil import to_utc
    from portal.plans.models import Meeting

    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        day = today_local() + dt.timedelta(days=21)
        meeting = Meeting(case_id=case.id, purpose="Följa upp stödet.", starts_at=to_utc(day, dt.time(10, 0)),
                          ends_at=to_utc(day, dt.time(11, 0)), place="Solbackens skola", child_participation="part",
                          created_by_id=case.opened_by_id)
        db.session.add(meeting)
        db.session.commit()
        return meeting.id


def test_staff_adds_a_trainer_without_an_account_to_a_meeting(portal_server, role_context):
    ref = consented_case(portal_server.app)
    meeting_id = _meeting(portal_server.app, ref)
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}/moten/{meeting_id}")
    expect(page.get_by_role("heading", name="Lägg till någon utan konto")).to_be_visible()
    page.get_by_label("Namn", exact=True).fill("Tore Tränarsson")
    page.get_by_label("Roll", exact=True).select_option(label="Tränare eller ledare på fritiden")
    page.get_by_label("E-postadress", exact=True).fill("tore@idrott.example")
    page.get_by_label("Telefon").fill("070-123 45 67")
    page.get_by_role("button", name="Lägg till deltagaren utan konto").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Bekräfta att familjen har sagt ja till att personen är med")
    expect(page.get_by_label("Namn", exact=True)).to_have_value("Tore Tränarsson")
    assert_no_violations(page, "meeting page, guest form refused")

    page.get_by_label("Familjen har sagt ja till att personen är med på mötet").check()
    page.get_by_role("button", name="Lägg till deltagaren utan konto").click()
    expect(page.get_by_text("Tore Tränarsson är tillagd som deltagare utan konto")).to_be_visible()
    row = page.locator("#deltagare ~ * tr", has_text="Tore Tränarsson")
    expect(row).to_contain_text("Utan konto: Tränare eller ledare på fritiden")
    expect(row).to_contain_text("tore@idrott.example, 070-123 45 67")
    assert_no_violations(page, "meeting page with a guest")
