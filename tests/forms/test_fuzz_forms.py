"""Fuzzing every form with Hypothesis: random Unicode, very long text, control characters, HTML
and <script>, SQL-looking input, impossible dates and personal numbers. Never a 500; a refused
form is a 400 with the error summary; a saved record shows the payload escaped. One app per test;
the examples share it (hence the function-scoped-fixture health check is suppressed)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import TEST_PASSWORD, login
from tests.support.fuzz import FUZZ, check_answer, personal_numbers, texts

UNIT = "solbackens-skola"


def test_login_form(client, make_user):
    make_user("anna@skola.example")

    @FUZZ
    @given(email=texts, password=texts)
    def attempt(email, password):
        response = client.post("/logga-in", data={"email": email, "password": password})
        check_answer(response, [email, password], allowed=(400,))

    attempt()


def test_case_form(app, client, make_user):
    make_user("anna@skola.example")
    login(client, "anna@skola.example")

    @FUZZ
    @given(child_name=texts, personal_number=personal_numbers, address=texts, phone=texts, email=texts,
           unit_key=st.one_of(st.just(UNIT), st.just("ifo-barn-och-familj"), texts))
    def attempt(**data):
        response = client.post("/arenden/nytt", data=data)
        check_answer(response, data.values())
        if response.status_code == 302:
            page = client.get(response.headers["Location"])
            check_answer(page, data.values(), allowed=(200,))
            check_answer(client.get(response.headers["Location"] + "/utskrift"), data.values(), allowed=(200,))
            check_answer(client.get("/arenden/"), data.values(), allowed=(200,))

    attempt()


def test_saved_case_shows_payloads_escaped(app, client, make_user):
    """Valid except for what is typed into the free-text fields: the case is saved, and its page,
    print view and list show the text escaped."""
    make_user("anna@skola.example")
    login(client, "anna@skola.example")
    saved = []
    names = texts.filter(lambda s: 0 < len(s.strip()) <= 200)

    @FUZZ
    @given(child_name=names, address=texts.filter(lambda s: len(s.strip()) <= 300))
    def attempt(child_name, address):
        data = {"child_name": child_name, "personal_number": "20120415-2381", "unit_key": UNIT, "address": address}
        response = client.post("/arenden/nytt", data=data)
        check_answer(response, data.values())
        if response.status_code == 302:
            saved.append(child_name)
            for url in (response.headers["Location"], response.headers["Location"] + "/utskrift", "/arenden/"):
                html = check_answer(client.get(url), data.values(), allowed=(200,))
                if "<script>" in child_name:
                    assert "&lt;script&gt;" in html

    attempt()
    assert saved, "no example was saved: the escaping of stored text was not tested"


def test_case_edit_and_guardian_forms(app, client, make_user, make_case):
    uid = make_user("anna@skola.example")
    ref = make_case(uid)
    login(client, "anna@skola.example")
    from portal.cases.models import Case, Guardian
    from portal.extensions import db

    with app.app_context():
        guardian_id = db.session.scalar(select(Guardian.id).join(Case).where(Case.ref == ref))

    @FUZZ
    @given(name=texts, personal_number=personal_numbers, address=texts, phone=texts, email=texts,
           has_custody=st.one_of(st.sampled_from(["ja", "nej"]), texts), which=st.sampled_from(["new", "edit", "case"]))
    def attempt(which, **data):
        if which == "case":
            url = f"/arenden/{ref}/andra"
            data = {"child_name": data["name"], "personal_number": data["personal_number"], "address": data["address"],
                    "phone": data["phone"], "email": data["email"], "unit_key": UNIT}
        else:
            url = f"/arenden/{ref}/vardnadshavare/" + ("ny" if which == "new" else str(guardian_id))
        response = client.post(url, data=data)
        check_answer(response, data.values())
        page = client.get(f"/arenden/{ref}")
        check_answer(page, data.values(), allowed=(200,))

    attempt()


def test_account_password_form(client, make_user):
    make_user("anna@skola.example")
    login(client, "anna@skola.example")

    @FUZZ
    @given(current=st.one_of(st.just(TEST_PASSWORD), texts), new=texts, confirm=texts)
    def attempt(current, new, confirm):
        response = client.post("/konto", data={"current_password": current, "new_password": new, "confirm": confirm})
        check_answer(response, [current, new, confirm], allowed=(302, 400))
        if response.status_code == 302:  # a valid change: change it back for the next example
            login_again = client.post("/konto", data={"current_password": new, "new_password": TEST_PASSWORD,
                                                      "confirm": TEST_PASSWORD})
            assert login_again.status_code == 302

    attempt()


def test_admin_user_form(client, make_user):
    make_user("admin@kommun.example", role="admin", units=())
    login(client, "admin@kommun.example")

    @FUZZ
    @given(name=texts, email=st.one_of(texts, st.emails().map(str)), role=st.one_of(st.sampled_from(["staff", "manager", "admin"]), texts),
           units=st.lists(st.one_of(st.just(UNIT), texts), max_size=3), active=st.sampled_from(["y", "", "on"]),
           password=st.one_of(st.just("Ett-bra-losenord-for-test-1"), texts))
    def attempt(**data):
        response = client.post("/admin/konton/nytt", data=data)
        check_answer(response, [data["name"], data["email"], data["password"], *data["units"]])
        check_answer(client.get("/admin/konton"), [data["name"], data["email"]], allowed=(200,))

    attempt()


def test_search_query(client):
    @FUZZ
    @given(q=texts)
    def attempt(q):
        response = client.get("/sok", query_string={"q": q})
        check_answer(response, [q], allowed=(200,))

    attempt()


def test_case_list_search_and_paging(client, make_user, make_case):
    anna = make_user("anna@skola.example")
    make_case(anna)
    login(client, "anna@skola.example")

    @FUZZ
    @given(q=st.one_of(texts, personal_numbers), page=st.one_of(texts, st.integers(-10, 10**12).map(str)),
           status=st.one_of(st.sampled_from(["open", "closed", "all"]), texts))
    def attempt(q, page, status):
        response = client.get("/arenden/", query_string={"q": q, "sida": page, "status": status})
        check_answer(response, [q, page, status], allowed=(200,))

    attempt()


def test_the_reflection_check_catches_raw_markup_and_passes_escaped():
    from markupsafe import escape

    from tests.support.fuzz import PAYLOADS, reflected_raw

    typed = ["Hej " + PAYLOADS[1] + " då"]
    assert reflected_raw(typed, f"<p>{typed[0]}</p>") == [PAYLOADS[1]]
    assert reflected_raw(typed, f"<p>{escape(typed[0])}</p>") == []
    assert reflected_raw(["<input"], '<input name="x">') == []  # the page's own markup is not a leak
