"""OpenID Connect without a browser: content/identity.yaml, the claim rules, the sign-in page by
configuration and a provider that cannot be reached. The journeys through a real provider are in
tests/browser/test_oidc_journeys.py."""
from __future__ import annotations

import json
import socket

import pytest

from portal.oidc.config import IdentityConfigError, load_identity_config
from portal.oidc.rules import assurance_of, meets, same_person, units_from_groups
from tests.helpers import TEST_PASSWORD
from tests.support.oidc import LOA2, LOA3, identity_yaml, personal_number


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/.well-known/openid-configuration"


def _write(tmp_path, text: str):
    path = tmp_path / "identity.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_file_means_password_sign_in_and_e_mail_codes_only(tmp_path):
    config = load_identity_config(tmp_path / "saknas.yaml")
    assert config.providers == {} and config.password_login


def test_the_file_is_read_with_secrets_from_the_environment(tmp_path):
    path = _write(tmp_path, identity_yaml(staff_discovery="https://idp.example/.well-known/openid-configuration",
                                          eid_discovery="https://eid.example/.well-known/openid-configuration",
                                          require_eid_for=("region-norrbotten",)))
    config = load_identity_config(path, environ={"PORTAL_TEST_OIDC_EID_SECRET": "hemligt"})
    staff, eid = config.providers["kommunen"], config.providers["eid"]
    assert (staff.kind, eid.kind) == ("staff", "citizen")
    assert eid.client_secret == "hemligt" and staff.client_secret == ""
    assert eid.minimum_assurance == "substantial" and eid.acr_values == LOA3
    assert config.require_eid_for == {"region-norrbotten"}


@pytest.mark.parametrize("change, message", [
    (lambda d: d["providers"][0].update(kind="admin"), "'kind' ska vara staff eller citizen"),
    (lambda d: d["providers"][0].pop("discovery"), "'discovery' saknas"),
    (lambda d: d["providers"][1].update(key="kommunen"), "finns två gånger"),
    (lambda d: d["providers"][0]["unit_groups"].update({"grp-x": "finns-inte"}), "okända enheter i unit_groups: finns-inte"),
    (lambda d: d["providers"][1]["assurance"].update({LOA3: "mycket"}), "ska vara low, substantial eller high"),
    (lambda d: d.update(providers=d["providers"][1:], staff_login={"password": False}), "ingen skulle kunna logga in"),
    (lambda d: d.update(providers=d["providers"][:1]), "ingen leverantör av typen citizen"),
])
def test_a_broken_file_says_what_to_fix_in_swedish(tmp_path, change, message):
    data = json.loads(identity_yaml(staff_discovery="https://a.example/d", eid_discovery="https://b.example/d",
                                    require_eid_for=("arjeplogs-kommun",)))
    change(data)
    with pytest.raises(IdentityConfigError, match=message):
        load_identity_config(_write(tmp_path, json.dumps(data)), unit_keys={"solbackens-skola", "ifo-barn-och-familj"})


def test_personal_numbers_match_in_any_common_notation_and_never_when_invalid():
    pnr = personal_number("19820304")
    assert same_person(pnr, f"{pnr[:8]}-{pnr[8:]}")
    assert same_person(pnr[2:], f"{pnr[:8]}-{pnr[8:]}")
    assert not same_person(personal_number("19820305"), pnr)
    assert not same_person(pnr[:-1] + str((int(pnr[-1]) + 1) % 10), pnr)   # wrong check digit
    assert not same_person("", pnr) and not same_person(pnr, "")


def test_assurance_and_units_come_from_the_configuration_only(tmp_path):
    path = _write(tmp_path, identity_yaml(staff_discovery="https://a.example/d", eid_discovery="https://b.example/d"))
    config = load_identity_config(path)
    eid, staff = config.providers["eid"], config.providers["kommunen"]
    assert assurance_of(eid, {"acr": LOA3}) == "substantial" and meets("substantial", eid.minimum_assurance)
    assert assurance_of(eid, {"acr": LOA2}) == "low" and not meets("low", eid.minimum_assurance)
    assert assurance_of(eid, {}) == "low"
    assert units_from_groups(staff, {"groups": ["grp-ifo", "Solbackens skola", "grp-okand"]}) == {"ifo-barn-och-familj"}
    assert units_from_groups(eid, {"groups": ["grp-ifo"]}) is None


def test_the_sign_in_page_offers_the_organisations_sign_in_and_can_hide_the_password_form(app_factory, tmp_path, make_user):
    both = _write(tmp_path, identity_yaml(staff_discovery=_closed_port_url(), eid_discovery=_closed_port_url()))
    page = app_factory(PORTAL_IDENTITY_FILE=str(both)).test_client().get("/logga-in").get_data(as_text=True)
    assert "Logga in med Arjeplogs kommuns inloggning" in page and 'name="password"' in page

    only_sso = tmp_path / "only-sso.yaml"
    only_sso.write_text(identity_yaml(staff_discovery=_closed_port_url(), eid_discovery=_closed_port_url(),
                                      password=False), encoding="utf-8")
    app = app_factory(PORTAL_IDENTITY_FILE=str(only_sso))
    client = app.test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    assert "Logga in med Arjeplogs kommuns inloggning" in page and 'name="password"' not in page
    with app.app_context():
        from portal.accounts.service import create_user
        from portal.extensions import db

        create_user("per.personal@skola.example", "Per Personal", TEST_PASSWORD, "staff", ["solbackens-skola"])
        db.session.commit()
    response = client.post("/logga-in", data={"email": "per.personal@skola.example", "password": TEST_PASSWORD},
                           follow_redirects=True)
    assert "Logga in med organisationens inloggning." in response.get_data(as_text=True)
    assert client.get("/konto").status_code == 302   # not signed in


def test_a_provider_that_cannot_be_reached_gets_a_clear_message(app_factory, tmp_path):
    path = _write(tmp_path, identity_yaml(staff_discovery=_closed_port_url(), eid_discovery=_closed_port_url()))
    client = app_factory(PORTAL_IDENTITY_FILE=str(path)).test_client()
    response = client.get("/logga-in/org/kommunen")
    assert response.status_code == 503
    assert "Inloggningen hos Arjeplogs kommuns inloggning fungerar inte just nu" in response.get_data(as_text=True)
    assert client.get("/logga-in/org/finns-inte").status_code == 404


def test_when_the_eid_provider_is_down_the_signer_is_told_and_e_mail_codes_remain_where_allowed(app_factory, tmp_path):
    from portal.demo import seed_demo
    from tests.browser.consent_data import new_sign_token, send_new_consent

    down = _closed_port_url()
    path = _write(tmp_path, identity_yaml(staff_discovery=down, eid_discovery=down))
    app = app_factory(PORTAL_IDENTITY_FILE=str(path))
    with app.app_context():
        assert seed_demo()
        token = new_sign_token(send_new_consent())
    client = app.test_client()
    page = client.get(f"/samtycke/s/{token}").get_data(as_text=True)
    assert "Legitimera dig med BankID (test)" in page and "Skicka kod till min e-post" in page
    response = client.get(f"/samtycke/s/{token}/identifiera/eid")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Inloggningen hos BankID (test) fungerar inte just nu" in body and f'href="/samtycke/s/{token}"' in body

    required = tmp_path / "required.yaml"
    required.write_text(identity_yaml(staff_discovery=down, eid_discovery=down, require_eid_for=("arjeplogs-kommun",)),
                        encoding="utf-8")
    app.extensions["identity"] = load_identity_config(required)
    page = client.get(f"/samtycke/s/{token}").get_data(as_text=True)
    assert "Legitimera dig med BankID (test)" in page and "Skicka kod till min e-post" not in page
    assert client.post(f"/samtycke/s/{token}/identifiera/email_otp", data={"action": "send"}).status_code == 404


def test_an_administrator_can_see_and_remove_an_accounts_link_to_a_provider(app, runner, make_user):
    from portal.extensions import db
    from portal.oidc.models import AccountIdentity

    user_id = make_user("per.personal@skola.example")
    with app.app_context():
        db.session.add(AccountIdentity(user_id=user_id, provider="kommunen", subject="abc-123"))
        db.session.commit()
    assert "kommunen: kopplat" in runner.invoke(args=["identity", "links", "per.personal@skola.example"]).output
    result = runner.invoke(args=["identity", "unlink", "per.personal@skola.example", "kommunen"])
    assert result.exit_code == 0 and "Kopplingen är borttagen." in result.output
    assert "inte kopplat till någon" in runner.invoke(args=["identity", "links", "per.personal@skola.example"]).output
    assert runner.invoke(args=["identity", "unlink", "per.personal@skola.example", "kommunen"]).exit_code == 2
    assert "Inga leverantörer" in runner.invoke(args=["identity", "check"]).output
