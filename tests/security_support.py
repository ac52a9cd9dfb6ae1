"""Shared by the security tests (access matrix, CSRF, fuzzing): a small world with one object
of every kind a route can name, made through the features' own functions and routes, and a
logged-in test client per role.

Roles:
  anon      nobody signed in
  own       staff of the unit that opened the case
  other     staff of another unit (IFO) with no consent or plan in the case
  manager   the case unit's manager (rektor), who also receives the unit's deviation reports
  admin     an administrator
  guardian  a guardian holding their personal consent link (opened and identified)
  withdrawn a guardian who has withdrawn their consent, holding their link
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from tests.conftest import TEST_PASSWORD, login

ROLES = ("anon", "own", "other", "manager", "admin", "guardian", "withdrawn")
STAFF_ROLES = ("own", "other", "manager")
EMAILS = {
    "own": "anna.larare@arjeplog.example",
    "other": "samir.socialsekreterare@arjeplog.example",
    "manager": "rut.rektorsson@arjeplog.example",
    "admin": "admin@arjeplog.example",
}
ACCOUNT = {"own": ("staff", ["solbackens-skola"]), "other": ("staff", ["ifo-barn-och-familj"]),
           "manager": ("manager", ["solbackens-skola"]), "admin": ("admin", [])}
CASE_UNIT = "solbackens-skola"


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    case_ref: str = ""
    case_id: int = 0
    guardian_ids: list[int] = field(default_factory=list)
    message_id: int = 0
    values: dict[str, object] = field(default_factory=dict)   # url values by name, for the routes
    tokens: dict[str, str] = field(default_factory=dict)      # role -> personal link token
    extra: dict[str, object] = field(default_factory=dict)


# Features add builders here after their own objects exist: fn(app, world) -> None.
BUILDERS: list = []


def builder(fn):
    BUILDERS.append(fn)
    return fn


def build_world(app) -> World:
    from portal.accounts.service import create_user
    from portal.cases.models import Case, Guardian
    from portal.extensions import db

    world = World()
    with app.app_context():
        for role, email in EMAILS.items():
            kind, units = ACCOUNT[role]
            user = create_user(email, email.split("@")[0].replace(".", " ").title(), TEST_PASSWORD, kind, units)
            db.session.flush()
            world.users[role] = user.id
        case = Case(unit_key=CASE_UNIT, opened_by_id=world.users["own"], child_name="Matris Barnsson",
                    personal_number="20120415-2381")
        case.guardians.append(Guardian(name="Vera Vårdnadshavare", email="vera@familj.example", has_custody=True))
        case.guardians.append(Guardian(name="Ville Vårdnadshavare", email="ville@familj.example", has_custody=True))
        db.session.add(case)
        db.session.commit()
        world.case_ref, world.case_id = case.ref, case.id
        world.guardian_ids = [g.id for g in case.guardians]
    world.values.update(ref=world.case_ref, guardian_id=world.guardian_ids[0], user_id=world.users["own"],
                        slug="grona-kortet-norrbus", filename="css/portal.css", index=1)
    _outbox_message(app, world)
    for fn in BUILDERS:
        fn(app, world)
    return world


def _outbox_message(app, world: World) -> None:
    """A message delivered to the development mailbox, with an attachment."""
    from portal.extensions import db
    from portal.notify import queue_email
    from portal.notify.worker import deliver_due

    with app.app_context():
        msg = queue_email(to="mottagare@familj.example", template="notify/email/test", context={}, kind="notify.test",
                          attachments=[("natverksmote.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
        db.session.commit()
        world.message_id = msg.id
        deliver_due()
    world.values["message_id"] = world.message_id


def client_for(app, world: World, role: str):
    """A test client acting as `role` (see the module docstring)."""
    client = app.test_client()
    if role in EMAILS:
        login(client, EMAILS[role])
    elif role in ("guardian", "withdrawn") and role in world.tokens:
        opener = GUARDIAN_OPENERS.get("open")
        if opener is not None:
            opener(app, world, client, role)
    return client


# The consent feature sets this: fn(app, world, client, role) opens and identifies the role's link.
GUARDIAN_OPENERS: dict[str, object] = {}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def scalar(app, query):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(query)


__all__ = ["ROLES", "STAFF_ROLES", "EMAILS", "World", "build_world", "client_for", "builder", "select", "scalar"]
