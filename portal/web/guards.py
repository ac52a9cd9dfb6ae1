"""Who may call a view. One rule, for every blueprint (also in docs/ARCHITECTURE.md and SECURITY.md):

- not signed in                                   -> redirect to the sign-in page (302);
- signed in, but the account's role lacks the
  capability the view needs (an administrator on
  a case page, a staff member on the admin pages) -> 403;
- a record the person may not know exists (a case,
  report, plan, meeting or consent outside what
  they can see)                                   -> 404, so that its existence is not revealed.
  That is the loaders' part (portal/web/loaders.py), never a guard's.

Use a guard on a view (`@staff_required`) or on a whole blueprint (`guard_blueprint(bp, staff_required)`).
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user, login_required


def role_required(capability: Callable[[object], bool]):
    """A guard: signed in (else the sign-in page), and `capability(current_user)` true (else 403)."""
    def guard(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not capability(current_user):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return guard


staff_required = role_required(lambda user: user.works_with_cases)     # staff and managers, never administrators
manager_required = role_required(lambda user: user.is_manager)
admin_required = role_required(lambda user: user.is_admin)
admin_or_manager_required = role_required(lambda user: user.is_admin or user.is_manager)


def guard_blueprint(bp, guard) -> None:
    """Every view of `bp` behind `guard` (a before_request hook)."""
    bp.before_request(guard(lambda: None))
