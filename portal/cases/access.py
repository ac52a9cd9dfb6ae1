"""Need-to-know access to cases.

A staff member sees a case only when one of their units has access: the unit that opened
it, or a unit that another feature grants access (a valid consent, a plan). Features
register an access provider: a function that, given a set of unit keys, returns a SELECT
of case ids those units may see. Everyone else gets 404."""
from __future__ import annotations

from typing import Callable

from flask import abort
from sqlalchemy import Select, exists, select, union_all

from ..extensions import db
from .models import Case

AccessProvider = Callable[[set[str]], Select]
# Given one case, the units that have access through the provider.
UnitsProvider = Callable[[Case], set[str]]

_case_providers: list[AccessProvider] = []
_unit_providers: list[UnitsProvider] = []


def register_access_provider(cases_for_units: AccessProvider, units_for_case: UnitsProvider) -> None:
    _case_providers.append(cases_for_units)
    _unit_providers.append(units_for_case)


def _opening_unit(unit_keys: set[str]) -> Select:
    return select(Case.id).where(Case.unit_key.in_(unit_keys))


def visible_case_ids(user) -> Select | None:
    if user is None or not user.is_authenticated or not user.works_with_cases:
        return None
    units = user.unit_keys
    if not units:
        return None
    selects = [_opening_unit(units)] + [p(units) for p in _case_providers]
    # UNION ALL: the ids are only ever used with IN, where a case named twice is still one case,
    # and the database need not sort thousands of ids to drop the doubles.
    return union_all(*selects) if len(selects) > 1 else selects[0]


def visible_cases_query(user):
    ids = visible_case_ids(user)
    if ids is None:
        return select(Case).where(False)
    return select(Case).where(Case.id.in_(select(ids.subquery().c[0])))


def units_with_access(case: Case) -> set[str]:
    units = {case.unit_key}
    for provider in _unit_providers:
        units |= provider(case)
    return units


def can_view(user, case: Case) -> bool:
    ids = visible_case_ids(user)
    if ids is None:
        return False
    return bool(db.session.scalar(select(exists().where(Case.id == case.id).where(Case.id.in_(select(ids.subquery().c[0]))))))


def get_case_or_404(ref: str, user) -> Case:
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    if case is None or not can_view(user, case):
        abort(404)
    return case
