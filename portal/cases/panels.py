"""Sections that features add to the case page (consent, plan, checklist, deviations ...).

register_case_panel(app, order, template, context) – `context(case, user)` returns a dict for the
template, or None to hide the panel. A negative order puts the panel at the top of the page, before
the child's details (panels_for(..., top=True)); the others follow the guardians. Keeps the case
page free of feature imports."""
from __future__ import annotations

from typing import Callable

from ..hooks import hook_list


def register_case_panel(app, order: int, template: str, context: Callable) -> None:
    panels = hook_list(app, "case_panels")
    panels.append((order, template, context))
    panels.sort(key=lambda p: p[0])


def panels_for(case, user, *, top: bool = False) -> list[tuple[str, dict]]:
    result = []
    for order, template, context in hook_list(None, "case_panels"):
        if (order < 0) != top:
            continue
        ctx = context(case, user)
        if ctx is not None:
            result.append((template, ctx))
    return result
