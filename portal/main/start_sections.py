"""Sections that features add to a signed-in user's start page ("Mina ärenden", due dates, inbox).

register_start_section(app, order, template, context): `context(user)` returns a dict or None."""
from __future__ import annotations

from typing import Callable

from ..hooks import hook_list


def register_start_section(app, order: int, template: str, context: Callable) -> None:
    sections = hook_list(app, "start_sections")
    sections.append((order, template, context))
    sections.sort(key=lambda s: s[0])


def sections_for(user) -> list[tuple[str, dict]]:
    result = []
    for _, template, context in hook_list(None, "start_sections"):
        ctx = context(user)
        if ctx is not None:
            result.append((template, ctx))
    return result
