"""Helpers for the notify tests: the test e-mail templates and queueing a message."""
from __future__ import annotations

from tests.helpers import ROOT

TEMPLATES = ROOT / "tests" / "notify" / "templates"


def with_test_templates(app):
    """Lets queue_email find tests/notify/templates/testmail/note.* (as a feature's template folder would)."""
    app.jinja_loader.searchpath.append(str(TEMPLATES))
    return app


def queue_notes(app, count=1, to="mottagare@example.org", kind="test.note", **context):
    """Queue and commit `count` messages; returns their ids."""
    from portal.extensions import db
    from portal.notify import queue_email

    values = {"note": "Ett nytt samtycke väntar på din underskrift.", "link": "http://portal.test/samtycke/abc"}
    values.update(context)
    with app.app_context():
        rows = [queue_email(to=to, template="testmail/note", context=values, kind=kind) for _ in range(count)]
        db.session.commit()
        return [r.id for r in rows]


def outbox_rows(app):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return rows
