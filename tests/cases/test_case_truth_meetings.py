"""Meetings respect the process deadlines (issue 29, item 2): a meeting after the meeting step's
deadline or on a day that is not a working day is saved with a warning that names the deadline
and the rule it comes from; a meeting in the past cannot be booked; the case page flags a planned
meeting after its deadline."""
from __future__ import annotations

import datetime as dt

from portal.plans import working_days as wd
from portal.timeutil import today_local
from tests.support.plans import SKOLA, date_fields
from tests.helpers import login


def meeting_data(day: dt.date, **extra) -> dict:
    data = {**date_fields("day", day), "start": "13:00", "end": "14:00", "place": "Solbackens skola, rum 12",
            "purpose": "En gemensam bild av behoven.", "child_participation": "not_present",
            "child_voice_by": "Mentorn"}
    data.update(extra)
    return data


def norrbus_case_with_consent_on(client, make_case, user_id, consent_on: dt.date) -> str:
    ref = make_case(user_id, unit_key=SKOLA)
    assert client.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    assert client.post(f"/arenden/{ref}/steg/consent", data=date_fields("done_on", consent_on)).status_code == 302
    return ref


def next_day(predicate, start: dt.date) -> dt.date:
    day = start
    while not predicate(day):
        day += dt.timedelta(days=1)
    return day


def test_a_meeting_after_the_deadline_is_saved_with_a_warning_naming_the_deadline_and_the_rule(app, make_user,
                                                                                                make_case):
    anna = make_user("anna@skola.example")
    client = app.test_client()
    login(client, "anna@skola.example")
    consent_on = today_local() - dt.timedelta(days=2)
    due = wd.add_working_days(consent_on, 10)
    ref = norrbus_case_with_consent_on(client, make_case, anna, consent_on)
    late = next_day(wd.is_working_day, due + dt.timedelta(days=7))

    response = client.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(late), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    from portal.templating import swedish_date

    assert f"Mötet ligger efter tidsgränsen: Nätverksmöte senast {swedish_date(due, with_weekday=True)}" in html
    assert "10 arbetsdagar efter steget" in html and "Norrbus (gröna kortet)" in html
    assert "I övriga ärenden senast inom 10 arbetsdagar" in html
    # The case page flags the planned meeting after its deadline.
    case_page = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert "Efter tidsgränsen" in case_page and f"senast {swedish_date(due, with_weekday=True)}" in case_page

    # Moved to a day before the deadline, the warning and the flag are gone.
    meeting = response.request.path
    good = next_day(lambda d: wd.is_working_day(d) and d > today_local(), today_local() + dt.timedelta(days=1))
    assert good <= due
    response = client.post(f"{meeting}/andra", data=meeting_data(good), follow_redirects=True)
    assert "efter tidsgränsen" not in response.get_data(as_text=True)
    assert "Efter tidsgränsen" not in client.get(f"/arenden/{ref}").get_data(as_text=True)


def test_a_meeting_on_julafton_gets_a_warning_and_a_meeting_in_the_past_is_refused(app, make_user, make_case):
    anna = make_user("anna@skola.example")
    client = app.test_client()
    login(client, "anna@skola.example")
    ref = make_case(anna, unit_key=SKOLA)
    today = today_local()
    christmas_eve = dt.date(today.year if (today.month, today.day) < (12, 24) else today.year + 1, 12, 24)
    response = client.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(christmas_eve), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "är julafton, som inte är en arbetsdag" in html

    for past in (dt.date(2020, 12, 18), today - dt.timedelta(days=1)):
        response = client.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(past, place="Rum 7"))
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Ett möte kan inte bokas bakåt i tiden" in html
        assert 'href="#day' in html and 'value="Rum 7"' in html
    case_page = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert case_page.count("/moten/") - case_page.count("/moten/nytt") == 1


def test_kronobarn_a_meeting_too_soon_to_invite_three_weeks_ahead_is_warned_unless_agreed(app, make_user, make_case):
    anna = make_user("anna@skola.example")
    client = app.test_client()
    login(client, "anna@skola.example")
    ref = make_case(anna, unit_key=SKOLA)
    assert client.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "kronobarn"}).status_code == 302
    soon = next_day(wd.is_working_day, today_local() + dt.timedelta(days=7))
    response = client.post(f"/arenden/{ref}/moten/nytt", data=meeting_data(soon), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Kallelsen hinns inte skicka i tid: Inbjudan till samverkansmöte senast" in html
    assert "bjud in minst tre veckor innan mötet ska äga rum" in html
    meeting = response.request.path
    response = client.post(f"{meeting}/andra", data=meeting_data(soon, lead_time_agreed="y"), follow_redirects=True)
    assert "Kallelsen hinns inte skicka i tid" not in response.get_data(as_text=True)
    later = next_day(wd.is_working_day, today_local() + dt.timedelta(weeks=5))
    response = client.post(f"{meeting}/andra", data=meeting_data(later), follow_redirects=True)
    assert "Kallelsen hinns inte skicka i tid" not in response.get_data(as_text=True)
