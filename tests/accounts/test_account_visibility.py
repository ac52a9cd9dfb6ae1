"""Issue 28: accounts are visible to the managers of the units whose data they reach."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.helpers import TEST_PASSWORD, login
from tests.support.notify import outbox_rows

NEW_PASSWORD = "ett-eget-lösenord-42"


def _audit(app, action):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return rows


def _admin(app, make_user):
    make_user("admin@kommun.example", role="admin", units=())
    client = app.test_client()
    login(client, "admin@kommun.example")
    return client


def test_account_creation_is_audited_and_mailed_to_the_units_managers(app, make_user):
    make_user("rektor@skola.example", role="manager", units=("solbackens-skola",))
    admin = _admin(app, make_user)
    created = admin.post("/admin/konton/nytt", data={"name": "Kim Kurator", "email": "kim@skola.example", "role": "staff",
                                                     "units": ["solbackens-skola"], "active": "y",
                                                     "password": NEW_PASSWORD})
    assert created.status_code == 302
    events = _audit(app, "account.create")
    assert [(e.unit_key, e.object_type) for e in events] == [("solbackens-skola", "user")]
    assert events[0].user_id is not None and "kim" not in events[0].detail.lower()
    mails = [m for m in outbox_rows(app) if m.kind == "account.create"]
    # the directory's managers (rektor of the unit, the service's head) and the manager account in the unit
    assert {m.to_addr for m in mails} == {"rut.rektorsson@arjeplog.example", "greta.grundstrom@arjeplog.example",
                                             "rektor@skola.example"}
    body = mails[0].body_text
    assert "Solbackens skola" in body and "/enhet/konton" in body
    assert "Kim" not in body and "kim@skola.example" not in body  # who it was is read after signing in


def test_adding_a_unit_setting_a_password_and_unlocking_are_told_to_that_units_managers(app, make_user):
    from portal.accounts.models import User
    from portal.extensions import db

    uid = make_user("kim@skola.example", units=("solbackens-skola",))
    admin = _admin(app, make_user)
    saved = admin.post(f"/admin/konton/{uid}", data={"name": "Kim", "email": "kim@skola.example", "role": "staff",
                                                     "units": ["solbackens-skola", "ifo-barn-och-familj"], "active": "y"})
    assert saved.status_code == 302
    added = _audit(app, "account.add_unit")
    assert [e.unit_key for e in added] == ["ifo-barn-och-familj"]  # only the unit it was added to
    mails = [m for m in outbox_rows(app) if m.kind == "account.add_unit"]
    assert {m.to_addr for m in mails} == {"erik.enhetsson@arjeplog.example", "sofia.socialchefsson@arjeplog.example"}

    admin.post(f"/admin/konton/{uid}", data={"name": "Kim", "email": "kim@skola.example", "role": "staff",
                                             "units": ["solbackens-skola", "ifo-barn-och-familj"], "active": "y",
                                             "password": NEW_PASSWORD})
    assert sorted(e.unit_key for e in _audit(app, "account.password_set")) == ["ifo-barn-och-familj", "solbackens-skola"]

    with app.app_context():
        db.session.get(User, uid).locked_until = dt.datetime(2099, 1, 1)
        db.session.commit()
    assert admin.post(f"/admin/konton/{uid}/las-upp").status_code == 302
    assert sorted(e.unit_key for e in _audit(app, "account.unlock")) == ["ifo-barn-och-familj", "solbackens-skola"]
    assert any(m.kind == "account.unlock" and m.to_addr == "rut.rektorsson@arjeplog.example" for m in outbox_rows(app))


def test_cli_account_creation_is_audited_too(app, runner):
    result = runner.invoke(args=["user", "create", "--email", "ny@skola.example", "--name", "Ny Person",
                                 "--unit", "solbackens-skola", "--password", TEST_PASSWORD])
    assert result.exit_code == 0, result.output
    events = _audit(app, "account.create")
    assert [(e.unit_key, e.actor) for e in events] == [("solbackens-skola", "cli")]
    assert any(m.kind == "account.create" for m in outbox_rows(app))


def test_the_manager_sees_the_units_members_and_when_each_was_added(app, make_user):
    make_user("rektor@skola.example", role="manager", units=("solbackens-skola",))
    make_user("annan@ifo.example", units=("ifo-barn-och-familj",))
    admin = _admin(app, make_user)
    admin.post("/admin/konton/nytt", data={"name": "Kim Kurator", "email": "kim@skola.example", "role": "staff",
                                           "units": ["solbackens-skola"], "active": "y", "password": NEW_PASSWORD})
    manager = app.test_client()
    login(manager, "rektor@skola.example")
    start = manager.get("/").get_data(as_text=True)
    assert "/enhet/konton" in start  # in the manager's menu
    page = manager.get("/enhet/konton")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kim Kurator" in html and "kim@skola.example" in html
    assert "Admin" in html  # added by the administrator
    assert "annan@ifo.example" not in html  # another unit's account
    staff = app.test_client()
    login(staff, "kim@skola.example", NEW_PASSWORD)
    assert staff.get("/enhet/konton").status_code == 403  # not a manager


def test_reads_through_a_new_account_are_in_the_managers_audit_log(app, make_user, make_case):
    make_user("rektor@skola.example", role="manager", units=("solbackens-skola",))
    ifo = make_user("ifo@ifo.example", units=("ifo-barn-och-familj",), name="Ingrid Ifosson")
    ifo_case = make_case(ifo, unit_key="ifo-barn-och-familj", child_name="Annat Barn")
    own_case = make_case(make_user("anna@skola.example"), child_name="Egen Elev")
    admin = _admin(app, make_user)
    admin.post("/admin/konton/nytt", data={"name": "Kim Kurator", "email": "kim@skola.example", "role": "staff",
                                           "units": ["solbackens-skola"], "active": "y", "password": NEW_PASSWORD})
    kim = app.test_client()
    login(kim, "kim@skola.example", NEW_PASSWORD)
    assert kim.get(f"/arenden/{own_case}").status_code == 200
    other = app.test_client()
    login(other, "ifo@ifo.example")
    assert other.get(f"/arenden/{ifo_case}").status_code == 200
    manager = app.test_client()
    login(manager, "rektor@skola.example")
    log = manager.get("/granskning/").get_data(as_text=True)
    assert "Kim Kurator" in log and "Läste ärendet" in log and own_case in log
    assert "Skapade ett konto i enheten" in log
    assert "Ingrid Ifosson" not in log and ifo_case not in log  # another unit's reads stay in its own log
