"""Account operations: authentication with lockout, creation, password change."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..timeutil import utcnow
from .models import ROLES, User, UserUnit
from .passwords import hash_password, needs_rehash, password_problem, verify_password


class AccountError(ValueError):
    pass


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The user when e-mail and password match an active, unlocked account; else None.

    Failures count towards a temporary lock. The caller shows one message for every
    failure, so nobody can tell whether an account exists or is locked."""
    user = find_by_email(email)
    now = utcnow()
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if user.locked_until and user.locked_until > now:
        return None
    if not ok or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= current_app.config["PORTAL_LOGIN_MAX_FAILURES"]:
            user.locked_until = now + dt.timedelta(minutes=current_app.config["PORTAL_LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.commit()
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.commit()
    return user


def create_user(email: str, name: str, password: str, role: str = "staff", units: list[str] | None = None,
                added_by: User | None = None) -> User:
    email = email.strip().lower()
    if role not in ROLES:
        raise AccountError(f"Okänd roll '{role}'. Välj bland: {', '.join(ROLES)}")
    if find_by_email(email):
        raise AccountError("Det finns redan ett konto med den e-postadressen")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError(problem)
    directory = current_app.extensions["directory"]
    for key in units or []:
        if key not in directory.units:
            raise AccountError(f"Enheten '{key}' finns inte i organisationskatalogen")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                password_changed_at=utcnow())
    user.memberships = [UserUnit(unit_key=k, added_by_id=added_by.id if added_by else None)
                        for k in sorted(set(units or []))]
    db.session.add(user)
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version = (user.session_version or 1) + 1
    user.failed_logins = 0
    user.locked_until = None


def set_units(user: User, units: list[str], added_by: User | None = None) -> list[str]:
    """Makes the account's units `units`. Returns the units it was added to."""
    wanted = set(units)
    user.memberships = [m for m in user.memberships if m.unit_key in wanted]
    have = user.unit_keys
    added = sorted(wanted - have)
    for key in added:
        user.memberships.append(UserUnit(unit_key=key, added_by_id=added_by.id if added_by else None))
    return added
