import datetime as dt

from portal.accounts.models import User
from portal.extensions import db
from tests.helpers import TEST_PASSWORD, login

GENERIC = "Inloggningen misslyckades"


def test_login_and_logout(client, make_user):
    make_user("anna@skola.example")
    response = login(client, "anna@skola.example")
    assert response.headers["Location"] == "/"
    assert "Anna" in client.get("/").get_data(as_text=True)
    assert client.post("/logga-ut").status_code == 302
    assert client.get("/arenden/").status_code == 302  # back to the login page


def test_wrong_password_and_unknown_account_get_the_same_message(client, make_user):
    make_user("anna@skola.example")
    wrong = client.post("/logga-in", data={"email": "anna@skola.example", "password": "fel-lösenord"})
    unknown = client.post("/logga-in", data={"email": "ingen@skola.example", "password": "fel-lösenord"})
    assert wrong.status_code == unknown.status_code == 400
    for response in (wrong, unknown):
        html = response.get_data(as_text=True)
        assert GENERIC in html and 'class="error-summary"' in html
    import re

    def strip(r):
        html = r.get_data(as_text=True).replace("anna@skola.example", "X").replace("ingen@skola.example", "X")
        return re.sub(r'name="csrf_token"[^>]*>', "", html)

    assert strip(wrong) == strip(unknown)


def test_repeated_failures_lock_the_account_for_a_while(app, client, make_user):
    uid = make_user("anna@skola.example")
    for _ in range(app.config["PORTAL_LOGIN_MAX_FAILURES"]):
        client.post("/logga-in", data={"email": "anna@skola.example", "password": "fel-lösenord"})
    locked = client.post("/logga-in", data={"email": "anna@skola.example", "password": TEST_PASSWORD})
    assert locked.status_code == 400 and GENERIC in locked.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.locked_until is not None
        user.locked_until = dt.datetime(2000, 1, 1)  # the lock has run out
        db.session.commit()
    login(client, "anna@skola.example")


def test_login_attempts_are_rate_limited(app_factory, make_user):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/logga-in", data={"email": "x@y.example", "password": "nej"}).status_code for _ in range(11)]
    assert codes[:10] == [400] * 10 and codes[10] == 429
    assert "För många försök" in client.post("/logga-in", data={}).get_data(as_text=True)


def test_change_password_checks_current_and_strength_and_ends_other_sessions(app, make_user):
    make_user("anna@skola.example")
    first, second = app.test_client(), app.test_client()
    login(first, "anna@skola.example")
    login(second, "anna@skola.example")
    bad = first.post("/konto", data={"current_password": "fel", "new_password": "kort", "confirm": "kort"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "minst 12 tecken" in html
    wrong = first.post("/konto", data={"current_password": "fel-fel-fel", "new_password": "en helt ny fras 2026",
                                       "confirm": "en helt ny fras 2026"})
    assert "nuvarande lösenordet stämmer inte" in wrong.get_data(as_text=True)
    ok = first.post("/konto", data={"current_password": TEST_PASSWORD, "new_password": "en helt ny fras 2026",
                                    "confirm": "en helt ny fras 2026"})
    assert ok.status_code == 302
    assert first.get("/konto").status_code == 200          # this session continues
    assert second.get("/konto").status_code == 302         # the other one is logged out
    login(app.test_client(), "anna@skola.example", "en helt ny fras 2026")


def test_passwords_are_stored_with_argon2id(app, make_user):
    uid = make_user("anna@skola.example")
    with app.app_context():
        stored = db.session.get(User, uid).password_hash
    assert stored.startswith("$argon2id$") and TEST_PASSWORD not in stored


def test_login_redirects_only_to_local_pages(client, make_user):
    make_user("anna@skola.example")
    r = client.post("/logga-in?next=https://evil.example/", data={"email": "anna@skola.example", "password": TEST_PASSWORD})
    assert r.headers["Location"] == "/"


def test_portal_user_create(runner, app):
    result = runner.invoke(args=["user", "create", "--email", "Ny@Kommun.example", "--name", "Ny Person",
                                 "--role", "manager", "--unit", "ifo-barn-och-familj", "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "ny@kommun.example"))
        assert user.role == "manager" and user.unit_keys == {"ifo-barn-och-familj"}
    again = runner.invoke(args=["user", "create", "--email", "ny@kommun.example", "--name", "X", "--password", TEST_PASSWORD])
    assert again.exit_code != 0 and "finns redan" in again.output
    bad_unit = runner.invoke(args=["user", "create", "--email", "b@k.example", "--name", "B", "--unit", "nej",
                                   "--password", TEST_PASSWORD])
    assert bad_unit.exit_code != 0 and "finns inte i organisationskatalogen" in bad_unit.output


def test_administrators_manage_accounts_and_others_may_not(client, make_user, app):
    make_user("admin@kommun.example", role="admin", units=())
    make_user("anna@skola.example")
    login(client, "anna@skola.example")
    assert client.get("/admin/konton").status_code == 403
    client.post("/logga-ut")
    login(client, "admin@kommun.example")
    assert "anna@skola.example" in client.get("/admin/konton").get_data(as_text=True)
    created = client.post("/admin/konton/nytt", data={"name": "Kim Kurator", "email": "kim@skola.example", "role": "staff",
                                                       "units": ["elevhalsan-arjeplog"], "active": "y",
                                                       "password": "kurator-lösenord-42"})
    assert created.status_code == 302
    weak = client.post("/admin/konton/nytt", data={"name": "Svag", "email": "svag@skola.example", "role": "staff",
                                                    "password": "kort"})
    assert weak.status_code == 400 and "minst 12 tecken" in weak.get_data(as_text=True)
    login(app.test_client(), "kim@skola.example", "kurator-lösenord-42")


def test_deactivated_account_cannot_log_in_and_loses_its_session(app, client, make_user):
    uid = make_user("anna@skola.example")
    staff = app.test_client()
    login(staff, "anna@skola.example")
    make_user("admin@kommun.example", role="admin", units=())
    login(client, "admin@kommun.example")
    r = client.post(f"/admin/konton/{uid}", data={"name": "Anna", "email": "anna@skola.example", "role": "staff",
                                                   "units": ["solbackens-skola"]})  # active unticked
    assert r.status_code == 302
    assert staff.get("/arenden/").status_code == 302
    assert app.test_client().post("/logga-in", data={"email": "anna@skola.example", "password": TEST_PASSWORD}).status_code == 400
