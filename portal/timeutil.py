"""Time helpers: the database stores naive UTC; pages show Swedish local time.

``utcnow`` and ``today_local`` are the portal's clock. ``clock_at`` sets it back to a Swedish day
and time for the code run inside it, so that the demo (portal/demo.py) can tell a case that began
weeks ago with the same service functions people use, every timestamp and chain entry in the order
it happened."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_NO_SHIFT = dt.timedelta(0)
_shift: ContextVar[dt.timedelta] = ContextVar("portal_clock_shift", default=_NO_SHIFT)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + _shift.get()


def local(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC).astimezone(STOCKHOLM)


def to_utc(day: dt.date, clock: dt.time) -> dt.datetime:
    """A Swedish day and time of day, as naive UTC."""
    return dt.datetime.combine(day, clock, tzinfo=STOCKHOLM).astimezone(dt.UTC).replace(tzinfo=None)


def today_local() -> dt.date:
    return (dt.datetime.now(STOCKHOLM) + _shift.get()).date()


@contextmanager
def clock_at(day: dt.date, clock: dt.time) -> Iterator[None]:
    """Runs the block as if it were ``clock`` on ``day`` in Sweden (in the past); the clock still ticks."""
    token = _shift.set(to_utc(day, clock) - dt.datetime.now(dt.UTC).replace(tzinfo=None))
    try:
        yield
    finally:
        _shift.reset(token)
