"""Sections that features add to the case page (consent, plan, checklist, deviations ...).

register_case_panel(app, order, template, context) – `context(case, user)` returns a dict for the
template, or None to hide the panel. Keeps the case page free of feature imports."""
from __future__ import annotations

from typing import Callable

from ..hooks import hook_list


def register_case_panel(app, order: int, template: str, context: Callable) -> None:
    panels = hook_list(app, "case_panels")
    panels.append((order, template, context))
    panels.sort(key=lambda p: p[0])


def panels_for(case, user) -> list[tuple[str, dict]]:
    result = []
    for _, template, context in hook_list(None, "case_panels"):
        ctx = context(case, user)
        if ctx is not None:
            result.append((template, ctx))
    return result
