from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

ROLES = {"staff": "Personal", "manager": "Chef", "admin": "Administratör"}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="staff")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # No longer read: sign-in sessions live in account_sessions (AccountSession) since issue 27.
    session_version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[UserUnit]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserUnit.unit_key",
        foreign_keys="UserUnit.user_id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    def get_id(self) -> str:
        return str(self.id)

    @property
    def unit_keys(self) -> set[str]:
        return {m.unit_key for m in self.memberships}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"

    @property
    def works_with_cases(self) -> bool:
        """Staff and managers work with cases; administrators never read case contents."""
        return self.role in ("staff", "manager")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class UserUnit(db.Model):
    __tablename__ = "user_units"
    __table_args__ = (UniqueConstraint("user_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_key: Mapped[str] = mapped_column(String(100), index=True)
    # When and by whom the account was added to the unit (NULL for memberships older than 0005).
    added_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    added_by = relationship("User", foreign_keys=[added_by_id])


class AccountSession(db.Model):
    """One sign-in on one device. The session cookie carries a random token; only its SHA-256
    is stored. Ended (logout, password change, deactivation, "log out other devices") rows, and
    rows past the idle timeout or the absolute lifetime, are refused by the user loader."""
    __tablename__ = "account_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Written at most once a minute (accounts.sessions.TOUCH_EVERY), never by the page's own transaction.
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    # Browser and operating system only ("Firefox på Windows"): no address, no version, no person.
    device: Mapped[str] = mapped_column(String(100), default="")
