"""One case, one truth on the case page (issue 29 items 6, 8, 11) in a real browser, on the demo case:
"Nästa steg" is the first section after the heading; at 375 px the process table and the version
comparison stack (no horizontal scroll, the deadline and the "Efter" value on screen); the approved
SIP's page lists the units its consent covers."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import assert_no_violations
from .pages import _demo_case, _demo_plan

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 1}


def demo_ids(app) -> tuple[str, int, int]:
    with app.app_context():
        plan = _demo_plan("sip")
        return _demo_case().ref, plan.id, plan.current_approved.number


def fits_the_screen(page, locator) -> None:
    """The cell is on screen at 375 px without any horizontal scrolling, of the page or of a
    scroll box around the table (the page only scrolls down to it)."""
    top = locator.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
    page.evaluate("y => window.scrollTo(0, Math.max(0, y - 100))", top)
    expect(locator).to_be_in_viewport()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert locator.evaluate("e => { const w = e.closest('.table-wrap'); return !w || w.scrollWidth <= w.clientWidth }"), \
        "the table scrolls sideways in its box"


def test_next_step_is_the_first_section_after_the_heading(portal_server, role_context):
    ref, _, _ = demo_ids(portal_server.app)
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}")
    first = page.locator("main h1 ~ section").first
    expect(first.get_by_role("heading", level=2)).to_have_text("Nästa steg")
    expect(first).to_contain_text(re.compile(r"När: (senast|försenat|ingen tidsgräns)"))
    # The demo's next step is the SIP's follow-up; the plan names Samir (IFO) as the one who convenes it.
    expect(first).to_contain_text("Vem: Samordnaren kallar – Samir Socialsson")
    assert_no_violations(page, "case page with Nästa steg")
    page.close()


@pytest.mark.parametrize("where, label, text", [
    ("case", "Tidsgräns", "Senast"),                  # the process table on the case page
    ("history", "Efter", "Tre gånger i veckan"),      # the version comparison
])
def test_the_tables_stack_on_a_phone(portal_server, role_context, where, label, text):
    ref, plan_id, _ = demo_ids(portal_server.app)
    page = role_context("staff", **PHONE).new_page()
    page.goto({"case": f"/arenden/{ref}", "history": f"/arenden/{ref}/planer/{plan_id}/historik"}[where])
    cell = page.locator(f'td[data-label="{label}"]').filter(has_text=text).first
    expect(cell).to_be_visible()
    fits_the_screen(page, cell)
    page.close()


def test_the_approved_demo_plan_lists_the_units_its_consent_covers(portal_server, role_context):
    ref, plan_id, number = demo_ids(portal_server.app)
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}/planer/{plan_id}/v/{number}")
    consent = page.locator("section").filter(has=page.get_by_role("heading", name="Samtycke", exact=True))
    expect(consent.get_by_role("listitem").filter(has_text="Solbackens skola")).to_contain_text(
        "omfattas av samtycket till och med")
    expect(consent.get_by_role("listitem").filter(has_text="IFO")).to_contain_text("omfattas av samtycket till och med")
    expect(consent).not_to_contain_text("omfattas inte")
    page.close()


def case_with_followup_draft(app) -> str:
    """A case of the demo teacher with a SIP whose version 1 is approved and version 2 is the
    follow-up's draft (models written the way portal/plans/demo.py writes them)."""
    import datetime as dt

    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case, Guardian
    from portal.extensions import db
    from portal.plans.models import FollowUp, Plan, PlanVersion, VersionStatus
    from portal.timeutil import today_local, utcnow

    from .pages import ROLES

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == ROLES["staff"]))
        case = Case(child_name="Ulla Uppföljning", personal_number="20150303-2383", unit_key="solbackens-skola",
                    opened_by_id=teacher.id)
        case.guardians = [Guardian(name="Ove Uppföljning", email="ove@familj.example", has_custody=True)]
        db.session.add(case)
        db.session.flush()
        plan = Plan(case_id=case.id, kind="sip", process_key="norrbus", created_by_id=teacher.id)
        first = PlanVersion(number=1, status=VersionStatus.DRAFT, content={}, created_by_id=teacher.id, updated_by_id=teacher.id)
        plan.versions = [first]
        db.session.add(plan)
        db.session.flush()
        first.status, first.approved_at = VersionStatus.APPROVED, utcnow() - dt.timedelta(days=2)
        db.session.flush()
        second = PlanVersion(number=2, status=VersionStatus.DRAFT, content={}, created_by_id=teacher.id, updated_by_id=teacher.id)
        plan.versions.append(second)
        db.session.flush()
        db.session.add(FollowUp(plan_id=plan.id, from_version_id=first.id, to_version_id=second.id,
                                held_on=today_local(), created_by_id=teacher.id))
        db.session.commit()
        return case.ref


def test_the_case_shows_the_approved_plan_beside_the_followup_draft(portal_server, role_context):
    ref = case_with_followup_draft(portal_server.app)
    page = role_context("staff").new_page()
    page.goto(f"/arenden/{ref}")
    plans = page.locator("section").filter(has=page.get_by_role("heading", name="Planer", exact=True))
    current = plans.get_by_role("listitem").filter(has_text=re.compile(r"^\s*Gällande plan:"))
    expect(current).to_have_text(re.compile(r"Gällande plan: version 1 av .*, godkänd \d+ \w+ \d{4}"))
    expect(plans.get_by_role("listitem").filter(has_text=re.compile(r"^\s*Uppföljning:"))).to_contain_text("Uppföljning: utkast version 2")
    current.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("version 1")
    page.close()


FAMILY_1, FAMILY_2 = "frans.familj@familj.example", "fia.familj@familj.example"


def proposed_plan_for_two_guardians(app) -> str:
    """A case with two guardians who signed a consent in person (with their e-mail addresses) and
    a SIP version sent for approval; returns the first guardian's personal plan link (path)."""
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.cases.models import Case, Guardian
    from portal.consent import service as consent_service
    from portal.consent.identity import InPersonProvider
    from portal.extensions import db
    from portal.notify.models import OutboxMessage
    from portal.plans import service

    from .consent_data import request_record
    from .pages import ROLES

    with app.app_context(), app.test_request_context():
        teacher = db.session.scalar(select(User).where(User.email == ROLES["staff"]))
        case = Case(child_name="Filip Familjeplan", personal_number="20150303-2383", unit_key="solbackens-skola",
                    opened_by_id=teacher.id)
        case.guardians = [Guardian(name="Frans Familj", email=FAMILY_1, has_custody=True),
                          Guardian(name="Fia Familj", email=FAMILY_2, has_custody=True)]
        db.session.add(case)
        db.session.flush()
        plan = [{"role": "guardian", "guardian_id": g.id, "channel": "in_person", "email": g.email} for g in case.guardians]
        consent = consent_service.save_draft(case, None, request_record(case, teacher), plan, teacher)
        assert consent_service.send(consent, teacher) == []
        verified = InPersonProvider().verified(teacher)
        for signer in consent.signers:
            consent_service.mark_verified(signer, verified)
            consent_service.sign(signer, verified, signer.name, signer.text_sha256)
        sip = service.create_plan(case, teacher, "sip")
        sip.latest.content = {"needs": {"needs": "Lugn skoldag."},
                              "interventions": [{"what": "Läxhjälp", "unit": "solbackens-skola",
                                                 "contact": f"solbackens-skola:{teacher.id}"}]}
        db.session.flush()
        service.propose(case, sip.latest, teacher)
        db.session.commit()
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_addr == FAMILY_1,
                                                                        OutboxMessage.kind == "plan.family_link")).one()
        return re.search(r"(/min-plan/[A-Za-z0-9_-]{43})", body).group(1)


def latest_code(app, address: str) -> str:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        body = db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_addr == address)
                                  .order_by(OutboxMessage.id.desc())).first()
        return re.search(r"Din kod är: (\d{6})", body).group(1)


def test_the_family_reads_the_plan_before_approving_and_sees_who_is_left(portal_server, new_context):
    app = portal_server.app
    path = proposed_plan_for_two_guardians(app)
    page = new_context().new_page()
    page.goto(path)
    page.get_by_role("button", name="Skicka kod till min e-post").click()
    page.get_by_label("Engångskod").fill(latest_code(app, FAMILY_1))
    page.get_by_role("button", name="Fortsätt").click()
    approve = page.get_by_role("button", name="Jag godkänner planen")
    expect(approve).to_be_visible()
    plan_text = page.get_by_text("Läxhjälp").first
    assert plan_text.evaluate("(p, b) => !!(p.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)",
                              approve.element_handle()), "the plan comes before the approve button"
    approve.click()
    expect(page.get_by_role("status").filter(has_text="Tack! Du har godkänt planen.")).to_be_visible()
    left = page.get_by_text("Planen väntar på godkännande från")
    expect(left).to_contain_text("Fia Familj")
    expect(left).not_to_contain_text("Frans Familj")
    expect(left).not_to_contain_text("@")
    expect(page.get_by_role("button", name="Jag godkänner planen")).to_have_count(0)
    assert_no_violations(page, "family plan page after one guardian approved")
    page.close()
