"""The green card checklist on the case page: tick, see who and when, history, access."""
from __future__ import annotations

import re

from tests.helpers import csrf_token_from, login
from portal.timeutil import today_local

ALL_ITEMS = ["iakttagelser-atgard", "fler-kompetenser", "chefens-syn", "samtal-barn-foraldrar", "barn-foraldrars-syn",
             "kallelse-praktiskt", "motesupplagg", "sip-hantering", "alla-klara-over-vad", "vem-gor-vad",
             "samordnarens-roll", "uppfoljning-tidpunkt", "nojda-med-insatser", "avvikelserapport"]


def _tick(client, ref, fore=(), under=(), shown=""):
    data = {"checklista-shown": shown}
    data["checklista-section_fore"] = list(fore)
    data["checklista-section_under_efter"] = list(under)
    return client.post(f"/arenden/{ref}/checklista", data=data)


def test_the_case_page_shows_the_checklist_in_two_groups_with_fieldset_and_legend(client, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",), name="Anna Andersson")
    ref = make_case(uid)
    login(client, "anna.andersson@skola.example")
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    panel = re.search(r'<section class="case-panel" aria-labelledby="checklista">.*?</section>', html, re.S).group()
    legends = re.findall(r'<legend class="fieldset__legend ">([^<]+)</legend>', panel)
    assert legends == ["Före nätverksmötet", "Under och efter nätverksmötet"]
    assert panel.count('type="checkbox"') == 14
    assert f'action="/arenden/{ref}/checklista"' in panel
    assert "0 av 14 punkter är avbockade." in panel
    assert '<label class="checkboxes__label" for="checklista-section_fore-2">Vad säger min chef?</label>' in panel


def test_ticking_saves_who_and_when_and_keeps_history(client, app, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",), name="Anna Andersson")
    ref = make_case(uid)
    login(client, "anna.andersson@skola.example")
    response = _tick(client, ref, fore=["chefens-syn", "fler-kompetenser"])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/arenden/{ref}#checklista")
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Checklistan är sparad (2 ändringar)." in html
    assert "2 av 14 punkter är avbockade." in html
    assert re.search(r'<input checked class="checkboxes__input" id="checklista-section_fore-2" name="checklista-section_fore"'
                     r' type="checkbox" value="chefens-syn">', html)
    label = re.search(r'for="checklista-section_fore-2">(.*?)</label>', html, re.S).group(1)
    today = today_local()
    assert "Vad säger min chef?" in label and "Avbockad av Anna Andersson" in label
    assert f"{today.year} kl." in label

    # Untick one: the history keeps both changes, newest first.
    shown = re.search(r'name="checklista-shown" type="hidden" value="([^"]*)"', html).group(1)
    assert set(shown.split()) == {"chefens-syn", "fler-kompetenser"}
    _tick(client, ref, fore=["fler-kompetenser"], shown=shown)
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "1 av 14 punkter är avbockade." in html
    assert "Bocken togs bort av Anna Andersson" in html
    history = re.search(r'<details class="checklist-history">.*?</details>', html, re.S).group()
    assert "Historik för checklistan (3 ändringar)" in history
    entries = re.findall(r"<li>.*?</li>", history, re.S)
    assert "Anna Andersson tog bort bocken för ”Vad säger min chef?”" in entries[0]
    assert len(entries) == 3

    from portal.audit.models import AuditEvent
    from portal.extensions import db
    from portal.guidance.models import ChecklistTick

    with app.app_context():
        rows = db.session.scalars(db.select(ChecklistTick).order_by(ChecklistTick.id)).all()
        assert [(r.item_key, r.ticked) for r in rows] == [("chefens-syn", True), ("fler-kompetenser", True),
                                                          ("chefens-syn", False)]
        events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "checklist.update")).all()
        assert len(events) == 2 and events[1].detail == "punkter: chefens-syn=nej"


def test_a_change_by_someone_else_in_the_meantime_is_kept(client, app, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",))
    make_user("bo.berg@skola.example", units=("solbackens-skola",), name="Bo Berg")
    ref = make_case(uid)
    login(client, "anna.andersson@skola.example")
    # Anna's form was shown with nothing ticked; meanwhile Bo ticks the first item.
    other = app.test_client()
    login(other, "bo.berg@skola.example")
    _tick(other, ref, fore=["iakttagelser-atgard"])
    _tick(client, ref, under=["vem-gor-vad"], shown="")
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "2 av 14 punkter är avbockade." in html
    assert "Avbockad av Bo Berg" in html


def test_unknown_items_are_ignored_and_nothing_changed_is_said(client, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",))
    ref = make_case(uid)
    login(client, "anna.andersson@skola.example")
    _tick(client, ref, fore=["finns-inte"])
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Inget ändrades i checklistan." in html and "0 av 14 punkter" in html


def test_another_units_user_gets_404(app, client, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",))
    make_user("gunnar.gymnasium@skola.example", units=("silverfjallets-gymnasium",))
    ref = make_case(uid)
    login(client, "gunnar.gymnasium@skola.example")
    assert _tick(client, ref, fore=["chefens-syn"]).status_code == 404
    assert client.get(f"/arenden/{ref}/checklista").status_code == 404
    owner = app.test_client()
    login(owner, "anna.andersson@skola.example")
    assert "0 av 14 punkter" in owner.get(f"/arenden/{ref}").get_data(as_text=True)


def test_signed_out_users_are_sent_to_log_in(client, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",))
    ref = make_case(uid)
    response = _tick(client, ref, fore=["chefens-syn"])
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]


def test_a_closed_case_shows_the_checklist_read_only(client, make_user, make_case):
    uid = make_user("anna.andersson@skola.example", units=("solbackens-skola",))
    ref = make_case(uid)
    login(client, "anna.andersson@skola.example")
    _tick(client, ref, fore=["chefens-syn"])
    client.post(f"/arenden/{ref}/stang")
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    panel = re.search(r'<section class="case-panel" aria-labelledby="checklista">.*?</section>', html, re.S).group()
    assert "<form" not in panel
    assert '<li class="checklist__item checklist__item--done"><span class="visually-hidden">Avbockad: </span>Vad säger min chef?</li>' in panel
    assert _tick(client, ref, fore=ALL_ITEMS[:3]).status_code == 404


def test_the_checklist_form_needs_a_csrf_token(app_factory, make_user, make_case):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    from portal.accounts.service import create_user
    from portal.cases.models import Case
    from portal.extensions import db
    from tests.helpers import TEST_PASSWORD

    with app.app_context():
        user = create_user("anna.andersson@skola.example", "Anna Andersson", TEST_PASSWORD, "staff", ["solbackens-skola"])
        db.session.flush()
        case = Case(unit_key="solbackens-skola", opened_by_id=user.id, child_name="Testbarn", personal_number="20120415-2381")
        db.session.add(case)
        db.session.commit()
        ref = case.ref
    page = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": "anna.andersson@skola.example", "password": TEST_PASSWORD,
                                   "csrf_token": csrf_token_from(page)})
    assert _tick(client, ref, fore=["chefens-syn"]).status_code == 400
    html = client.get(f"/arenden/{ref}").get_data(as_text=True)
    token = csrf_token_from(html)
    response = client.post(f"/arenden/{ref}/checklista", data={"csrf_token": token, "checklista-shown": "",
                                                               "checklista-section_fore": ["chefens-syn"]})
    assert response.status_code == 302
    assert "1 av 14 punkter" in client.get(f"/arenden/{ref}").get_data(as_text=True)


def test_changes_to_apply_rules():
    from portal.guidance.checklist import changes_to_apply

    valid = {"a", "b", "c"}
    # The user ticks b; a was ticked by someone else after the form was shown: a stays.
    assert changes_to_apply(shown=set(), submitted={"b"}, current={"a": True}, valid=valid) == {"b": True}
    # The user unticks a.
    assert changes_to_apply(shown={"a"}, submitted=set(), current={"a": True}, valid=valid) == {"a": False}
    # Already in the wanted state: nothing to write. Unknown keys are ignored.
    assert changes_to_apply(shown=set(), submitted={"a", "x"}, current={"a": True}, valid=valid) == {}
