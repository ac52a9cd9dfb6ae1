"""Staff members as plan roles and contact persons.

A person in a plan is stored as "<unit_key>:<user_id>": the staff account and the unit they act
for (a member of several units picks one), so that the sector rule and the contact details
always refer to one unit."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..accounts.models import User, UserUnit
from ..directory import current_directory
from ..extensions import db


@dataclass(frozen=True)
class Person:
    user_id: int
    unit_key: str
    name: str
    email: str
    active: bool = True

    @property
    def value(self) -> str:
        return f"{self.unit_key}:{self.user_id}"

    @property
    def unit_label(self) -> str:
        return current_directory().unit_label(self.unit_key)

    @property
    def unit_name(self) -> str:
        d = current_directory()
        return d.units[self.unit_key].name if self.unit_key in d.units else self.unit_key

    @property
    def label(self) -> str:
        return f"{self.name}, {self.unit_name}"


def parse_value(value: str | None) -> tuple[str, int] | None:
    if not value or ":" not in value:
        return None
    unit_key, _, user_id = value.rpartition(":")
    if not user_id.isdigit() or not unit_key:
        return None
    return unit_key, int(user_id)


def unit_of(value: str | None) -> str:
    parsed = parse_value(value)
    return parsed[0] if parsed else ""


def person(value: str | None) -> Person | None:
    parsed = parse_value(value)
    if parsed is None:
        return None
    unit_key, user_id = parsed
    user = db.session.get(User, user_id)
    if user is None:
        return None
    return Person(user.id, unit_key, user.name, user.email, bool(user.active))


def staff_at_units(unit_keys, roles=("staff", "manager")) -> list[Person]:
    """Active staff and managers (or only `roles`) who belong to the units, one entry per (person, unit)."""
    keys = sorted(set(unit_keys))
    if not keys:
        return []
    rows = db.session.execute(
        select(User, UserUnit.unit_key).join(UserUnit, UserUnit.user_id == User.id)
        .where(UserUnit.unit_key.in_(keys), User.active.is_(True), User.role.in_(roles))
        .order_by(User.name, UserUnit.unit_key)).all()
    return [Person(u.id, unit, u.name, u.email) for u, unit in rows]
