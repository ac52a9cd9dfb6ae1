"""Account operations: authentication with lockout, creation, password change."""
from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import func, select

from ..audit import log_event
from ..directory import current_directory
from ..errors import DomainError
from ..extensions import db
from ..timeutil import utcnow
from .models import ROLES, User, UserUnit
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .sessions import end_all


class AccountError(DomainError, ValueError):
    """A change refused; the Swedish message is safe to show."""


AUDIT_LABELS = {
    "account.password_wrong": "Angav fel nuvarande lösenord på Mitt konto",
    "account.locked": "Kontot spärrades efter för många felaktiga lösenord",
    "account.password_changed": "Bytte lösenord (andra inloggningar avslutades)",
    "account.sessions_ended": "Loggade ut från andra enheter",
}


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return bool(user.locked_until and user.locked_until > (now or utcnow()))


def count_failure(user: User, now: dt.datetime | None = None) -> bool:
    """One more failed password (at sign-in or on /konto); locks the account for a while after
    PORTAL_LOGIN_MAX_FAILURES. True when this failure locked it. The caller commits."""
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["PORTAL_LOGIN_MAX_FAILURES"]:
        user.locked_until = (now or utcnow()) + dt.timedelta(minutes=current_app.config["PORTAL_LOGIN_LOCK_MINUTES"])
        user.failed_logins = 0
        return True
    return False


def authenticate(email: str, password: str) -> User | None:
    """The user when e-mail and password match an active, unlocked account; else None.

    Failures count towards a temporary lock. The caller shows one message for every
    failure, so nobody can tell whether an account exists or is locked."""
    user = find_by_email(email)
    now = utcnow()
    ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if is_locked(user, now):
        return None
    if not ok or not user.active:
        count_failure(user, now)
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
        raise AccountError(f"Okänd roll '{role}'. Välj bland: {', '.join(ROLES)}", field="role")
    if find_by_email(email):
        raise AccountError("Det finns redan ett konto med den e-postadressen", field="email")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError(problem, field="password")
    directory = current_directory()
    for key in units or []:
        if key not in directory.units:
            raise AccountError(f"Enheten '{key}' finns inte i organisationskatalogen", field="units")
    user = User(email=email, name=name.strip(), password_hash=hash_password(password), role=role,
                password_changed_at=utcnow())
    user.memberships = [UserUnit(unit_key=k, added_by_id=added_by.id if added_by else None)
                        for k in sorted(set(units or []))]
    db.session.add(user)
    return user


def set_password(user: User, password: str, keep_session: int | None = None) -> None:
    """A new password; every session of the account ends except `keep_session` (the changer's own)."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    end_all(user.id, "password", keep=keep_session)


def change_own_password(user: User, current: str, new: str, keep_session: int | None) -> None:
    """/konto: the current password first. A wrong one counts like a failed sign-in (a stolen
    session cannot guess freely) and is audited; while the account is locked nothing is changed.
    Raises AccountError with the message for the field; the caller commits either way."""
    if is_locked(user):
        raise AccountError("För många felaktiga lösenord. Vänta en stund och försök igen.")
    if not verify_password(user.password_hash, current):
        log_event("account.password_wrong", object_type="user", object_id=user.id, user=user)
        if count_failure(user):
            log_event("account.locked", object_type="user", object_id=user.id, user=user)
        raise AccountError("Det nuvarande lösenordet stämmer inte")
    set_password(user, new, keep_session=keep_session)
    log_event("account.password_changed", object_type="user", object_id=user.id, user=user)


def log_out_other_devices(user: User, keep_session: int | None) -> int:
    """"Logga ut från andra enheter": every session of the account but this one ends (audited)."""
    ended = end_all(user.id, "other_devices", keep=keep_session)
    log_event("account.sessions_ended", object_type="user", object_id=user.id, detail=f"{ended} sessioner", user=user)
    return ended


def deactivate(user: User) -> None:
    """Close the account: it can no longer sign in, and every session of it ends now."""
    user.active = False
    end_all(user.id, "deactivated")


def set_units(user: User, units: list[str], added_by: User | None = None) -> list[str]:
    """Makes the account's units `units`. Returns the units it was added to."""
    wanted = set(units)
    user.memberships = [m for m in user.memberships if m.unit_key in wanted]
    have = user.unit_keys
    added = sorted(wanted - have)
    for key in added:
        user.memberships.append(UserUnit(unit_key=key, added_by_id=added_by.id if added_by else None))
    return added
