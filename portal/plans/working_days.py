"""Working days (arbetsdagar) in Sweden – pure functions, no request or database needed.

A working day is a weekday that is not a public holiday (allmän helgdag) and not
midsommarafton, julafton or nyårsafton, which the law treats like Sundays
(semesterlag 1977:480, 7 §; lag 1930:173 om beräkning av lagstadgad tid).

The `holidays` package gives Sweden's public holidays in the PUBLIC category and
midsommarafton, julafton and nyårsafton in DE_FACTO. Sweden's calendar in that package
can also list every Sunday as a holiday (`include_sundays`; the default was True in older
versions and is False from 0.5x): we ask for it without Sundays and treat Saturdays and
Sundays by weekday instead, so the result is the same in every version.

    add_working_days(date(2026, 12, 21), 5)  -> 2026-12-30  (24–26 Dec are not working days)
    working_days_between(a, b)               -> n such that add_working_days(a, n) == b
    add_weeks(date(2028, 2, 15), 2)          -> 2028-02-29
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

WEEKEND_NAMES = {5: "lördag", 6: "söndag"}


@lru_cache(maxsize=128)
def _holidays_for_year(year: int) -> tuple[tuple[dt.date, str], ...]:
    """Public holidays plus midsommarafton, julafton and nyårsafton of one year (cached)."""
    options = {"years": year, "categories": (holidays.PUBLIC, holidays.DE_FACTO), "language": "sv"}
    try:
        calendar = holidays.country_holidays("SE", include_sundays=False, **options)
    except TypeError:  # an older version without the option
        calendar = holidays.country_holidays("SE", **options)
    return tuple(sorted((day, str(name)) for day, name in calendar.items() if day.year == year))


def holidays_of_year(year: int) -> dict[dt.date, str]:
    """{date: Swedish name} of the days that are not working days apart from weekends."""
    return {day: name for day, name in _holidays_for_year(year) if not name.lower().startswith("söndag")}


def non_working_reason(day: dt.date) -> str | None:
    """Why the day is not a working day ("julafton", "lördag" …), or None for a working day."""
    name = holidays_of_year(day.year).get(day)
    if name:
        return name[0].lower() + name[1:]
    return WEEKEND_NAMES.get(day.weekday())


def is_working_day(day: dt.date) -> bool:
    return non_working_reason(day) is None


def next_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_working_day(day: dt.date) -> dt.date:
    """The day itself if it is a working day, else the last working day before it."""
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The `count`-th working day after `start` (the start day itself is not counted).

    count = 0 returns `start` unchanged; a negative count goes backwards."""
    step = 1 if count >= 0 else -1
    day, left = start, abs(count)
    while left:
        day += dt.timedelta(days=step)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (negative when end < start).

    The inverse of add_working_days: working_days_between(a, add_working_days(a, n)) == n."""
    if end == start:
        return 0
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_weeks(start: dt.date, weeks: int, roll: str | None = "forward") -> dt.date:
    """`start` plus `weeks` calendar weeks (negative: earlier).

    roll="forward": a result that is not a working day moves to the next working day (the
    rule of lag 1930:173 for a last day that falls on a Sunday or holiday); roll="backward"
    moves to the working day before (for "at least N weeks before"); None leaves it."""
    day = start + dt.timedelta(weeks=weeks)
    if roll == "forward":
        return next_working_day(day)
    if roll == "backward":
        return previous_working_day(day)
    if roll is None:
        return day
    raise ValueError("roll must be 'forward', 'backward' or None")


def skipped_days(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """The days after `start` up to and including `end` that are not working days, with why."""
    low, high = (start, end) if start <= end else (end, start)
    result, day = [], low
    while day < high:
        day += dt.timedelta(days=1)
        reason = non_working_reason(day)
        if reason:
            result.append((day, reason))
    return result
