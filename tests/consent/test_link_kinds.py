"""Issue 27: the family's plan link was taken as a consent link on the consent pages (receipt,
registerutdrag, withdrawal). Each personal link works only for what it was sent for: the links to
sign and to withdraw (sent with the receipt) open the signer's pages; the plan link opens the
family's plan pages. Every route that takes a token is tried with every kind it must refuse, in a
session that has verified that very link with its one-time code."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.consent import ask_for_consent
from tests.helpers import login
from tests.support.security import consent_links, deliver, outbox_texts_to, sign_link, verify_link

VERA, VILLE = "vh1@familj.example", "vh2@familj.example"
INVALID = "Länken fungerar inte"

# (method, path after /samtycke/s/<token>, form data)
CONSENT_ROUTES = [
    ("GET", "", None),
    ("GET", "/identifiera/email_otp", None),
    ("POST", "/identifiera/email_otp", {"action": "send"}),
    ("POST", "/skriv-under", {"understood": "y", "name": "Vårdnadshavare 1", "text_sha256": "0" * 64}),
    ("GET", "/sag-nej", None),
    ("POST", "/sag-nej", {"reason": ""}),
    ("GET", "/aterkalla", None),
    ("POST", "/aterkalla", {"confirm": "y"}),
    ("GET", "/kvitto.pdf", None),
    ("GET", "/registerutdrag", None),
    ("GET", "/registerutdrag.pdf", None),
]
# (method, path after /min-plan/<token>, form data); {plan} and {number} are the proposed version
PLAN_ROUTES = [
    ("GET", "", None),
    ("GET", "/kod", None),
    ("POST", "/kod", {"action": "send"}),
    ("POST", "/kod", {"action": "verify", "code": "123456"}),
    ("POST", "/godkann/{plan}/{number}", {}),
    ("GET", "/plan/{plan}/{number}.pdf", None),
]


@pytest.fixture
def links(app, make_user, make_case):
    """A valid consent signed by both guardians through their e-mailed links; for the first
    guardian's signer, the three links: to sign, to withdraw (from the receipt) and the plan link."""
    from portal.consent.models import ConsentSigner
    from portal.extensions import db
    from portal.plans import family_links

    staff_id = make_user("anna.larare@skola.example", units=("solbackens-skola",), name="Anna Lärarsson")
    make_user("britt.bup@region.example", units=("bup-pite-alvdal",), name="Britt Bupsson")
    ref = make_case(staff_id)
    staff = app.test_client()
    login(staff, "anna.larare@skola.example")
    consent_id = ask_for_consent(staff, ref, child_include="nej")
    deliver(app)
    sign = consent_links(app, VERA)[consent_id]
    for address, token, name in ((VERA, sign, "Vårdnadshavare 1"),
                                 (VILLE, consent_links(app, VILLE)[consent_id], "Vårdnadshavare 2")):
        client = app.test_client()
        verify_link(app, client, token, address)
        sign_link(app, client, token, name)
    deliver(app)
    withdraw = [t for body in outbox_texts_to(app, VERA) for t in re.findall(r"/samtycke/s/([A-Za-z0-9_-]{43})", body)
                if t != sign][-1]
    with app.app_context():
        signer = db.session.scalar(select(ConsentSigner).where(ConsentSigner.consent_id == consent_id,
                                                               ConsentSigner.email == VERA))
        plan = family_links.issue_link(signer)
        db.session.commit()
    response = staff.post(f"/arenden/{ref}/planer/ny", data={})
    plan_id = int(re.search(r"/planer/(\d+)/", response.headers["Location"]).group(1))
    return {"sign": sign, "withdraw": withdraw, "plan": plan, "consent_id": consent_id, "plan_id": plan_id}


def verified_for_plan_link(app, token: str):
    """A browser that has verified the plan link with its code on the family's own page."""
    client = app.test_client()
    assert client.post(f"/min-plan/{token}/kod", data={"action": "send"}).status_code == 302
    deliver(app)
    code = re.search(r"Din kod är: (\d{6})", outbox_texts_to(app, VERA)[-1]).group(1)
    response = client.post(f"/min-plan/{token}/kod", data={"action": "verify", "code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/min-plan/{token}")
    assert "Bekräfta att det är du" not in client.get(f"/min-plan/{token}").get_data(as_text=True)
    return client


def state(app, consent_id: int) -> tuple:
    """What a refused request must leave as it was: the consent, its signers, codes and e-mails."""
    from portal.consent.models import Consent, ConsentLink
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        return (consent.status, tuple(s.status for s in consent.signers),
                tuple(db.session.scalars(select(ConsentLink.otp_hash).order_by(ConsentLink.id))),
                db.session.scalar(select(func.count(OutboxMessage.id))))


def call(client, method: str, path: str, data):
    return client.get(path) if method == "GET" else client.post(path, data=data or {})


def test_the_plan_link_opens_none_of_the_consent_pages(app, links):
    client = verified_for_plan_link(app, links["plan"])
    before = state(app, links["consent_id"])
    for method, rest, data in CONSENT_ROUTES:
        response = call(client, method, f"/samtycke/s/{links['plan']}{rest}", data)
        assert response.status_code == 404, (method, rest, response.status_code)
        assert INVALID in response.get_data(as_text=True), (method, rest)
    assert state(app, links["consent_id"]) == before


@pytest.mark.parametrize("kind", ["sign", "withdraw"])
def test_the_consent_links_open_none_of_the_family_plan_pages(app, links, kind):
    client = app.test_client()
    verify_link(app, client, links[kind], VERA)   # verified on the consent pages, for this very link
    before = state(app, links["consent_id"])
    for method, rest, data in PLAN_ROUTES:
        path = f"/min-plan/{links[kind]}" + rest.format(plan=links["plan_id"], number=1)
        response = call(client, method, path, data)
        assert response.status_code == 404, (kind, method, rest, response.status_code)
        assert INVALID in response.get_data(as_text=True), (kind, method, rest)
    assert state(app, links["consent_id"]) == before


def test_the_withdrawal_link_cannot_sign_or_say_no(app, links):
    client = app.test_client()
    verify_link(app, client, links["withdraw"], VERA)
    before = state(app, links["consent_id"])
    for method, rest, data in CONSENT_ROUTES:
        if rest in ("/skriv-under", "/sag-nej"):
            response = call(client, method, f"/samtycke/s/{links['withdraw']}{rest}", data)
            assert response.status_code == 302 and response.headers["Location"].endswith(f"/samtycke/s/{links['withdraw']}")
    assert state(app, links["consent_id"]) == before


def test_each_link_still_works_for_what_it_was_sent_for(app, links):
    family = verified_for_plan_link(app, links["plan"])
    assert family.get(f"/min-plan/{links['plan']}").status_code == 200
    for kind in ("sign", "withdraw"):
        client = app.test_client()
        verify_link(app, client, links[kind], VERA)
        for rest in ("", "/kvitto.pdf", "/registerutdrag", "/aterkalla"):
            response = client.get(f"/samtycke/s/{links[kind]}{rest}")
            assert response.status_code == 200, (kind, rest)


def test_find_link_needs_the_kinds_the_page_takes(app, links):
    from portal.consent.tokens import find_link

    with app.app_context():
        assert find_link(links["plan"], kinds=("plan",)).kind == "plan"
        assert find_link(links["plan"], kinds=("sign", "withdraw")) is None
        assert find_link(links["withdraw"], kinds=("withdraw",)).kind == "withdraw"
        assert find_link(links["sign"], kinds=("plan",)) is None
        for wrong in ((), "sign"):
            with pytest.raises(TypeError):
                find_link(links["sign"], kinds=wrong)
