"""Sections that features add to a signed-in user's start page ("Mina ärenden", due dates, inbox).

register_start_section(order, template, context): `context(user)` returns a dict or None."""
from __future__ import annotations

from typing import Callable

_sections: list[tuple[int, str, Callable]] = []


def register_start_section(order: int, template: str, context: Callable) -> None:
    if template not in [t for _, t, _ in _sections]:
        _sections.append((order, template, context))
        _sections.sort(key=lambda s: s[0])


def sections_for(user) -> list[tuple[str, dict]]:
    result = []
    for _, template, context in _sections:
        ctx = context(user)
        if ctx is not None:
            result.append((template, ctx))
    return result
