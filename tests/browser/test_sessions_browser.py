"""Server-side sessions in Chromium (issue 27): a person signed in on a laptop and a phone sees
both on /konto, logs the phone out from the laptop, and a copy of the laptop's cookies taken
before logging out does not sign anybody in afterwards.

Its own account: the roles' shared sign-ins (pages.ROLES) must not be ended by this test."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD

from .helpers import login_as

pytestmark = pytest.mark.browser

EMAIL = "sessioner.webblasare@arjeplog.example"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture(scope="module")
def account(portal_server):
    from portal.accounts.service import create_user
    from portal.extensions import db

    with portal_server.app.app_context():
        create_user(EMAIL, "Sessions Testsson", DEMO_PASSWORD, "staff", [])
        db.session.commit()
        db.session.remove()
    return EMAIL


def test_log_out_the_phone_from_the_laptop_and_a_replayed_cookie_is_refused(new_context, account):
    laptop = new_context().new_page()
    phone = new_context(user_agent=IPHONE).new_page()
    login_as(laptop, account)
    login_as(phone, account)

    laptop.goto("/konto")
    sessions = laptop.get_by_role("region", name="Där du är inloggad").get_by_role("row")
    expect(sessions).to_have_count(3)  # the header row and two sign-ins
    expect(sessions.filter(has_text="(den här enheten)")).to_have_count(1)
    expect(sessions.filter(has_text="Mobile Safari på iOS")).to_have_count(1)

    laptop.get_by_role("button", name="Logga ut från andra enheter").click()
    expect(laptop.get_by_role("status")).to_contain_text("Du är utloggad från alla andra enheter.")
    expect(sessions).to_have_count(2)

    phone.goto("/konto")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Logga in")

    copied = laptop.context.cookies()
    laptop.get_by_role("button", name="Logga ut", exact=True).click()
    expect(laptop.get_by_role("status")).to_contain_text("Du är utloggad.")
    replay = new_context()
    replay.add_cookies(copied)
    page = replay.new_page()
    page.goto("/konto")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
