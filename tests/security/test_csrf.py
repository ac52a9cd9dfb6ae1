"""CSRF: every POST route in app.url_map refuses a missing or wrong token with 400 and the
Swedish message, for a user who may otherwise use it, and accepts the right token.
Documented exemptions: none (EXEMPT must stay equal to Flask-WTF's own exemption lists)."""
from __future__ import annotations

import pytest

from tests.helpers import TEST_PASSWORD, csrf_token_from
from tests.support.security import EMAILS, ROLES, client_for
from tests.security.test_access_matrix import LOGIN, MATRIX, _url

# endpoint -> why it may be posted without a token. There are none, and there should be none.
EXEMPT: dict[str, str] = {}
REFUSED = {LOGIN, 403, 404, 405}


def _allowed_role(endpoint: str) -> str:
    answers = MATRIX[endpoint]["POST"]
    for role in ("own", "manager", "admin", "guardian", "withdrawn", "other", "anon"):
        if answers[role] not in REFUSED:
            return role
    return "anon"  # nobody may: still refused for CSRF first


def _token(client) -> str:
    for page in ("/konto", "/logga-in"):
        response = client.get(page)
        if response.status_code == 200:
            return csrf_token_from(response.get_data(as_text=True))
    raise AssertionError("no page with a CSRF token")


def _logged_in(app, world, role):
    if role not in EMAILS:
        return client_for(app, world, role)
    client = app.test_client()
    token = _token(client)
    response = client.post("/logga-in", data={"email": EMAILS[role], "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def test_no_view_or_blueprint_is_exempt_from_csrf(app):
    from portal.extensions import csrf

    assert set(csrf._exempt_views) == set(EXEMPT)
    assert not csrf._exempt_blueprints


def test_every_post_route_refuses_a_missing_or_wrong_token(world_app):
    app, world = world_app(WTF_CSRF_ENABLED=True)
    clients: dict[str, object] = {}
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in EXEMPT]
    assert posts, "the portal has POST routes"
    wrong = []
    for rule in sorted(posts, key=lambda r: (MATRIX.get(r.endpoint, {}).get("order", 0), r.endpoint)):
        role = _allowed_role(rule.endpoint)
        client = clients.get(role) or clients.setdefault(role, _logged_in(app, world, role))
        url = _url(app, world, rule, role)
        for label, data in (("missing", {"_": ""}), ("wrong", {"csrf_token": "fel-token"}),
                            ("another session's", {"csrf_token": _token(app.test_client())})):
            response = client.post(url, data=data)
            body = response.get_data(as_text=True)
            if response.status_code != 400 or "säkerhetskod" not in body:
                wrong.append(f"{rule.endpoint} ({role}), {label} token: {response.status_code}")
        if rule.endpoint == "accounts.logout":
            continue  # the right token would end the session the other routes need
        response = client.post(url, data={"csrf_token": _token(client)})
        if response.status_code == 500 or "säkerhetskod" in response.get_data(as_text=True):
            wrong.append(f"{rule.endpoint} ({role}), right token: {response.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", [r for r in ROLES if r in EMAILS])
def test_the_token_is_bound_to_the_session(app_factory, role):
    """A token from one browser is worthless in another, signed in or not."""
    app = app_factory(WTF_CSRF_ENABLED=True)
    from portal.accounts.service import create_user
    from portal.extensions import db
    from tests.support.security import ACCOUNT

    with app.app_context():
        create_user(EMAILS[role], "Offer Offersson", TEST_PASSWORD, *ACCOUNT[role])
        db.session.commit()
    victim = _logged_in(app, None, role)
    attacker = app.test_client()
    stolen = _token(attacker)
    response = victim.post("/konto", data={"csrf_token": stolen, "current_password": TEST_PASSWORD,
                                           "new_password": "Ett-helt-nytt-losenord-1", "confirm": "Ett-helt-nytt-losenord-1"})
    assert response.status_code == 400 and "säkerhetskod" in response.get_data(as_text=True)
