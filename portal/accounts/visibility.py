"""Accounts are visible to the people responsible for the data (issue 28).

Creating an account, adding a unit to it, setting its password as an administrator and lifting
its login lock are written to the audit log once per unit concerned (the unit's managers read
those events on /granskning/) and e-mailed to the unit's managers: the managers named in the
organisation directory for the unit and its service, and the portal's manager accounts in the
unit. The e-mail names the unit, the change and the role, never the account holder: the
managers read who it was on /enhet/konton after signing in."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..audit import log_event
from ..audit.log import register_labels
from ..directory import current_directory
from ..extensions import db
from ..notify import queue_email
from ..timeutil import local, utcnow
from .models import ROLES, User, UserUnit

log = logging.getLogger("portal.accounts")

CREATE, ADD_UNIT, PASSWORD_SET, UNLOCK = "account.create", "account.add_unit", "account.password_set", "account.unlock"
LABELS = {
    CREATE: "Skapade ett konto i enheten",
    ADD_UNIT: "Lade till ett konto i enheten",
    PASSWORD_SET: "Satte ett nytt lösenord på ett konto i enheten",
    UNLOCK: "Hävde inloggningsspärren för ett konto i enheten",
}
# What the managers' e-mail says happened ("Ett konto ... i Solbackens skola").
MAIL_TEXT = {
    CREATE: "Ett nytt konto har skapats",
    ADD_UNIT: "Ett konto har fått tillgång",
    PASSWORD_SET: "En administratör har satt ett nytt lösenord på ett konto",
    UNLOCK: "En administratör har hävt inloggningsspärren för ett konto",
}


def init_labels(app) -> None:
    register_labels(app, LABELS)


def manager_addresses(unit_key: str) -> list[str]:
    """The unit's managers: from the directory (unit and service) and the manager accounts in it."""
    directory = current_directory()
    found: list[str] = []
    if unit_key in directory.units:
        found.extend(m.email for m in directory.managers_of(unit_key))
    found.extend(db.session.scalars(
        select(User.email).join(UserUnit, UserUnit.user_id == User.id)
        .where(UserUnit.unit_key == unit_key, User.role == "manager", User.active.is_(True))))
    unique: list[str] = []
    for address in found:
        if address and address.lower() not in [a.lower() for a in unique]:
            unique.append(address)
    return unique


def announce(action: str, account: User, unit_keys, *, by: User | None = None, actor: str = "") -> None:
    """Audit `action` on `account` once per unit and tell each unit's managers (in the caller's
    transaction; the caller commits). An account without units gets one audit event without a unit."""
    directory = current_directory()
    keys = sorted(set(unit_keys))
    db.session.flush()
    detail = f"konto {account.id}, roll: {ROLES.get(account.role, account.role)}"
    for key in keys or [""]:
        log_event(action, unit_key=key, object_type="user", object_id=account.id, detail=detail, user=by,
               actor=actor)
    when = local(utcnow())
    link = f"{current_app.config['PORTAL_BASE_URL']}/enhet/konton"
    for key in keys:
        context = {"what": MAIL_TEXT[action], "unit_name": directory.unit_label(key),
                   "role": ROLES.get(account.role, account.role).lower(), "when": when, "link": link}
        for address in manager_addresses(key):
            try:
                queue_email(address, "accounts/email/account_change", context, kind=action)
            except ValueError as exc:  # a bad address in the directory must not stop the change
                log.warning("Account e-mail %s not queued: %s", action, type(exc).__name__)


def members(unit_key: str):
    """[(membership, user, added_by_name)] of a unit, newest first."""
    added_by = aliased(User)
    rows = db.session.execute(
        select(UserUnit, User, added_by.name).join(User, User.id == UserUnit.user_id)
        .outerjoin(added_by, added_by.id == UserUnit.added_by_id)
        .where(UserUnit.unit_key == unit_key)
        .order_by(UserUnit.added_at.desc(), User.name)).all()
    return rows
