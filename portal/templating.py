"""Jinja set-up: Swedish dates, navigation and the shared form macros."""
from __future__ import annotations

import datetime as dt

from flask import Flask, url_for
from flask_login import current_user

from .hooks import hook_list
from .timeutil import local

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december"]
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]


def swedish_date(value, with_weekday: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{WEEKDAYS[value.weekday()]} {text}" if with_weekday else text


def swedish_datetime(value) -> str:
    if value is None:
        return ""
    return f"{swedish_date(value)} kl. {value:%H:%M}"


def add_nav(app, endpoint: str, label: str, visible=lambda user: True) -> None:
    """A navigation entry of the app: (endpoint, label, predicate(user) -> bool)."""
    hook_list(app, "nav").append((endpoint, label, visible))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["sv_date"] = swedish_date
    app.jinja_env.filters["sv_datetime"] = swedish_datetime
    app.jinja_env.filters["local_dt"] = local
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals():
        def nav_items():
            items = []
            for endpoint, label, visible in hook_list(app, "nav"):
                if endpoint in app.view_functions and visible(current_user):
                    items.append((url_for(endpoint), label, endpoint))
            return items

        return {"nav_items": nav_items, "portal_name": "Samverkansportalen"}
