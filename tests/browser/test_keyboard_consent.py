"""Keyboard-only journeys for consent (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7, 3.3.1): a guardian opens the
link from their e-mail, asks for a one-time code, types it, reads, fixes a mistake and signs; another
guardian says no. Every page on the way, and each error state, passes axe-core."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from . import consent_data
from .helpers import assert_no_violations

pytestmark = pytest.mark.browser


def _latest_mail(app, address: str, kind: str) -> str:
    """The plain text of the newest e-mail of `kind` to `address`, after the outbox worker ran
    (the browser suite delivers to the development mailbox)."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.notify.models import OutboxMessage
    from portal.notify.worker import deliver_due

    with app.app_context():
        deliver_due()
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == address,
                                                                OutboxMessage.kind == kind)
                                    .order_by(OutboxMessage.id.desc()).limit(1))
        assert message is not None and message.status == "sent", f"no delivered {kind} e-mail"
        return message.body_text


def _path_in(body: str, base: str) -> str:
    match = re.search(re.escape(base) + r"(/samtycke/s/[A-Za-z0-9_-]{43})", body)
    assert match, "no personal link in the e-mail"
    return match.group(1)


def _code_in(body: str) -> str:
    return re.search(r"Din kod är: (\d{6})", body).group(1)


def _open_and_verify(kb, app, base: str, address: str, path: str, wrong_first: bool = False) -> None:
    page = kb.page
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Bekräfta att det är du")
    expect(page.locator("main"), "the child's name shows before verification").not_to_contain_text("Elsa")
    assert_no_violations(page, "signer: verify page")
    kb.tab_to_button("Skicka kod till min e-post")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Skriv koden")
    expect(page.get_by_role("status").filter(has_text="Vi har skickat en kod")).to_have_count(1)
    assert_no_violations(page, "signer: code page")
    code = _code_in(_latest_mail(app, address, "consent.code"))
    kb.tab_to_field("code")
    if wrong_first:
        kb.type("000000" if code != "000000" else "111111")
        kb.tab_to_button("Fortsätt")
        response = kb.press("Enter", navigates=True)
        assert response.status == 400
        kb.expect_error_summary_focused()
        assert_no_violations(page, "signer: wrong code")
        link = kb.tab()
        assert link["tag"] == "a" and link["text"].startswith("Koden stämmer inte"), link
        kb.press("Enter")
        kb.expect_focus_on("#code")
        kb.press("Control+a")
    kb.type(code)
    kb.tab_to_button("Fortsätt")
    kb.press("Enter", navigates=True)


def test_a_guardian_signs_a_consent_with_the_keyboard_only(keyboard_user, portal_server):
    app, base = portal_server.app, portal_server.url
    with app.app_context():
        consent = consent_data.send_new_consent(second_in_person=False)
        address = consent.signers[0].email
    path = _path_in(_latest_mail(app, address, "consent.link"), base)

    kb = keyboard_user(name="guardian-signs-consent")
    page = kb.page
    _open_and_verify(kb, app, base, address, path, wrong_first=True)
    expect(page.locator("h1")).to_have_text("Fråga om samtycke")
    expect(page.locator("#samtyckestext")).to_contain_text("Elsa Exempeldotter")
    expect(page.locator("#samtyckestext")).to_contain_text("IFO barn och familj")
    assert_no_violations(page, "signer: the consent text and the signing form")
    kb.screenshot("read")

    # Types the name but forgets the box: the error summary takes focus and leads to the box.
    kb.tab_to_field("name")
    kb.type("Maria Exempeldotter")
    kb.tab_to_button("Ja, jag skriver under")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    expect(page.locator("#name"), "the typed name was lost").to_have_value("Maria Exempeldotter")
    assert_no_violations(page, "signer: signing form with an error")
    link = kb.tab()
    assert link["tag"] == "a" and link["text"] == "Kryssa i att du har läst och förstått texten"
    kb.press("Enter")
    kb.expect_focus_on("#understood")
    kb.press("Space")
    expect(page.locator("#understood"), "Space did not tick the box").to_be_checked()
    kb.tab_to_button("Ja, jag skriver under")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Du har skrivit under")
    expect(page.get_by_role("status").filter(has_text="Tack! Du har skrivit under.")).to_have_count(1)
    assert_no_violations(page, "signer: signed")
    kb.screenshot("signed")
    kb.assert_tab_reaches_footer()

    # The withdrawal page, and its error state, work by keyboard too (nothing is withdrawn here).
    kb.tab_to_link("Återkalla samtycket")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Återkalla samtycket")
    assert_no_violations(page, "signer: withdraw page")
    kb.tab_to_button("Återkalla samtycket")
    response = kb.press("Enter", navigates=True)
    assert response.status == 400
    kb.expect_error_summary_focused()
    assert_no_violations(page, "signer: withdraw page with an error")

    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        signer = db.session.get(Consent, consent.id).signers[0]
        assert signer.status == "signed" and signer.signed_name == "Maria Exempeldotter"
        assert signer.identity_provider == "email_otp"


def test_a_guardian_says_no_with_the_keyboard_only(keyboard_user, portal_server):
    app, base = portal_server.app, portal_server.url
    with app.app_context():
        consent = consent_data.send_new_consent(second_in_person=False)
        address = consent.signers[1].email
    path = _path_in(_latest_mail(app, address, "consent.link"), base)

    kb = keyboard_user(name="guardian-says-no")
    page = kb.page
    _open_and_verify(kb, app, base, address, path)
    kb.tab_to_link("Jag vill inte ge samtycke")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Du vill inte ge samtycke")
    assert_no_violations(page, "signer: decline page")
    kb.tab_to_field("reason")
    kb.type("Vi vill vänta till efter sommaren.")
    kb.tab_to_button("Skicka mitt nej")
    kb.press("Enter", navigates=True)
    expect(page.locator("h1")).to_have_text("Du har sagt nej")
    assert_no_violations(page, "signer: declined")
    kb.assert_tab_reaches_footer()
