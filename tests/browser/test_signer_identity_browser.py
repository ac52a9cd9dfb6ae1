"""Issue 28 in a real browser: the consent request page shows the guardians' addresses from the
case (no address field), and in-person signing locks the device until the staff member's
password (no navigation, every staff page answers with the lock screen)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from . import consent_data
from .helpers import assert_no_violations, login_as

pytestmark = pytest.mark.browser


def test_the_request_page_shows_the_address_on_the_case_and_asks_for_none(portal_server, new_context):
    app = portal_server.app
    with app.app_context():
        case = consent_data._case()
        ref, addresses = case.ref, [g.email for g in case.guardians if g.has_custody and g.email]
    page = new_context().new_page()
    login_as(page, consent_data.STAFF_EMAIL)
    page.goto(f"/arenden/{ref}/samtycke/nytt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Begär samtycke")
    assert addresses
    for address in addresses:
        expect(page.locator("main").get_by_text(address)).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("E-postadress till"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("ändra uppgifter för"))).to_have_count(len(addresses))
    assert_no_violations(page, "consent request: addresses from the case")


def test_in_person_signing_locks_the_device_until_the_staff_password(portal_server, new_context):
    from portal.demo import DEMO_PASSWORD

    app = portal_server.app
    with app.app_context():
        consent = consent_data.send_new_consent(second_in_person=True)
        ref, consent_id, number = consent.case.ref, consent.id, consent.number
        signer = consent.signers[1]
        signer_id, name = signer.id, signer.name
    page = new_context().new_page()
    login_as(page, consent_data.STAFF_EMAIL)
    page.goto(f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/pa-plats")
    page.get_by_label("Jag har kontrollerat personens identitet med en giltig id-handling").check()
    page.get_by_role("button", name=f"Visa texten för {name}").click()

    # The guardian holds the device: the text, the form, and no way into the staff pages.
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_have_text("Fråga om samtycke")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_have_count(0)
    expect(page.get_by_role("button", name="Logga ut")).to_have_count(0)
    expect(page.get_by_role("link", name="Ärenden")).to_have_count(0)
    assert_no_violations(page, "in person: locked signing page")

    page.get_by_label("Jag har läst texten. Jag förstår vad samtycket gäller.").check()
    page.get_by_label("Skriv ditt namn").fill("Kalle Anka")
    page.get_by_role("button", name="Ja, jag skriver under").click()
    expect(page.locator(".error-summary")).to_contain_text("Namnet stämmer inte med namnet vi har för dig")
    expect(page.get_by_label("Skriv ditt namn")).to_have_value("Kalle Anka")
    assert_no_violations(page, "in person: typed name refused")
    page.get_by_label("Skriv ditt namn").fill(name.upper())
    if not page.get_by_label("Jag har läst texten. Jag förstår vad samtycket gäller.").is_checked():
        page.get_by_label("Jag har läst texten. Jag förstår vad samtycket gäller.").check()
    page.get_by_role("button", name="Ja, jag skriver under").click()
    expect(h1).to_have_text("Du har skrivit under")
    expect(page.locator("main")).to_contain_text(name)

    # Typing a staff address gives the lock screen, not the case list.
    page.goto("/arenden/")
    expect(h1).to_have_text("Underskrift på plats pågår")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_have_count(0)
    assert_no_violations(page, "in person: lock screen")
    page.get_by_label("Ditt lösenord (personalen)").fill("inte-rätt-lösenord-1")
    page.get_by_role("button", name="Lås upp").click()
    expect(page.locator(".error-summary")).to_contain_text("Lösenordet stämmer inte")
    expect(h1).to_have_text("Underskrift på plats pågår")
    assert_no_violations(page, "in person: wrong password")

    page.get_by_label("Ditt lösenord (personalen)").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Lås upp").click()
    expect(h1).to_have_text(f"Samtycke {number}")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    page.goto("/arenden/")
    expect(h1).not_to_have_text("Underskrift på plats pågår")
