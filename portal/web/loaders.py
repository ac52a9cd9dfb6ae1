"""Loader decorators: a view gets the record it works on, not its URL argument.

    @bp.route("/arenden/<ref>/planer/<int:plan_id>")
    @staff_required
    @load_case            # ref -> case (404 unless the user may see it: cases/access.py)
    @load_plan            # plan_id -> plan of that case (404 otherwise)
    def plan_latest(case, plan): ...

A loader answers 404 when the record does not exist or is not visible to the user: the person
may not know it exists (portal/web/guards.py has the whole 403/404 rule). Loaders run in the
order written, so a later one can use what an earlier one loaded (the plan needs the case)."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort


def loader(url_arg: str, name: str | tuple[str, ...], find: Callable, needs: tuple[str, ...] = ()):
    """A decorator that replaces the view argument `url_arg` with `name` = find(value, *needs),
    where `needs` name arguments loaded before (e.g. "case"); None from `find` is a 404. A tuple
    `name` takes a tuple from `find` (e.g. the report and the user's roles on it)."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            found = find(kwargs.pop(url_arg), *(kwargs[n] for n in needs))
            if found is None:
                abort(404)
            kwargs.update(zip(name, found) if isinstance(name, tuple) else ((name, found),))
            return view(*args, **kwargs)
        return wrapper
    return decorator
