"""Calendar invitations: REQUEST, updates with the same UID and a higher SEQUENCE, CANCEL."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from portal.notify import meeting_ics, queue_email
from portal.notify.worker import deliver_due
from tests.support.notify import with_test_templates

STOCKHOLM = ZoneInfo("Europe/Stockholm")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=STOCKHOLM)
END = dt.datetime(2026, 3, 2, 10, 30, tzinfo=STOCKHOLM)


def invitation(**overrides):
    values = dict(uid="meeting-42@samverkansportalen", sequence=0, method="REQUEST", start=START, end=END,
                  summary="Nätverksmöte", location="Solbackens skola, rum 12", url="https://portal.test/moten/42",
                  organizer=("Kim Samordnare", "kim@kommun.example"),
                  attendees=[("Alex Skolkurator", "alex@kommun.example"), ("Vårdnadshavare", "vh@familj.example")],
                  description="Välkommen till nätverksmötet.")
    values.update(overrides)
    return meeting_ics(**values)


def event_of(data: bytes):
    cal = icalendar.Calendar.from_ical(data)
    [event] = cal.walk("VEVENT")
    return cal, event


def test_a_request_has_everything_a_calendar_program_needs():
    cal, event = event_of(invitation())
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "meeting-42@samverkansportalen"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == END
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert str(event["SUMMARY"]) == "Nätverksmöte"
    assert str(event["LOCATION"]) == "Solbackens skola, rum 12"
    assert str(event["URL"]) == "https://portal.test/moten/42"
    assert "https://portal.test/moten/42" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:kim@kommun.example"
    assert event["ORGANIZER"].params["CN"] == "Kim Samordnare"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:alex@kommun.example", "mailto:vh@familj.example"]
    assert all(a.params["ROLE"] == "REQ-PARTICIPANT" and a.params["RSVP"] == "TRUE" for a in attendees)


def test_the_summer_time_offset_is_right():
    summer = dt.datetime(2026, 7, 1, 13, 0, tzinfo=STOCKHOLM)
    _, event = event_of(invitation(start=summer, end=summer + dt.timedelta(hours=1)))
    assert event.decoded("DTSTART").astimezone(dt.UTC) == dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC)


def test_an_update_keeps_the_uid_and_increments_the_sequence_and_cancel_calls_it_off():
    later = START + dt.timedelta(days=1)
    _, first = event_of(invitation())
    _, moved = event_of(invitation(sequence=1, start=later, end=later + dt.timedelta(hours=1)))
    cal, cancelled = event_of(invitation(sequence=2, method="CANCEL"))
    assert first["UID"] == moved["UID"] == cancelled["UID"]
    assert (first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]) == (0, 1, 2)
    assert moved.decoded("DTSTART") == later
    assert str(cal["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"


def test_utc_times_are_accepted_and_naive_times_refused():
    _, event = event_of(invitation(start=START.astimezone(dt.UTC), end=END.astimezone(dt.UTC)))
    assert event.decoded("DTSTART") == START
    with pytest.raises(ValueError):
        invitation(start=dt.datetime(2026, 3, 2, 9, 0), end=dt.datetime(2026, 3, 2, 10, 0))
    with pytest.raises(ValueError):
        invitation(method="PUBLISH")
    with pytest.raises(ValueError):
        invitation(end=START)


def test_an_invitation_is_sent_as_a_text_calendar_attachment_with_its_method(app_factory, smtp_sink):
    app = with_test_templates(app_factory(**smtp_sink.config()))
    smtp_sink.start()
    ics = invitation()
    with app.app_context():
        from portal.extensions import db

        queue_email(to="alex@kommun.example", template="testmail/note", context={"note": "Kallelse", "link": "l"},
                    kind="meeting.invitation", attachments=[("natverksmote.ics", "text/calendar", ics)])
        db.session.commit()
        assert deliver_due().sent == 1
    [mail] = smtp_sink.messages
    [part] = [p for p in mail.iter_attachments()]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "natverksmote.ics"
    _, event = event_of(part.get_payload(decode=True))
    assert str(event["UID"]) == "meeting-42@samverkansportalen"
    # The readable parts are still there beside the invitation.
    assert "Kallelse" in mail.get_body(("plain",)).get_content()
