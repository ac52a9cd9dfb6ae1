"""Jinja set-up: Swedish dates, navigation and the shared form macros."""
from __future__ import annotations

import datetime as dt

from flask import Flask, request, url_for
from flask_login import current_user

from .hooks import hook_list
from .timeutil import local
from .widgets import choice_input

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


def add_template_enums(app, *enums) -> None:
    """Status enums a feature's templates compare by name (MeetingStatus.PLANNED), never by the
    stored string ("planned"): a renamed or mistyped status then fails loudly, not silently."""
    app.jinja_env.globals.update({enum.__name__: enum for enum in enums})


def init_app(app: Flask) -> None:
    app.jinja_env.filters["sv_date"] = swedish_date
    app.jinja_env.filters["sv_datetime"] = swedish_datetime
    app.jinja_env.filters["local_dt"] = local
    app.jinja_env.globals["choice_input"] = choice_input
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    built: dict[tuple, str | None] = {}

    def frame_url(endpoint: str, **values) -> str | None:
        """url_for for the links of every page's frame (menu, stylesheets, footer), built once per
        process: the portal sets no URL defaults, so the answer depends only on the arguments and
        the path the portal is mounted under (issue 32: 20 url_for calls were 15 % of a page).
        None for an endpoint this app does not have (a feature that is not installed)."""
        key = (request.script_root, endpoint, *sorted(values.items()))
        if key not in built:
            built[key] = url_for(endpoint, **values) if endpoint in app.view_functions else None
        return built[key]

    @app.context_processor
    def _globals():
        def nav_items():
            user = current_user._get_current_object()
            return [(url, label, endpoint) for endpoint, label, visible in hook_list(app, "nav")
                    if visible(user) and (url := frame_url(endpoint))]

        return {"nav_items": nav_items, "frame_url": frame_url,
                "portal_name": "Samverkansportalen"}
