"""Behind a reverse proxy: the client's address comes from X-Forwarded-For only when the
deployment says how many proxies it trusts (PORTAL_TRUSTED_PROXIES). Otherwise every request would
share the proxy's address and one person's failed logins would lock everyone out of the rate limit,
while trusting the header without a proxy would let anyone step around the limit."""
from __future__ import annotations


def _login_codes(client, forwarded_for: str, times: int) -> list[int]:
    return [client.post("/logga-in", data={"email": "x@y.example", "password": "nej"},
                        headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(times)]


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_limit(app_factory):
    client = app_factory(RATELIMIT_ENABLED=True).test_client()
    assert _login_codes(client, "10.0.0.1", 10) == [400] * 10
    assert _login_codes(client, "10.0.0.2", 1) == [429]  # the header is not believed: same client


def test_behind_one_trusted_proxy_each_client_has_its_own_limit(app_factory):
    client = app_factory(RATELIMIT_ENABLED=True, PORTAL_TRUSTED_PROXIES=1).test_client()
    assert _login_codes(client, "10.0.0.1", 10) == [400] * 10
    assert _login_codes(client, "10.0.0.1", 1) == [429]
    assert _login_codes(client, "10.0.0.2", 1) == [400]  # another person behind the same proxy
    # A client that forges its own header in front of the proxy's gains nothing: the proxy appends
    # the address it saw, and only that last one is trusted.
    assert _login_codes(client, "10.0.0.99, 10.0.0.1", 1) == [429]


def test_behind_a_trusted_proxy_https_is_recognised(app_factory):
    app = app_factory(PORTAL_TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/__scheme")
    def scheme():
        from flask import request

        seen["scheme"], seen["remote"] = request.scheme, request.remote_addr
        return ""

    app.test_client().get("/__scheme", headers={"X-Forwarded-For": "192.0.2.7", "X-Forwarded-Proto": "https"})
    assert seen == {"scheme": "https", "remote": "192.0.2.7"}
