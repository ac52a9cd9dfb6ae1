"""Issue 31 item 6: what features register (navigation, case panels, start sections, access
providers, audit labels, identity providers, withdrawal listeners) is kept per app, so two apps in
one process neither share nor double their entries."""
from __future__ import annotations

from tests.helpers import login

from portal.consent.api import register_withdrawal_listener


def test_two_apps_in_one_process_each_have_their_own_hooks_registered_once(app_factory):
    first, second = app_factory(), app_factory()
    one, two = first.extensions["portal"], second.extensions["portal"]
    for name in ("nav", "case_panels", "start_sections", "access_providers", "identity_filters",
                 "consent_withdrawal_listeners"):
        assert one[name] and one[name] is not two[name], name
        assert len(one[name]) == len(two[name]), name       # the second app did not add to the first's
    templates = [template for _, template, _ in two["case_panels"]]
    assert len(templates) == len(set(templates)) and "consent/panel.html" in templates
    endpoints = [endpoint for endpoint, _, _ in two["nav"]]
    assert len(endpoints) == len(set(endpoints)) and "cases.index" in endpoints
    assert len(two["access_providers"]) == 2          # consent and plans, once each
    assert "consent.sign" in two["audit_labels"] and set(one["identity_providers"]) == set(two["identity_providers"])

    def listener(consent):
        raise AssertionError("only registered on the first app")

    register_withdrawal_listener(first, listener)
    assert listener in one["consent_withdrawal_listeners"]
    assert listener not in two["consent_withdrawal_listeners"]


def test_the_navigation_shows_each_entry_once_after_many_apps(app_factory, make_user):
    for _ in range(2):
        app_factory()
    app = app_factory()
    make_user("nav.personal@skola.example", units=("solbackens-skola",))
    client = app.test_client()
    login(client, "nav.personal@skola.example")
    page = client.get("/").get_data(as_text=True)
    menu = page.split('aria-label="Huvudmeny"', 1)[1].split("</nav>", 1)[0]
    assert menu.count(">Mina ärenden</a>") == 1 and menu.count(">Riktlinjer</a>") == 1, menu
