"""Server-side sessions (issue 27): logout, idle timeout, absolute lifetime, password change,
deactivation and "log out other devices" end a session on every app instance; a wrong current
password on /konto counts toward the account lock.

Two create_app() on one database are two instances (like two gunicorn processes). Time is moved
with time-machine, which moves the portal's clock and Flask's cookie signatures alike."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import event, func, select

from portal.accounts.models import AccountSession, User
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.helpers import TEST_PASSWORD, login

ANNA = "anna@skola.example"
START = dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
NEW = "en helt ny fras för kontot 2026"


def signed_in(client) -> bool:
    response = client.get("/konto")
    if response.status_code == 302:
        assert "/logga-in" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def copy_session_cookie(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def test_a_replayed_cookie_is_refused_after_logout_on_every_instance(app_factory, make_user):
    first = app_factory()
    second = app_factory()  # same database, same secret: another process behind the load balancer
    make_user(ANNA)
    client = first.test_client()
    login(client, ANNA)
    stolen = first.test_client()
    elsewhere = second.test_client()
    copy_session_cookie(client, stolen)
    copy_session_cookie(client, elsewhere)
    assert signed_in(stolen) and signed_in(elsewhere)  # the cookie is good on both instances

    assert client.post("/logga-ut").status_code == 302
    assert not signed_in(stolen)
    assert not signed_in(elsewhere)
    with first.app_context():
        row = db.session.scalars(select(AccountSession)).one()
        assert row.ended_at is not None and row.end_reason == "logout"


def test_idle_timeout_ends_the_session(app, client, make_user):
    make_user(ANNA)
    idle = app.config["PORTAL_SESSION_IDLE_MINUTES"]
    with time_machine.travel(START, tick=False) as clock:
        login(client, ANNA)
        clock.shift(dt.timedelta(minutes=idle - 2))
        assert signed_in(client)  # activity moves the idle deadline
        clock.shift(dt.timedelta(minutes=idle - 2))
        assert signed_in(client)
        clock.shift(dt.timedelta(minutes=idle + 1))
        assert not signed_in(client)


def test_absolute_lifetime_ends_even_an_active_session(app, client, make_user):
    make_user(ANNA)
    lifetime = dt.timedelta(hours=app.config["PORTAL_SESSION_LIFETIME_HOURS"])
    step = dt.timedelta(minutes=app.config["PORTAL_SESSION_IDLE_MINUTES"] - 5)
    with time_machine.travel(START, tick=False) as clock:
        login(client, ANNA)
        elapsed = dt.timedelta(0)
        while elapsed + step < lifetime - dt.timedelta(minutes=1):
            clock.shift(step)
            elapsed += step
            assert signed_in(client), f"refused after {elapsed}"
        clock.move_to(START + lifetime - dt.timedelta(minutes=1))
        assert signed_in(client)
        clock.move_to(START + lifetime + dt.timedelta(minutes=1))
        assert not signed_in(client)
        login(client, ANNA)  # signing in again starts a new working day
        assert signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute_and_a_page_reads_the_session_once(app, client, make_user):
    uid = make_user(ANNA)
    statements = []

    with app.app_context():
        engine = db.engine

    def remember(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()).lower())

    with time_machine.travel(START, tick=False) as clock:
        login(client, ANNA)
        event.listen(engine, "before_cursor_execute", remember)
        try:
            clock.shift(dt.timedelta(seconds=30))
            assert client.get("/").status_code == 200
            reads = [s for s in statements if "account_sessions" in s]
            assert len(reads) == 1 and reads[0].startswith("select") and "join users" in reads[0]
            assert not [s for s in statements if s.startswith(("insert", "update", "delete"))]
            statements.clear()
            clock.shift(dt.timedelta(seconds=40))
            assert client.get("/").status_code == 200
            writes = [s for s in statements if s.startswith("update account_sessions")]
            assert len(writes) == 1
        finally:
            event.remove(engine, "before_cursor_execute", remember)
    with app.app_context():
        row = db.session.scalars(select(AccountSession).where(AccountSession.user_id == uid)).one()
        assert row.last_seen_at == (START + dt.timedelta(seconds=70)).replace(tzinfo=None)


def test_password_change_ends_the_other_sessions_on_every_instance_and_keeps_this_one(app_factory, make_user):
    first, second = app_factory(), app_factory()
    make_user(ANNA)
    here, there = first.test_client(), second.test_client()
    login(here, ANNA)
    login(there, ANNA)
    changed = here.post("/konto", data={"current_password": TEST_PASSWORD, "new_password": NEW, "confirm": NEW})
    assert changed.status_code == 302
    assert "utloggad på alla andra enheter" in here.get("/konto").get_data(as_text=True)
    assert signed_in(here)
    assert not signed_in(there)
    with first.app_context():
        reasons = db.session.scalars(select(AccountSession.end_reason)).all()
        assert sorted(reasons) == ["", "password"]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "account.password_changed")) == 1


def test_deactivation_ends_every_session_of_the_account(app_factory, make_user):
    first, second = app_factory(), app_factory()
    uid = make_user(ANNA)
    make_user("admin@kommun.example", role="admin", units=())
    phone, desktop, admin = first.test_client(), second.test_client(), first.test_client()
    login(phone, ANNA)
    login(desktop, ANNA)
    login(admin, "admin@kommun.example")
    response = admin.post(f"/admin/konton/{uid}", data={"name": "Anna", "email": ANNA, "role": "staff",
                                                         "units": ["solbackens-skola"]})  # "active" unticked
    assert response.status_code == 302
    assert not signed_in(phone) and not signed_in(desktop)
    assert signed_in(admin)
    with first.app_context():
        reasons = db.session.scalars(select(AccountSession.end_reason).where(AccountSession.user_id == uid)).all()
        assert reasons == ["deactivated", "deactivated"]
        # Even a row someone forgot to end lets nobody into a closed account.
        db.session.get(User, uid).active = True
        db.session.commit()
    assert not signed_in(phone)


def test_log_out_other_devices_from_the_account_page(app, make_user):
    make_user(ANNA)
    laptop = app.test_client()
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX
    others = [app.test_client(), app.test_client()]
    for client in (laptop, *others):
        login(client, ANNA)
    page = laptop.get("/konto").get_data(as_text=True)
    assert page.count("(den här enheten)") == 1
    assert "Firefox på Windows" in page and "Logga ut från andra enheter" in page
    assert page.count("<tr>") == 1 + 3  # header and three sessions

    response = laptop.post("/konto/andra-enheter/logga-ut")
    assert response.status_code == 302
    page = laptop.get("/konto").get_data(as_text=True)
    assert "Du är utloggad från alla andra enheter." in page
    assert page.count("<tr>") == 1 + 1
    assert not any(signed_in(client) for client in others)
    assert signed_in(laptop)
    again = laptop.post("/konto/andra-enheter/logga-ut", follow_redirects=True)
    assert "Du var inte inloggad på någon annan enhet." in again.get_data(as_text=True)
    with app.app_context():
        details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "account.sessions_ended")
                                     .order_by(AuditEvent.id)).all()
        assert details == ["2 sessioner", "0 sessioner"]


def test_log_out_other_devices_needs_the_csrf_token(app_factory, make_user):
    app = app_factory(WTF_CSRF_ENABLED=True)
    make_user(ANNA)
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        client.get("/logga-in")
        from tests.helpers import csrf_token_from

        token = csrf_token_from(client.get("/logga-in").get_data(as_text=True))
        client.post("/logga-in", data={"email": ANNA, "password": TEST_PASSWORD, "csrf_token": token})
    assert laptop.post("/konto/andra-enheter/logga-ut").status_code == 400
    assert signed_in(phone)


@pytest.mark.parametrize("failed_sign_ins", [0, 2])
def test_a_wrong_current_password_on_the_account_page_counts_toward_the_lock(app, make_user, failed_sign_ins):
    uid = make_user(ANNA)
    limit = app.config["PORTAL_LOGIN_MAX_FAILURES"]
    client = app.test_client()
    login(client, ANNA)  # a successful sign-in resets the count: the failed ones come after it
    for _ in range(failed_sign_ins):
        app.test_client().post("/logga-in", data={"email": ANNA, "password": "gissning-gissning"})
    for attempt in range(limit - failed_sign_ins):
        wrong = client.post("/konto", data={"current_password": f"gissning-{attempt}", "new_password": NEW,
                                            "confirm": NEW})
        assert wrong.status_code == 400
        assert "nuvarande lösenordet stämmer inte" in wrong.get_data(as_text=True)
    # Locked now: signing in fails, and on /konto even the right password changes nothing.
    refused = app.test_client().post("/logga-in", data={"email": ANNA, "password": TEST_PASSWORD})
    assert refused.status_code == 400
    right = client.post("/konto", data={"current_password": TEST_PASSWORD, "new_password": NEW, "confirm": NEW})
    html = right.get_data(as_text=True)
    assert right.status_code == 400 and "För många felaktiga lösenord" in html and 'class="error-summary"' in html
    with app.app_context():
        user = db.session.get(User, uid)
        assert user.locked_until is not None
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == uid)).all()
        assert actions.count("account.password_wrong") == limit - failed_sign_ins
        assert actions.count("account.locked") == 1
        assert "account.password_changed" not in actions


def test_sessions_prune_removes_ended_and_expired_rows_only(app, make_user):
    make_user(ANNA)
    make_user("bo@skola.example")
    ended, live, old = app.test_client(), app.test_client(), app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        login(old, "bo@skola.example")
        clock.shift(dt.timedelta(hours=app.config["PORTAL_SESSION_LIFETIME_HOURS"]))
        login(ended, ANNA)
        login(live, ANNA)
        ended.post("/logga-ut")
        result = app.test_cli_runner().invoke(args=["sessions", "prune"])
        assert result.exit_code == 0 and "2 avslutade eller utgångna" in result.output
        assert signed_in(live)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountSession)) == 1


def test_signing_in_prunes_the_accounts_own_finished_sessions(app, make_user):
    make_user(ANNA)
    make_user("bo@skola.example")
    for email in (ANNA, "bo@skola.example"):
        client = app.test_client()
        login(client, email)
        client.post("/logga-ut")
    login(app.test_client(), ANNA)
    with app.app_context():
        rows = db.session.scalars(select(AccountSession)).all()
        # Anna's ended row is gone; Bo's stays until Bo signs in again or `portal sessions prune`.
        assert sorted((r.ended_at is None) for r in rows) == [False, True]


def test_a_view_that_writes_before_it_reads_the_user_still_touches_the_session(app, client, make_user):
    """The session is read (and touched) before the view runs: on SQLite, touching it after the
    view took the write lock would wait for that lock and fail."""
    from flask import render_template_string
    from flask_login import current_user

    uid = make_user(ANNA)

    def rename():
        db.session.get(User, uid).name = "Anna Omdöpt"
        db.session.flush()  # the write lock of the request's transaction, as a view writing first takes it
        html = render_template_string("{{ current_user.name }}")
        db.session.commit()
        return html if current_user.is_authenticated else "ingen"

    app.add_url_rule("/test/skriv-forst", "write_first", rename, methods=["POST"])
    with time_machine.travel(START, tick=False) as clock:
        login(client, ANNA)
        clock.shift(dt.timedelta(minutes=5))
        response = client.post("/test/skriv-forst")
        assert response.status_code == 200 and response.get_data(as_text=True) == "Anna Omdöpt"
    with app.app_context():
        row = db.session.scalars(select(AccountSession)).one()
        assert row.last_seen_at == (START + dt.timedelta(minutes=5)).replace(tzinfo=None)


def test_the_database_keeps_only_a_hash_of_the_session_token(app, client, make_user):
    import hashlib

    make_user(ANNA)
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(client, ANNA)
    cookie = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    token = cookie["_sid"]
    assert len(token) >= 43  # 32 random bytes
    with app.app_context():
        row = db.session.scalars(select(AccountSession)).one()
        stored = " ".join(str(v) for v in db.session.execute(select(AccountSession.__table__)).one())
    assert token not in stored
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.device == "Firefox på Windows"  # no version, no address
