"""Limits are shared: the sign-in limit (10 attempts a minute from one address) counts across both
app instances behind nginx through Redis, and restarting an instance does not reset it.

The attempts come from 127.0.0.2 (all of 127/8 is this machine): nginx passes that address on in
X-Forwarded-For, the portal (PORTAL_TRUSTED_PROXIES=1) limits by it, and the browser journeys,
which come from 127.0.0.1, are not touched."""
from __future__ import annotations

import http.client
import re
import ssl
import urllib.parse

import pytest
import redis

pytestmark = pytest.mark.deployed

ATTEMPTS = 10  # portal/accounts/routes.py: "10 per minute" on POST /logga-in
CLIENT = "127.0.0.2"


class Client:
    """HTTPS to nginx from CLIENT, keeping the session cookie, as a browser posts the form."""

    def __init__(self, stack):
        self.stack = stack
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.stack.nginx_port, timeout=30,
                                           context=ssl._create_unverified_context(), source_address=(CLIENT, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": self.stack.url})
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            cookies = response.msg.get_all("Set-Cookie") or []
        finally:
            conn.close()
        for cookie in cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response.status, text

    def open_login(self) -> None:
        status, html = self.request("GET", "/logga-in")
        assert status == 200
        self.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def attempt(self) -> tuple[int, str]:
        return self.request("POST", "/logga-in", {"csrf_token": self.token, "email": "ingen.alls@exempel.example",
                                                  "password": "fel-lösenord-1234"})


def login_answers(stack, name: str) -> list[str]:
    return [line.split()[-1] for line in stack.served_by(name) if " POST /logga-in " in line]


def test_the_sign_in_limit_counts_across_instances_and_survives_a_restart(stack):
    stack.wait_until_both_serve()
    before = {name: len(login_answers(stack, name)) for name in ("app1", "app2")}
    client = Client(stack)
    client.open_login()
    statuses = [client.attempt()[0] for _ in range(ATTEMPTS)]
    assert statuses == [400] * ATTEMPTS, statuses  # wrong e-mail or password, shown on the form
    answered = {name: login_answers(stack, name)[before[name]:] for name in ("app1", "app2")}
    assert answered["app1"] and answered["app2"], f"nginx sent every attempt to one instance: {answered}"

    status, html = client.attempt()
    assert status == 429, f"the {ATTEMPTS + 1}th attempt through the other instance was let through ({status})"
    assert "För många försök" in html
    store = redis.Redis(host="127.0.0.1", port=stack.processes["redis"].port)
    try:
        assert store.keys("LIMITS*"), "no limit counter in Redis"
    finally:
        store.close()

    # A restarted instance reads the same counter: still refused, by the new process too.
    answered_before = len(login_answers(stack, "app1"))
    stack.processes["app1"].stop()
    stack.start_app("app1")
    for _ in range(6):
        status, _html = client.attempt()
        assert status == 429, f"the limit was reset by the restart ({status})"
        if login_answers(stack, "app1")[answered_before:]:
            break
    after_restart = login_answers(stack, "app1")[answered_before:]
    assert after_restart and set(after_restart) == {"429"}, f"the restarted instance answered {after_restart}"
