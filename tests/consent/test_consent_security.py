"""Consent links: stored only as hashes, rate limited, kept out of logs; the public page."""
from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import select

from portal.consent.readability import lix
from tests.support.consent import (ask_for_consent, deliver, link_in, main_text, mails_to, setup_people, staff_client,
                                   verify_by_code)


@pytest.fixture
def sent(app_factory, make_user, make_case, smtp_sink):
    def make(**config):
        app = app_factory(**smtp_sink.config(**config))
        smtp_sink.start()
        s = setup_people(app, make_user, make_case, age=15)
        s.sink = smtp_sink
        consent_id = ask_for_consent(staff_client(app), s.ref)
        deliver(app, smtp_sink, expect=3)
        return s, consent_id
    return make


def _dump(app) -> str:
    """Every value in every table, as text."""
    from portal.extensions import db
    from portal.models import import_all

    import_all()
    parts = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts)


def test_tokens_and_codes_are_stored_only_as_hashes(sent):
    s, _consent_id = sent()
    path = link_in(mails_to(s.sink, "vh1@familj.example")[0])
    token = path.rsplit("/", 1)[1]
    verify_by_code(s.app, s.sink, s.app.test_client(), path)
    code = s.sink.messages[-1].get_body(("plain",)).get_content().split("Din kod är: ")[1][:6]
    dump = _dump(s.app)
    # the outbox keeps what it sent (notify's retention clears it); our own tables never hold either
    from portal.notify.models import OutboxMessage
    from portal.extensions import db

    with s.app.app_context():
        for m in db.session.scalars(select(OutboxMessage)).all():
            dump = dump.replace(m.body_text, "").replace(m.body_html, "")
    assert token not in dump and code not in dump
    assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_the_link_pages_are_rate_limited(sent):
    s, _consent_id = sent(RATELIMIT_ENABLED=True)
    path = link_in(mails_to(s.sink, "vh1@familj.example")[0])
    client = s.app.test_client()
    codes = [client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": "123456"}).status_code
             for _ in range(12)]
    assert 429 in codes
    statuses = [client.get("/samtycke/s/" + "A" * 43).status_code for _ in range(65)]
    assert statuses[0] == 404 and statuses[-1] == 429


def test_tokens_never_reach_the_request_log(app, caplog):
    logger = logging.getLogger("werkzeug")  # the development server's request log (gunicorn's is filtered too)
    token = "Zk3x" * 10 + "abc"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('%s - - [%s] "%s" %s %s', "127.0.0.1", "now", f"GET /samtycke/s/{token}/identifiera/email_otp HTTP/1.1", 200, "-")
    assert token not in caplog.text
    assert "/samtycke/s/[dold]/identifiera/email_otp" in caplog.text


def test_the_public_page_explains_signing_in_plain_swedish(client):
    page = client.get("/samtycke/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Skriv under ett samtycke</h1>" in html and "Vi skickar en kod till din e-post" in html
    assert "Har barnet två vårdnadshavare måste båda säga ja" in html
    assert "Är du 18 år eller äldre bestämmer du själv" in html
    assert lix(main_text(html)) <= 40
    start = client.get("/").get_data(as_text=True)
    assert 'href="/samtycke/"' in start
