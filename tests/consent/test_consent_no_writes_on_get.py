"""Issue 31 item 7: reading a consent past its end date writes nothing. The pages derive
"Upphört" when they read; `portal consent expire` (scheduled) is what stores it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select, text

from tests.support.consent import consent_sent_by_e_mail

from portal.timeutil import today_local

# Reading is audited (audit_events) and a signed-in request keeps its session alive
# (account_sessions): those writes are the product. Nothing else may be written on a GET.
EXPECTED_WRITES = re.compile(r"\b(audit_events|account_sessions)\b")


@pytest.fixture
def expired(app_factory, make_user, make_case, smtp_sink):
    app, staff, ref, consent_id, link = consent_sent_by_e_mail(app_factory, make_user, make_case, smtp_sink)
    from portal.extensions import db

    with app.app_context():  # time passes: the consent's last day was yesterday
        db.session.execute(text("UPDATE consents SET valid_until = :d WHERE id = :c"),
                           {"d": today_local() - dt.timedelta(days=1), "c": consent_id})
        db.session.commit()
    return app, staff, ref, consent_id, link


def _writes(app, fn) -> list[str]:
    from portal.extensions import db

    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.I) and not EXPECTED_WRITES.search(statement):
            seen.append(statement.split("\n")[0][:120])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return seen


def _stored_status(app, consent_id) -> str:
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(Consent.stored_status).where(Consent.id == consent_id))


def test_pages_of_a_consent_past_its_end_show_it_ended_and_write_nothing(expired):
    app, staff, ref, consent_id, link = expired
    pages = {}

    def read():
        pages["case"] = staff.get(f"/arenden/{ref}").get_data(as_text=True)
        pages["detail"] = staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)
        pages["signer"] = app.test_client().get(link).get_data(as_text=True)

    assert _writes(app, read) == []
    assert "Upphört (tiden har gått ut)" in pages["case"]
    assert "Upphört (tiden har gått ut)" in pages["detail"] and "Länken har gått ut" in pages["detail"]
    assert "Samtycket har upphört" in pages["signer"]
    assert _stored_status(app, consent_id) == "pending"

    result = app.test_cli_runner().invoke(args=["consent", "expire"])
    assert result.exit_code == 0 and "1 samtycke har markerats som upphört." in result.output
    assert _stored_status(app, consent_id) == "expired"
    assert "Upphört (tiden har gått ut)" in staff.get(f"/arenden/{ref}/samtycke/{consent_id}").get_data(as_text=True)


def test_the_write_counter_sees_a_write(expired):
    """The listener above is real: the scheduled command's writes are counted."""
    app = expired[0]
    assert _writes(app, lambda: app.test_cli_runner().invoke(args=["consent", "expire"]))
