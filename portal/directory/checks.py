"""Warnings about a valid directory that may still cause trouble.

Other features register checks here (e.g. deviation routing: units without a route)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

_checks: list[Callable] = []


def register_directory_check(check: Callable) -> None:
    """check(directory, content_dir) -> list of Swedish warning strings."""
    if check not in _checks:
        _checks.append(check)


def _units_without_managers(directory, content_dir):
    return [f"enheten '{u.key}' ({u.name}) har ingen chef, varken på enheten eller i verksamheten"
            for u in directory.units.values() if not directory.managers_of(u.key)]


register_directory_check(_units_without_managers)


def directory_warnings(directory, content_dir: Path) -> list[str]:
    # Import feature modules that add checks, without starting the app.
    import importlib

    for name in ("portal.deviations.routing", "portal.plans.checks"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            pass
    warnings = []
    for check in _checks:
        warnings.extend(check(directory, content_dir))
    return warnings
