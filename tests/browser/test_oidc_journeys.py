"""OpenID Connect journeys in Chromium through the real redirects of a real provider
(oidc-provider on Node.js, tests/oidc): staff single sign-on and sign-out, a guardian signing a
consent with e-legitimation (matching and other personal number), a replayed and an expired
`state`, and an ID token altered on its way from the token endpoint."""
from __future__ import annotations

import dataclasses
import io
import logging
import os
import threading
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.oidc import (EID_SECRET, LOA2, LOA3, PNR_CLAIM, STAFF_SECRET, OidcProvider, TamperingProxy,
                                clients_for, identity_yaml, personal_number, skip_without_provider)

from tests.helpers import BROWSER_TIMEOUT_MS as TIMEOUT_MS
from .helpers import assert_no_violations

MARIA = personal_number("19820304")
OTHER = personal_number("19790611", "456")
SSO_EMAIL = "sara.sso@arjeplog.example"
ACCOUNTS = {
    "sara": {"acr": LOA3, "claims": {"email": SSO_EMAIL, "email_verified": True, "name": "Sara Ssosson",
                                     "groups": ["grp-solbacken", "grp-okand"]}},
    "okand": {"acr": LOA3, "claims": {"email": "finns.inte@arjeplog.example", "email_verified": True, "name": "Okänd"}},
    "maria": {"acr": LOA3, "claims": {PNR_CLAIM: MARIA, "name": "Maria Exempeldotter"}},
    "maria-lag": {"acr": LOA2, "claims": {PNR_CLAIM: MARIA, "name": "Maria Exempeldotter"}},
    "annan": {"acr": LOA3, "claims": {PNR_CLAIM: OTHER, "name": "Annan Person"}},
}


@pytest.fixture(scope="module")
def oidc_portal(tmp_path_factory):
    """The portal (own SQLite file, demo data) and a real OpenID provider, both on loopback."""
    skip_without_provider()
    from werkzeug.serving import make_server

    from portal import create_app
    from portal.accounts.service import create_user
    from portal.database import upgrade
    from portal.demo import seed_demo
    from portal.extensions import db
    from tests.helpers import TEST_PASSWORD

    root = tmp_path_factory.mktemp("oidc-portal")
    holder = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: holder["app"](environ, start), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    saved = {k: os.environ.get(k) for k in ("PORTAL_TEST_OIDC_STAFF_SECRET", "PORTAL_TEST_OIDC_EID_SECRET")}
    os.environ.update(PORTAL_TEST_OIDC_STAFF_SECRET=STAFF_SECRET, PORTAL_TEST_OIDC_EID_SECRET=EID_SECRET)
    thread = None
    try:
        with OidcProvider(root, clients_for(url), ACCOUNTS) as op, TamperingProxy(op.issuer) as proxy:
            identity_file = root / "identity.yaml"
            identity_file.write_text(identity_yaml(staff_discovery=op.discovery, eid_discovery=op.discovery,
                                                   tampered_discovery=proxy.discovery), encoding="utf-8")
            database = root / "portal.sqlite3"
            upgrade(f"sqlite:///{database}")
            app = create_app({"INSTANCE_PATH": str(root / "instance"), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                              "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False, "PORTAL_DEV_MAILBOX": True,
                              "PORTAL_BASE_URL": url, "PORTAL_IDENTITY_FILE": str(identity_file)})
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            with app.app_context():
                assert seed_demo()
                create_user(SSO_EMAIL, "Sara Ssosson", TEST_PASSWORD, "staff", ["ifo-barn-och-familj"])
                from tests.browser.consent_data import _case

                _case().guardians[0].personal_number = f"{MARIA[:8]}-{MARIA[8:]}"
                db.session.commit()
            holder["app"] = app
            thread = threading.Thread(target=server.serve_forever, name="oidc-portal", daemon=True)
            thread.start()
            yield SimpleNamespace(app=app, url=url, provider=op, proxy=proxy)
    finally:
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if "app" in holder:
            with holder["app"].app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def page(browser, oidc_portal):
    context = browser.new_context(base_url=oidc_portal.url, locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def provider_sign_in(page, login: str) -> None:
    """On the provider's own sign-in page (another origin), as the test person `login`."""
    expect(page.get_by_role("heading", name="Testleverantörens inloggning")).to_be_visible()
    page.get_by_label("Användare").fill(login)
    page.get_by_role("button", name="Logga in hos leverantören").click()


def staff_sso(page, login: str) -> None:
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med Arjeplogs kommuns inloggning").click()
    provider_sign_in(page, login)


def in_app(app, fn):
    with app.app_context():
        return fn()


def sso_user(app):
    from portal.accounts.models import User
    from portal.extensions import db
    from portal.oidc.models import AccountIdentity

    def read():
        user = db.session.scalar(select(User).where(User.email == SSO_EMAIL))
        links = db.session.scalars(select(AccountIdentity).where(AccountIdentity.user_id == user.id)).all()
        return user.unit_keys, [(i.provider, i.subject) for i in links]
    return in_app(app, read)


def test_staff_sign_in_through_the_organisations_provider_and_sign_out_there_too(page, oidc_portal):
    page.goto("/logga-in")
    assert_no_violations(page, "login with SSO")
    staff_sso(page, "sara")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    units, links = sso_user(oidc_portal.app)
    assert links == [("kommunen", "sara")]           # the subject is stored on the first match
    assert units == {"solbackens-skola"}            # from the group mapping; the unknown group gives nothing

    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Du är utloggad från portalen")).to_be_visible()
    assert_no_violations(page, "signed out, provider logout offered")
    page.get_by_role("link", name="Logga ut från Arjeplogs kommuns inloggning också").click()
    page.locator("button[name=logout]").click()   # the provider's own "sign me out" confirmation
    page.wait_for_url(f"{oidc_portal.url}/")
    page.goto("/konto")
    expect(page).to_have_url(f"{oidc_portal.url}/logga-in?next=%2Fkonto")

    # The provider's session ended too: signing in again asks for the user there. The account is
    # now found by its subject, even after its e-mail address changed in the portal.
    from portal.accounts.models import User
    from portal.extensions import db

    def rename():
        db.session.scalar(select(User).where(User.email == SSO_EMAIL)).email = "sara.ny@arjeplog.example"
        db.session.commit()
    in_app(oidc_portal.app, rename)
    try:
        staff_sso(page, "sara")
        expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    finally:
        def back():
            db.session.scalar(select(User).where(User.email == "sara.ny@arjeplog.example")).email = SSO_EMAIL
            db.session.commit()
        in_app(oidc_portal.app, back)


def test_a_person_without_an_account_is_not_signed_in(page, oidc_portal):
    staff_sso(page, "okand")
    expect(page.get_by_role("heading", name="Det gick inte att bekräfta vem du är")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Det finns inget konto i portalen för dig")
    assert_no_violations(page, "SSO refused")
    page.goto("/konto")
    expect(page).to_have_url(f"{oidc_portal.url}/logga-in?next=%2Fkonto")


def test_a_replayed_callback_is_refused(page, oidc_portal):
    with page.expect_request(lambda r: "/oidc/kommunen/callback" in r.url) as callback:
        staff_sso(page, "sara")
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    replay = callback.value.url
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Du är utloggad från portalen")).to_be_visible()
    page.goto(replay)
    expect(page.get_by_role("alert")).to_contain_text("hör inte till en inloggning som pågår här")
    page.goto("/konto")
    expect(page).to_have_url(f"{oidc_portal.url}/logga-in?next=%2Fkonto")


def test_an_expired_state_is_refused(page, oidc_portal):
    app = oidc_portal.app
    config = app.extensions["identity"]
    page.goto("/logga-in")
    page.get_by_role("link", name="Logga in med Arjeplogs kommuns inloggning").click()
    expect(page.get_by_role("heading", name="Testleverantörens inloggning")).to_be_visible()
    app.extensions["identity"] = dataclasses.replace(config, state_minutes=-1)
    try:
        provider_sign_in(page, "sara")
        expect(page.get_by_role("alert")).to_contain_text("tog för lång tid och har gått ut")
    finally:
        app.extensions["identity"] = config
    page.goto("/konto")
    expect(page).to_have_url(f"{oidc_portal.url}/logga-in?next=%2Fkonto")


def _new_link(app):
    """A new consent on the demo case; the first guardian (Maria) gets a personal link."""
    from tests.browser.consent_data import new_sign_token, send_new_consent

    def make():
        consent = send_new_consent()
        return consent.id, new_sign_token(consent)
    return in_app(app, make)


def _first_signer(app, consent_id: int):
    from portal.consent.models import Consent
    from portal.extensions import db

    def read():
        consent = db.session.get(Consent, consent_id)
        s = consent.signers[0]
        return SimpleNamespace(status=s.status, provider=s.identity_provider, assurance=s.assurance,
                               acr=s.identity_acr, verified_name=s.verified_name,
                               events=[e.event for e in consent.events if e.signer_id == s.id])
    return in_app(app, read)


def _choose_eid(page, token: str, label: str = "BankID (test)") -> None:
    page.goto(f"/samtycke/s/{token}")
    page.get_by_role("link", name=f"Legitimera dig med {label}").click()


def test_a_guardian_signs_with_e_legitimation_that_matches(page, oidc_portal):
    consent_id, token = _new_link(oidc_portal.app)
    _choose_eid(page, token)
    provider_sign_in(page, "maria")
    page.get_by_label("Jag har läst texten").check()
    page.get_by_label("Skriv ditt namn").fill("Maria Exempeldotter")
    page.get_by_role("button", name="Ja, jag skriver under").click()
    expect(page.get_by_text("Tack! Du har skrivit under.")).to_be_visible()
    signer = _first_signer(oidc_portal.app, consent_id)
    assert (signer.status, signer.provider, signer.assurance, signer.acr, signer.verified_name) == (
        "signed", "eid", "substantial", LOA3, "Maria Exempeldotter")
    receipt = page.request.get(f"/samtycke/s/{token}/kvitto.pdf")
    assert receipt.ok
    text = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(receipt.body())).pages)
    text = " ".join(text.split())
    signers = text[text.index("Undertecknare Status"):text.index("Händelsekedja")]
    for expected in ("Leverantör: BankID (test)", "LoA3", "legitimationen: Maria Exempeldotter"):
        assert expected in signers, signers

    # The staff member's consent page says the same.
    from tests.browser.consent_data import _case

    from .helpers import login_as

    ref = in_app(oidc_portal.app, lambda: _case().ref)
    page.context.clear_cookies()
    login_as(page, "anna.larare@arjeplog.example")
    page.goto(f"/arenden/{ref}/samtycke/{consent_id}")
    row = page.get_by_role("row").filter(has_text="Maria Exempeldotter")
    expect(row).to_contain_text("BankID (test) (tillitsnivå väsentlig, LoA3)")
    expect(row).to_contain_text("Namn enligt e-legitimationen: Maria Exempeldotter")


def test_a_guardian_whose_e_legitimation_is_someone_else_cannot_sign(page, oidc_portal):
    consent_id, token = _new_link(oidc_portal.app)
    _choose_eid(page, token)
    provider_sign_in(page, "annan")
    expect(page.get_by_role("alert")).to_contain_text("Personnumret i e-legitimationen är inte personnumret")
    assert_no_violations(page, "eID refused")
    signer = _first_signer(oidc_portal.app, consent_id)
    assert signer.status != "signed" and "verified" not in signer.events and "signed" not in signer.events
    page.goto(f"/samtycke/s/{token}")   # still asked who they are: nothing was remembered
    expect(page.get_by_role("heading", name="Bekräfta att det är du")).to_be_visible()


def test_too_low_assurance_is_refused(page, oidc_portal):
    consent_id, token = _new_link(oidc_portal.app)
    _choose_eid(page, token)
    provider_sign_in(page, "maria-lag")
    expect(page.get_by_role("alert")).to_contain_text("för låg tillitsnivå")
    assert "verified" not in _first_signer(oidc_portal.app, consent_id).events


def test_an_altered_id_token_is_refused(page, oidc_portal):
    consent_id, token = _new_link(oidc_portal.app)
    before = oidc_portal.proxy.tampered
    _choose_eid(page, token, "Manipulerad e-legitimation (test)")
    provider_sign_in(page, "maria")
    expect(page.get_by_role("alert")).to_contain_text("kunde inte kontrolleras och har inte godtagits")
    assert oidc_portal.proxy.tampered == before + 1
    assert "verified" not in _first_signer(oidc_portal.app, consent_id).events


def test_an_authority_that_requires_e_legitimation_offers_no_e_mail_code(page, oidc_portal):
    app = oidc_portal.app
    _consent_id, token = _new_link(app)
    page.goto(f"/samtycke/s/{token}")
    expect(page.get_by_role("button", name="Skicka kod till min e-post")).to_be_visible()
    config = app.extensions["identity"]
    app.extensions["identity"] = dataclasses.replace(config, require_eid_for=frozenset({"arjeplogs-kommun"}))
    try:
        page.goto(f"/samtycke/s/{token}")
        expect(page.get_by_role("link", name="Legitimera dig med BankID (test)")).to_be_visible()
        expect(page.get_by_role("button", name="Skicka kod till min e-post")).to_have_count(0)
        assert page.request.get(f"/samtycke/s/{token}/identifiera/email_otp").status == 404
    finally:
        app.extensions["identity"] = config
