"""Warnings about a valid directory that may still cause trouble.

The checks are named here, "module:function", each check(directory, content_dir) -> a list of
Swedish warning strings (e.g. deviation routing: units without a route). `portal directory check`
runs them without starting the app (a broken directory stops the app), so they are not per-app
hooks; a feature whose package is not installed is skipped."""
from __future__ import annotations

import importlib
from pathlib import Path

CHECKS = (
    "portal.directory.checks:units_without_managers",
    "portal.deviations.routing:units_without_route",
    "portal.plans.checks:process_warnings",
)


def units_without_managers(directory, content_dir):
    return [f"enheten '{u.key}' ({u.name}) har ingen chef, varken på enheten eller i verksamheten"
            for u in directory.units.values() if not directory.managers_of(u.key)]


def directory_warnings(directory, content_dir: Path) -> list[str]:
    warnings = []
    for name in CHECKS:
        module_name, function = name.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        warnings.extend(getattr(module, function)(directory, content_dir))
    return warnings
