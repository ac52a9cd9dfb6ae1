"""Calendar invitations (iCalendar, RFC 5545/5546) for meetings.

REQUEST for a new or changed meeting (same UID, higher SEQUENCE for each change),
CANCEL to call it off (same UID, higher SEQUENCE, STATUS:CANCELLED). Times are written in
Europe/Stockholm with a VTIMEZONE. Attach to queue_email as
("mote.ics", "text/calendar; method=REQUEST", ics_bytes)."""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from ..timeutil import STOCKHOLM

PRODID = "-//Samverkansportalen//Samverkansportalen//SV"
METHODS = ("REQUEST", "CANCEL")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def web_link(value: str | None) -> str | None:
    """``value`` when it is one http(s) address: one line, no spaces or control characters, a
    host. Anything else (a stored value with CR/LF, javascript:, a bare word) gives None, so a
    calendar file or an e-mail leaves it out instead of failing or carrying extra lines."""
    value = (value or "").strip()
    if not value or _SPACE_OR_CONTROL.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def _address(name: str, email: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if _one_line(name):
        address.params["CN"] = vText(_one_line(name))
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def meeting_ics(*, uid: str, sequence: int, method: str, start: dt.datetime, end: dt.datetime,
                summary: str, location: str = "", url: str | None = None,
                organizer: tuple[str, str], attendees: list[tuple[str, str]] | tuple = (),
                description: str = "", stamp: dt.datetime | None = None) -> bytes:
    """An iCalendar file with one VEVENT; `start` and `end` must be timezone-aware.

    Text values are escaped by icalendar; a `url` that is not one http(s) address is left out."""
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes")
    if end <= start:
        raise ValueError("end must be after start")
    if sequence < 0:
        raise ValueError("sequence must not be negative")

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    event.add("dtstart", start.astimezone(STOCKHOLM))
    event.add("dtend", end.astimezone(STOCKHOLM))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    text = description or ""
    url = web_link(url)
    if url:
        event.add("url", url)
        # Many calendar programs show only the description: put the link there too.
        if url not in text:
            text = f"{text}\n\n{url}".strip()
    if text:
        event.add("description", text)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _address(*organizer))
    for name, email in attendees:
        event.add("attendee", _address(name, email, cutype="INDIVIDUAL", role="REQ-PARTICIPANT",
                                       partstat="NEEDS-ACTION", rsvp="TRUE"))
    cal.add_component(_stockholm_vtimezone())
    cal.add_component(event)
    return cal.to_ical()


def _stockholm_vtimezone() -> Timezone:
    """Europe/Stockholm with the EU summer-time rule (since 1996), as calendar programs expect."""
    tz = Timezone()
    tz.add("tzid", "Europe/Stockholm")
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("dtstart", dt.datetime(1970, 3, 29, 2, 0, 0))
    summer.add("tzoffsetfrom", dt.timedelta(hours=1))
    summer.add("tzoffsetto", dt.timedelta(hours=2))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("dtstart", dt.datetime(1970, 10, 25, 3, 0, 0))
    winter.add("tzoffsetfrom", dt.timedelta(hours=2))
    winter.add("tzoffsetto", dt.timedelta(hours=1))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz
