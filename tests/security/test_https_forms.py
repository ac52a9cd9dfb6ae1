"""Forms over HTTPS behind a proxy: browsers send no Referer when a page says so, and Flask-WTF's
strict Referer check refused every post (issue 27). The portal checks Origin / Sec-Fetch-Site
instead: a post from its own pages is taken with or without a Referer, a post from another site is
refused even with a valid token."""
from __future__ import annotations

import pytest

from tests.helpers import TEST_PASSWORD, csrf_token_from

HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
BASE = "https://samverkan.example.se"


@pytest.fixture
def https_app(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True, PORTAL_TRUSTED_PROXIES=1, PORTAL_BASE_URL=BASE,
                      SESSION_COOKIE_SECURE=True)
    return app


def _client(app):
    return app.test_client()


def _login(client, headers):
    page = client.get("/logga-in", headers=HTTPS, base_url=BASE)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/logga-in", headers={**HTTPS, **headers}, base_url=BASE,
                       data={"email": "anna@skola.example", "password": TEST_PASSWORD, "csrf_token": token})


def _user(app):
    from portal.accounts.service import create_user
    from portal.extensions import db

    with app.app_context():
        create_user("anna@skola.example", "Anna Lärare", TEST_PASSWORD, "staff", ["solbackens-skola"])
        db.session.commit()


@pytest.mark.parametrize("headers", [
    {},  # no Referer, no Origin: an old client or a privacy proxy; the token alone decides
    {"Origin": BASE, "Sec-Fetch-Site": "same-origin"},  # what Chromium sends with the referrer policy
    {"Origin": BASE, "Referer": BASE + "/logga-in"},
    {"Referer": BASE + "/logga-in"},
], ids=["token-only", "origin-and-fetch-site", "origin-and-referer", "referer-only"])
def test_a_sign_in_over_https_from_the_portal_s_own_page_is_taken(https_app, headers):
    _user(https_app)
    response = _login(_client(https_app), headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "http://samverkan.example.se"},  # the same host without TLS is another origin
    {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    {"Sec-Fetch-Site": "same-site"},
    {"Referer": "https://evil.example/page"},
    {"Origin": "null"},
], ids=["other-site", "plain-http", "cross-site", "same-site", "referer-elsewhere", "opaque-origin"])
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(https_app, headers):
    _user(https_app)
    response = _login(_client(https_app), headers)
    assert response.status_code == 400
    assert "annan webbplats" in response.get_data(as_text=True)


def test_the_referrer_policy_keeps_personal_links_on_the_portal(https_app):
    response = _client(https_app).get("/", headers=HTTPS, base_url=BASE)
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin"}
    assert https_app.config["WTF_CSRF_SSL_STRICT"] is False
