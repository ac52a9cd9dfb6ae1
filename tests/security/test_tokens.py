"""Personal links and one-time codes (consent, and the family's plan link built on it):
codes lock after a few wrong tries and are rate limited; a link and its code belong to one
signer; expired, replaced and used links are refused; token and code checks compare in
constant time."""
from __future__ import annotations

import ast
import hmac
import inspect
import re
import textwrap

import pytest
from sqlalchemy import func, select

from tests.helpers import login
from tests.support.security import EMAILS, deliver, outbox_texts_to, sign_link, verify_link

VERA, VILLE = "vera@familj.example", "ville@familj.example"


@pytest.fixture
def sent(app_factory):
    """A case with two guardians and a consent sent to both by e-mail; returns (app, tokens)."""
    def make(**config):
        from tests.support.consent import ask_for_consent
        from tests.support.security import build_world, BUILDERS, consent_links

        app = app_factory(**config)
        saved = list(BUILDERS)
        BUILDERS.clear()  # only the accounts and the case
        try:
            world = build_world(app)
        finally:
            BUILDERS.extend(saved)
        staff = app.test_client()
        login(staff, EMAILS["own"])
        consent_id = ask_for_consent(staff, world.case_ref, units=("solbackens-skola", "bup-pite-alvdal"),
                                     child_include="nej")
        deliver(app)
        tokens = {VERA: consent_links(app, VERA)[consent_id], VILLE: consent_links(app, VILLE)[consent_id]}
        return app, world, consent_id, tokens, staff
    return make


def _send_code(app, client, token, address) -> str:
    assert client.post(f"/samtycke/s/{token}/identifiera/email_otp", data={"action": "send"}).status_code == 302
    deliver(app)
    return re.search(r"Din kod är: (\d{6})", outbox_texts_to(app, address)[-1]).group(1)


def _try(client, token, code):
    return client.post(f"/samtycke/s/{token}/identifiera/email_otp", data={"action": "verify", "code": code})


def _link(app, token):
    from portal.consent.tokens import find_link
    from portal.extensions import db

    with app.app_context():
        link = find_link(token, kinds=("sign",))
        db.session.expunge(link)
        return link


def test_a_link_locks_after_five_wrong_codes_and_then_refuses_even_the_right_one(sent):
    app, _world, _cid, tokens, _staff = sent()
    token, client = tokens[VERA], app.test_client()
    right = _send_code(app, client, token, VERA)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        response = _try(client, token, wrong)
        assert response.status_code == 400
        tries = "ett försök" if left == 1 else f"{left} försök"
        assert f"Koden stämmer inte. Du har {tries} kvar" in response.get_data(as_text=True)
    locked = _try(client, token, wrong)
    assert locked.status_code == 302
    page = client.get(f"/samtycke/s/{token}").get_data(as_text=True)
    assert "Länken är låst" in page
    assert _link(app, token).locked_at is not None
    # The right code no longer helps, nor does a new one.
    after = _try(client, token, right)
    assert "Länken är låst" in after.get_data(as_text=True)
    assert client.post(f"/samtycke/s/{token}/identifiera/email_otp", data={"action": "send"}).status_code == 200
    sign = client.post(f"/samtycke/s/{token}/skriv-under", data={"understood": "y", "name": "Vera Vårdnadshavare"})
    assert "Länken är låst" in sign.get_data(as_text=True)
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "consent.locked")) == 1


def test_code_attempts_and_link_pages_are_rate_limited(sent):
    app, _world, _cid, tokens, _staff = sent(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [_try(client, tokens[VERA], "000000").status_code for _ in range(12)]
    assert 429 in codes and codes.index(429) <= 10
    assert "För många försök" in _try(client, tokens[VERA], "000000").get_data(as_text=True)


def test_a_link_and_its_code_belong_to_one_signer(sent):
    app, _world, _cid, tokens, _staff = sent()
    browser = app.test_client()
    verify_link(app, browser, tokens[VERA], VERA)
    assert "Ja, jag skriver under" in browser.get(f"/samtycke/s/{tokens[VERA]}").get_data(as_text=True)
    # Verified for Vera's link is nothing on Ville's, in the same browser.
    ville_page = browser.get(f"/samtycke/s/{tokens[VILLE]}").get_data(as_text=True)
    assert "Bekräfta att det är du" in ville_page and "Ja, jag skriver under" not in ville_page
    refused = browser.post(f"/samtycke/s/{tokens[VILLE]}/skriv-under", data={"understood": "y", "name": "Vera Vårdnadshavare"})
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"/samtycke/s/{tokens[VILLE]}")
    # Vera's fresh code does not open Ville's link (codes are bound to the link).
    veras_code = _send_code(app, browser, tokens[VERA], VERA)
    _send_code(app, browser, tokens[VILLE], VILLE)
    assert "Koden stämmer inte" in _try(browser, tokens[VILLE], veras_code).get_data(as_text=True)
    # Nothing was signed for Ville.
    from portal.consent.models import ConsentSigner
    from portal.extensions import db

    with app.app_context():
        assert db.session.scalar(select(ConsentSigner.signed_at).where(ConsentSigner.email == VILLE)) is None


def test_expired_replaced_and_tampered_links_are_refused(sent):
    app, world, consent_id, tokens, staff = sent()
    from portal.consent.models import ConsentLink, ConsentSigner
    from portal.consent.tokens import hash_token
    from portal.extensions import db
    from portal.timeutil import utcnow

    # Time passes beyond the link's end (the link row's end moved back stands for the clock moving on).
    with app.app_context():
        link = db.session.scalar(select(ConsentLink).where(ConsentLink.token_hash == hash_token(tokens[VERA])))
        link.expires_at = utcnow().replace(microsecond=0) - __import__("datetime").timedelta(seconds=1)
        db.session.commit()
    client = app.test_client()
    page = client.get(f"/samtycke/s/{tokens[VERA]}")
    assert "Länken har gått ut" in page.get_data(as_text=True)
    assert "Länken har gått ut" in client.post(f"/samtycke/s/{tokens[VERA]}/identifiera/email_otp",
                                               data={"action": "send"}).get_data(as_text=True)
    # Staff send Ville a new link: the old one is replaced.
    with app.app_context():
        signer_id = db.session.scalar(select(ConsentSigner.id).where(ConsentSigner.email == VILLE))
    assert staff.post(f"/arenden/{world.case_ref}/samtycke/{consent_id}/undertecknare/{signer_id}/ny-lank").status_code == 302
    assert "Länken har ersatts" in client.get(f"/samtycke/s/{tokens[VILLE]}").get_data(as_text=True)
    # A token with one character changed, or the wrong length, is unknown: a plain 404.
    token = tokens[VILLE]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, token[:-1], token + "A", "../" + token[:40], "%00" + token[:40]):
        assert client.get(f"/samtycke/s/{bad}").status_code == 404


def test_a_used_link_cannot_sign_again_and_a_used_code_is_spent(sent):
    app, _world, consent_id, tokens, _staff = sent()
    browser = app.test_client()
    token = tokens[VERA]
    code = _send_code(app, browser, token, VERA)
    assert _try(browser, token, code).status_code == 302
    sign_link(app, browser, token, "Vera Vårdnadshavare")
    again = browser.post(f"/samtycke/s/{token}/skriv-under", data={"understood": "y", "name": "Vera Vårdnadshavare"})
    assert again.status_code == 302
    # The same code in another browser: spent.
    other = app.test_client()
    assert "Koden stämmer inte" in _try(other, token, code).get_data(as_text=True) or \
        "Koden gäller inte längre" in _try(other, token, code).get_data(as_text=True)
    assert "Bekräfta att det är du" in other.get(f"/samtycke/s/{token}").get_data(as_text=True)
    from portal.consent.models import ConsentEvent
    from portal.extensions import db

    with app.app_context():
        signed = db.session.scalar(select(func.count()).select_from(ConsentEvent)
                                   .where(ConsentEvent.consent_id == consent_id, ConsentEvent.event == "signed"))
    assert signed == 1


def test_token_and_code_checks_compare_in_constant_time(sent, monkeypatch):
    """find_link and code_matches decide with hmac.compare_digest, for right and wrong input."""
    app, _world, _cid, tokens, _staff = sent()
    from portal.consent import tokens as token_module
    from portal.extensions import db

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(token_module.hmac, "compare_digest", spy)
    with app.app_context():
        link = token_module.find_link(tokens[VERA], kinds=("sign",))
        assert link is not None and calls, "find_link did not use compare_digest"
        calls.clear()
        assert token_module.code_matches(link, "123456") is False  # no code issued yet: refused before comparing
        link.otp_hash = token_module.hash_code(link.id, "654321")
        for code, expected in (("654321", True), ("654320", False), (" 654 321 ", True)):
            calls.clear()
            assert token_module.code_matches(link, code) is expected
            assert calls == [(64, 64)], "code_matches must compare two HMACs with compare_digest"
        db.session.rollback()


SECRET_NAMES = re.compile(r"(token|otp|code_hash|token_hash|secret|password)", re.IGNORECASE)


def _plain_comparisons_of_secrets(module, source: str | None = None) -> list[str]:
    """`==`/`!=` between values named like secrets, outside SQL expressions (Class.column == ...)."""
    tree = ast.parse(textwrap.dedent(source if source is not None else inspect.getsource(module)))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
            continue
        sides = [node.left, *node.comparators]
        if any(isinstance(s, ast.Attribute) and isinstance(s.value, ast.Name) and s.value.id[:1].isupper() for s in sides):
            continue  # a SQL expression: the lookup by hash, then compare_digest
        if any(isinstance(s, ast.Constant) for s in sides):
            continue  # against a literal (an empty value, a kind), not a secret
        names = [ast.unparse(s) for s in sides]
        if any(SECRET_NAMES.search(n) for n in names):
            found.append(f"{getattr(module, '__name__', module)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_a_plain_comparison():
    source = ("def f(link, digest, code):\n"
              "    q = select(ConsentLink).where(ConsentLink.token_hash == digest)\n"
              "    if link.otp_hash == '':\n        return False\n"
              "    return link.token_hash == digest or code != link.otp_code\n")
    assert [h.split(": ", 1)[1] for h in _plain_comparisons_of_secrets("snippet", source)] == [
        "link.token_hash == digest", "code != link.otp_code"]


def test_no_secret_is_compared_with_plain_equality(app):
    import portal.accounts.passwords
    import portal.accounts.service
    import portal.consent.api
    import portal.consent.otp
    import portal.consent.routes
    import portal.consent.service
    import portal.consent.tokens
    import portal.plans.family
    import portal.plans.family_links

    modules = [portal.consent.tokens, portal.consent.service, portal.consent.otp, portal.consent.routes,
               portal.consent.api, portal.plans.family, portal.plans.family_links, portal.accounts.service, portal.accounts.passwords]
    found = [hit for m in modules for hit in _plain_comparisons_of_secrets(m)]
    assert not found, found
