"""Time helpers: the database stores naive UTC; pages show Swedish local time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(STOCKHOLM)


def today_local() -> dt.date:
    return dt.datetime.now(STOCKHOLM).date()
