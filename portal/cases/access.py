"""Need-to-know access to cases.

A staff member sees a case only when one of their units has access: the unit that opened
it, or a unit that another feature grants access (a valid consent, a plan). Features
register an access provider: a function that, given a set of unit keys, returns a SELECT
of case ids those units may see. Everyone else gets 404.

The case list does not collect all the visible ids (thousands, to count and sort): VisibleCases
takes the visible set in disjoint parts, each cheap through an index, built from the same
definition as visible_case_ids (the opening unit, and the providers' SELECTs)."""
from __future__ import annotations

from typing import Callable

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, exists, func, select, union, union_all

from ..extensions import db
from ..hooks import hook_list
from ..web.loaders import loader
from .models import Case

AccessProvider = Callable[[set[str]], Select]
# Given one case, the units that have access through the provider.
UnitsProvider = Callable[[Case], set[str]]



def register_access_provider(app, cases_for_units: AccessProvider, units_for_case: UnitsProvider) -> None:
    hook_list(app, "access_providers").append((cases_for_units, units_for_case))


def _case_providers() -> list[AccessProvider]:
    return [cases for cases, _ in hook_list(None, "access_providers")]


def _opening_unit(unit_keys: set[str]) -> Select:
    return select(Case.id).where(Case.unit_key.in_(unit_keys))


def visible_case_ids(user) -> Select | None:
    if user is None or not user.is_authenticated or not user.works_with_cases:
        return None
    units = user.unit_keys
    if not units:
        return None
    selects = [_opening_unit(units)] + [p(units) for p in _case_providers()]
    # UNION ALL: the ids are only ever used with IN, where a case named twice is still one case,
    # and the database need not sort thousands of ids to drop the doubles.
    return union_all(*selects) if len(selects) > 1 else selects[0]


def visible_cases_query(user):
    ids = visible_case_ids(user)
    if ids is None:
        return select(Case).where(False)
    return select(Case).where(Case.id.in_(select(ids.subquery().c[0])))


class VisibleCases:
    """The cases ``user`` sees that meet ``conditions`` (on Case columns), for the case list.

    Taken in disjoint parts, each cheap through an index whatever the number of cases:
    for each of the user's units, the cases that unit opened (``unit_key = :unit``); and the
    cases the providers grant the units and that none of them opened (few: a consent or plan
    names a unit on a case). Together exactly the set of visible_case_ids."""

    def __init__(self, user, *conditions):
        self.conditions = conditions
        units = None
        if user is not None and user.is_authenticated and user.works_with_cases:
            units = sorted(user.unit_keys) or None
        self.units = units
        self._elsewhere = self._granted_elsewhere(units) if units else None

    @staticmethod
    def _granted_elsewhere(units: list[str]) -> Select | None:
        """(id, updated_at) of the granted cases opened outside the units; None without providers.
        A DISTINCT list of ids (a case with two consents, or a consent and a plan, is one row)
        joined to cases by primary key."""
        selects = [p(set(units)) for p in _case_providers()]
        if not selects:
            return None
        granted = (union(*selects) if len(selects) > 1 else selects[0].distinct()).subquery()
        return (select(Case.id, Case.updated_at).join(granted, Case.id == granted.c[0])
                .where(Case.unit_key.not_in(units)))

    def count(self) -> int:
        """Exactly how many: the user's units' cases (an index range per unit and status:
        ix_cases_unit_status_updated, without reading the rows unless a search needs them) plus
        the granted cases opened elsewhere."""
        if self.units is None:
            return 0
        own = (select(func.count()).select_from(Case).where(Case.unit_key.in_(self.units), *self.conditions)
               .scalar_subquery())
        if self._elsewhere is None:
            return db.session.scalar(select(own))
        granted = select(func.count()).select_from(self._elsewhere.where(*self.conditions).subquery()).scalar_subquery()
        return db.session.scalar(select(own + granted))

    def newest_first(self, first: int) -> Select:
        """SELECT of their ids, newest change first (updated_at DESC, id DESC), exact for the first
        ``first`` rows: page it with LIMIT/OFFSET within them.

        Each unit gives its newest ``first`` cases, read in order from an index
        (ix_cases_unit_status_updated with a status condition, ix_cases_unit_updated without)
        and stopping there; the granted cases opened elsewhere come whole. Every part holds
        its own top ``first`` and the order is total (id breaks ties), so the top ``first`` of
        their union is the top ``first`` of the visible set."""
        return self.ordered(first)

    def ordered(self, first: int, newest: bool = True) -> Select:
        """newest_first(first), or with newest=False the same ids in the opposite order
        (updated_at ASC, id ASC), exact for the first ``first``: the back pages of a long list
        read from that end, through the same indexes walked the other way, instead of
        skipping thousands of newer cases (paging.paginate_from_either_end)."""
        if self.units is None:
            return select(Case.id).where(False)

        def order(updated, ident):
            return (updated.desc(), ident.desc()) if newest else (updated.asc(), ident.asc())

        parts = []
        for unit in self.units:
            end = (select(Case.id, Case.updated_at).where(Case.unit_key == unit, *self.conditions)
                   .order_by(*order(Case.updated_at, Case.id)).limit(first).subquery())
            parts.append(select(end.c.id, end.c.updated_at))
        if self._elsewhere is not None:
            parts.append(self._elsewhere.where(*self.conditions))
        # UNION, not UNION ALL: the parts are disjoint, but should two unit keys ever compare equal
        # (a case-insensitive collation), a case is still listed once; it sorts at most a page's worth.
        merged = (union(*parts) if len(parts) > 1 else parts[0]).subquery()
        return select(merged.c.id).order_by(*order(merged.c.updated_at, merged.c.id))


def units_with_access(case: Case) -> set[str]:
    units = {case.unit_key}
    for _, provider in hook_list(None, "access_providers"):
        units |= provider(case)
    return units


def can_view(user, case: Case) -> bool:
    if user is None or not user.is_authenticated or not user.works_with_cases:
        return False
    if case.unit_key in user.unit_keys:
        return True    # the opening unit: the first part of visible_case_ids, known without a query
    ids = visible_case_ids(user)
    if ids is None:
        return False
    return bool(db.session.scalar(select(exists().where(Case.id == case.id).where(Case.id.in_(select(ids.subquery().c[0]))))))


def get_case_or_404(ref: str, user) -> Case:
    case = db.session.scalar(select(Case).where(Case.ref == ref))
    if case is None or not can_view(user, case):
        abort(404)
    return case


# @load_case: a view's `ref` becomes `case`, the signed-in user's visible case (else 404).
load_case = loader("ref", "case", lambda ref: get_case_or_404(ref, current_user))


def _opening_unit_case(ref: str) -> Case | None:
    case = get_case_or_404(ref, current_user)
    return case if case.unit_key in current_user.unit_keys else None


# @load_opening_unit_case: as load_case, and only for the accounts of the unit that opened the case.
load_opening_unit_case = loader("ref", "case", _opening_unit_case)
