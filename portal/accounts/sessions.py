"""Server-side sign-in sessions (issue 27).

Flask's session cookie carries a random token (SESSION_KEY); the database keeps its SHA-256 in
`account_sessions`, so every app instance sees the same state. The user loader reads the row and
its account in one indexed SELECT and refuses a session that was ended (logout, password change,
deactivation, "log out other devices"), has been idle longer than PORTAL_SESSION_IDLE_MINUTES or
is older than PORTAL_SESSION_LIFETIME_HOURS. A session is started by Flask-Login's
`user_logged_in` signal, so every way of signing in (password, single sign-on) gets one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import ua_parser
from flask import current_app, g, request, session
from sqlalchemy import bindparam, delete, or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from .models import AccountSession, User

SESSION_KEY = "_sid"
# last_seen_at is written at most this often, so pages do not write on every request.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["PORTAL_SESSION_IDLE_MINUTES"])


def _lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["PORTAL_SESSION_LIFETIME_HOURS"])


def device_label(user_agent: str) -> str:
    """A coarse description of the device: browser and operating system families only."""
    browser = ua_parser.parse_user_agent(user_agent or "")
    system = ua_parser.parse_os(user_agent or "")
    browser_name = browser.family if browser and browser.family != "Other" else "Okänd webbläsare"
    if system and system.family != "Other":
        return f"{browser_name} på {system.family}"[:100]
    return browser_name[:100]


def start(_sender, user: User, **_extra) -> None:
    """Flask-Login's user_logged_in: record a new session and put its token in the cookie."""
    now = utcnow()
    prune(user_id=user.id, now=now)
    token = secrets.token_urlsafe(32)
    db.session.add(AccountSession(token_hash=_hash(token), user_id=user.id, created_at=now, last_seen_at=now,
                                  device=device_label(request.user_agent.string) if request else ""))
    db.session.commit()
    session[SESSION_KEY] = token


def is_live(row, now: dt.datetime) -> bool:
    """row: an AccountSession, or a row with its ended_at, created_at and last_seen_at."""
    return row.ended_at is None and now - row.created_at < _lifetime() and now - row.last_seen_at < _idle()


# Built once: the user loader runs on every signed-in request (issue 32). The session row is read
# as plain columns (only the account becomes an ORM object): a quarter less work per request.
_SESSION_AND_ACCOUNT = (select(AccountSession.id, AccountSession.created_at, AccountSession.last_seen_at,
                               AccountSession.ended_at, User)
                        .join(User, User.id == AccountSession.user_id)
                        .where(AccountSession.token_hash == bindparam("token_hash")))


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the account of a live session whose token the cookie holds."""
    token = session.get(SESSION_KEY)
    if not token or not isinstance(token, str):
        return None
    found = db.session.execute(_SESSION_AND_ACCOUNT, {"token_hash": _hash(token)}).first()
    if found is None:
        return None
    row, user = found, found.User
    now = utcnow()
    if str(user.id) != user_id or not user.active or not is_live(row, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        # Its own short transaction: the page's transaction (and SQLite's write lock) stays untouched.
        with db.engine.begin() as conn:
            conn.execute(update(AccountSession).where(AccountSession.id == row.id).values(last_seen_at=now))
    g.account_session_id = row.id
    return user


def current_id() -> int | None:
    """The id of the signed-in request's session row (None outside a signed-in request)."""
    return g.get("account_session_id")


def end_current(reason: str = "logout") -> None:
    token = session.get(SESSION_KEY)
    if token and isinstance(token, str):
        db.session.execute(update(AccountSession)
                           .where(AccountSession.token_hash == _hash(token), AccountSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), end_reason=reason))


def end_all(user_id: int, reason: str, keep: int | None = None) -> int:
    """End every open session of the account (but `keep`); the caller commits. Returns how many."""
    statement = (update(AccountSession)
                 .where(AccountSession.user_id == user_id, AccountSession.ended_at.is_(None))
                 .values(ended_at=utcnow(), end_reason=reason)
                 .execution_options(synchronize_session=False))
    if keep is not None:
        statement = statement.where(AccountSession.id != keep)
    return db.session.execute(statement).rowcount


def live_sessions(user_id: int) -> list[AccountSession]:
    """The account's sessions that still let someone in, newest activity first."""
    now = utcnow()
    return list(db.session.scalars(
        select(AccountSession)
        .where(AccountSession.user_id == user_id, AccountSession.ended_at.is_(None),
               AccountSession.created_at > now - _lifetime(), AccountSession.last_seen_at > now - _idle())
        .order_by(AccountSession.last_seen_at.desc(), AccountSession.id.desc())))


def prune(user_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Delete ended and expired sessions (of one account, or all); the caller commits."""
    now = now or utcnow()
    statement = delete(AccountSession).where(or_(
        AccountSession.ended_at.is_not(None),
        AccountSession.created_at <= now - _lifetime(),
        AccountSession.last_seen_at <= now - _idle()))
    if user_id is not None:
        statement = statement.where(AccountSession.user_id == user_id)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
