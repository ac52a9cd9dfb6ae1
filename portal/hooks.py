"""Per-app extension points: what features register in their init_app(app) is kept on that app,
in app.extensions["portal"], never in a module-global list. Two apps in one process (the tests
build many) each have their own, so nothing is registered twice and no guard is needed.

    hook_list(app, "case_panels").append(...)      # in init_app
    for entry in hook_list(None, "case_panels"):   # when serving: the current app's

Each feature module names its own hooks (cases.panels: "case_panels", cases.access:
"access_providers", consent.identity: "identity_providers" ...)."""
from __future__ import annotations

from flask import Flask, current_app


def _hooks(app: Flask | None) -> dict:
    return (app or current_app).extensions.setdefault("portal", {})


def hook_list(app: Flask | None, name: str) -> list:
    """The app's list for hook ``name`` (app None: the current app)."""
    return _hooks(app).setdefault(name, [])


def hook_dict(app: Flask | None, name: str) -> dict:
    """The app's mapping for hook ``name`` (app None: the current app)."""
    return _hooks(app).setdefault(name, {})
