"""Need-to-know on plans and meetings, CSRF on every form, and odd requests that never give a 500."""
from __future__ import annotations

from portal.extensions import db
from tests.helpers import csrf_token_from
from tests.support.plans import BUP, IFO, SKOLA, client_for, give_consent, intervention, make_people, new_plan, value


def test_plans_are_seen_only_by_units_with_access_and_odd_requests_are_404(app, make_user, make_case):
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    give_consent(app, anna, ref, (SKOLA, IFO))
    editor = new_plan(anna, ref)
    anna.post(editor, data={**intervention(0, "Läxhjälp", SKOLA, value("anna", ids)), "save_draft": "1"})
    view = editor.replace("/redigera", "")
    britt = client_for(app, "britt")                    # BUP: not in the consent
    for path in (view, editor, f"{view}.pdf", f"{view}.json", f"/arenden/{ref}/moten/nytt"):
        assert britt.get(path).status_code == 404, path
    assert client_for(app, "samir").get(view).status_code == 200   # IFO: in the consent
    for path in (view.replace("/v/1", "/v/9"), f"/arenden/{ref}/planer/99999/v/1", f"/arenden/{ref}/steg/finns-inte",
                 f"/arenden/{ref}/moten/99999", f"/arenden/{ref}/planer/99999/historik"):
        assert anna.get(path).status_code == 404, path
    assert anna.post(f"/arenden/{ref}/planer/ny", data={"kind": "okand"}).status_code == 400
    response = anna.post(f"{view}/godkann", data={"unit_key": BUP})
    assert response.status_code == 302 and response.status_code != 500
    # A follow-up before any version is approved is refused with an explanation, not an error.
    response = anna.get(f"/arenden/{ref}/planer/{editor.split('/planer/')[1].split('/')[0]}/uppfoljning",
                        follow_redirects=True)
    assert response.status_code == 200 and "En uppföljning startar från en godkänd version" in response.get_data(as_text=True)


def test_every_plans_form_needs_its_csrf_token(app_factory, make_user, make_case):
    app = app_factory(WTF_CSRF_ENABLED=True)
    from portal.accounts.service import create_user
    from tests.helpers import TEST_PASSWORD

    with app.app_context():
        user = create_user("anna@skola.example", "Anna", TEST_PASSWORD, "staff", ["solbackens-skola"])
        db.session.commit()
        uid = user.id
    ref = make_case(uid)
    client = app.test_client()
    page = client.get("/logga-in").get_data(as_text=True)
    client.post("/logga-in", data={"email": "anna@skola.example", "password": TEST_PASSWORD,
                                   "csrf_token": csrf_token_from(page)})
    case_page = client.get(f"/arenden/{ref}").get_data(as_text=True)
    for path in (f"/arenden/{ref}/planer/ny", f"/arenden/{ref}/arbetssatt", f"/arenden/{ref}/moten/nytt",
                 f"/arenden/{ref}/steg/consent"):
        assert client.post(path, data={"process_key": "norrbus"}).status_code == 400, path
    token = csrf_token_from(case_page)
    response = client.post(f"/arenden/{ref}/planer/ny", data={"kind": "sip", "csrf_token": token})
    assert response.status_code == 302
    editor = response.headers["Location"]
    assert client.post(editor, data={"needs__needs": "x", "save_draft": "1"}).status_code == 400
    page = client.get(editor).get_data(as_text=True)
    assert client.post(editor, data={"needs__needs": "Sparat", "save_draft": "1",
                                     "csrf_token": csrf_token_from(page)}).status_code == 302
