"""A real OpenID provider for the tests: panva's oidc-provider (tests/oidc, installed by `make test`
with `npm ci`) run by Node.js on loopback, and a small loopback proxy that alters the ID token on
its way from the token endpoint (to prove that a tampered token is refused).

    with OidcProvider(tmp_path, clients=[...], accounts={...}) as op:
        op.issuer                      # http://127.0.0.1:<port>
    with TamperingProxy(op.issuer) as proxy:
        proxy.discovery                # discovery whose token_endpoint is the proxy's"""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from stdnum import luhn

from tests.helpers import ROOT

OIDC_DIR = ROOT / "tests" / "oidc"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
PNR_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
PNR_SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"


def personal_number(born: str, serial: str = "238") -> str:
    """A valid 12-digit personal number (YYYYMMDDNNNC) for a birth date YYYYMMDD."""
    return f"{born}{serial}{luhn.calc_check_digit(born[2:] + serial)}"


def provider_available() -> bool:
    return shutil.which("node") is not None and (OIDC_DIR / "node_modules" / "oidc-provider").is_dir()


def skip_without_provider():
    """The real provider is part of the suite: without it the test fails and says how to install it."""
    if not provider_available():
        pytest.fail("oidc-provider is not installed: `make test` installs it (or run: npm ci --prefix tests/oidc)")


class OidcProvider:
    def __init__(self, workdir: Path, clients: list[dict], accounts: dict[str, dict]):
        self.config = Path(workdir) / "oidc-provider.json"
        self.config.write_text(json.dumps({"clients": clients, "accounts": accounts}), encoding="utf-8")
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def __enter__(self) -> "OidcProvider":
        self.process = subprocess.Popen(["node", str(OIDC_DIR / "provider.mjs"), str(self.config)], cwd=OIDC_DIR,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = self.process.stdout.readline()
            if not line.startswith("LISTENING "):
                raise RuntimeError(f"oidc-provider did not start: {line!r}")
            self.issuer = line.split()[1]
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def discovery(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def tamper_id_token(id_token: str) -> str:
    """The same token with one claim changed in its payload; the signature is left as it was."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims[PNR_CLAIM] = personal_number("19800101")
    claims["name"] = "Någon Annan"
    altered = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, altered, signature))


class TamperingProxy:
    """Serves the provider's discovery document with the token endpoint pointed here, and forwards
    token requests to the provider, altering the ID token in the answer."""

    def __init__(self, issuer: str):
        self.issuer = issuer
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> "TamperingProxy":
        upstream = self.issuer
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/.well-known/openid-configuration":
                    return self._send(404, b"{}")
                metadata = requests.get(f"{upstream}{self.path}", timeout=10).json()
                outer.token_endpoint = metadata["token_endpoint"]
                metadata["token_endpoint"] = f"{outer.url}/token"
                return self._send(200, json.dumps(metadata).encode())

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
                answer = requests.post(outer.token_endpoint, data=body, headers=headers, timeout=10)
                data = answer.json()
                if "id_token" in data:
                    data["id_token"] = tamper_id_token(data["id_token"])
                    outer.tampered += 1
                return self._send(answer.status_code, json.dumps(data).encode())

        self.tampered = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-tampering-proxy", daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)

    @property
    def discovery(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"


def identity_yaml(*, staff_discovery: str, eid_discovery: str, tampered_discovery: str = "",
                  require_eid_for: tuple[str, ...] = (), password: bool = True) -> str:
    providers = [
        {"key": "kommunen", "kind": "staff", "label": "Arjeplogs kommuns inloggning", "discovery": staff_discovery,
         "client_id": "portal-staff", "client_secret_env": "PORTAL_TEST_OIDC_STAFF_SECRET",
         "scopes": ["openid", "email", "profile", "groups"],
         "unit_groups": {"grp-solbacken": "solbackens-skola", "grp-ifo": "ifo-barn-och-familj"}},
        {"key": "eid", "kind": "citizen", "label": "BankID (test)", "discovery": eid_discovery,
         "client_id": "portal-eid", "client_secret_env": "PORTAL_TEST_OIDC_EID_SECRET",
         "scopes": ["openid", "profile", PNR_SCOPE], "acr_values": LOA3,
         "assurance": {LOA3: "substantial", "http://id.elegnamnden.se/loa/1.0/loa4": "high", LOA2: "low"}},
    ]
    if tampered_discovery:
        providers.append({**providers[1], "key": "eid-manipulerad", "label": "Manipulerad e-legitimation (test)",
                          "discovery": tampered_discovery})
    return json.dumps({"staff_login": {"password": password}, "providers": providers,
                       "consent": {"require_eid_for": list(require_eid_for)}}, ensure_ascii=False)


STAFF_SECRET = "staff-secret-for-tests-only"
EID_SECRET = "eid-secret-for-tests-only"


def clients_for(portal_url: str) -> list[dict]:
    return [
        {"client_id": "portal-staff", "client_secret": STAFF_SECRET, "grant_types": ["authorization_code"],
         "response_types": ["code"], "redirect_uris": [f"{portal_url}/oidc/kommunen/callback"],
         "post_logout_redirect_uris": [f"{portal_url}/"]},
        {"client_id": "portal-eid", "client_secret": EID_SECRET, "grant_types": ["authorization_code"],
         "response_types": ["code"], "redirect_uris": [f"{portal_url}/oidc/eid/callback",
                                                       f"{portal_url}/oidc/eid-manipulerad/callback"]},
    ]
