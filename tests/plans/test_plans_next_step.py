""""Nästa steg" (issue 29 item 8): the first open step of a case's process, by when and who, and
the overdue steps; the pure function on the real process files, and the box on the case page."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from portal.plans.process import StepDone, load_processes, next_step, schedule
from tests.helpers import ROOT, login

CONTENT = ROOT / "content"
NORRBUS = load_processes(CONTENT)["norrbus"]
MONDAY = dt.date(2026, 11, 2)


def test_the_first_open_step_with_its_deadline_and_who_does_it():
    done = {key: StepDone(MONDAY) for key in ("initiative", "manager_decision")}
    states = schedule(NORRBUS, done, {}, today=MONDAY)
    result = next_step(states)
    assert result.state.step.key == "consent"
    assert result.state.step.who == "Initiativtagaren frågar familjen"
    assert result.overdue == () and result.also_overdue == ()


def test_an_overdue_step_is_said_to_be_overdue_with_its_deadline():
    done = {key: StepDone(MONDAY) for key in ("initiative", "manager_decision", "consent")}
    late = MONDAY + dt.timedelta(days=60)
    result = next_step(schedule(NORRBUS, done, {}, today=late))
    assert result.state.step.key == "invitation"
    assert result.state.status == "overdue" and result.state.due < late and result.state.late_by > 0
    assert result.state in result.overdue and result.state not in result.also_overdue


def test_other_overdue_steps_are_listed_beside_the_next_one():
    # The consent step is open (no deadline of its own); later steps are counted from a meeting date.
    done = {"initiative": StepDone(MONDAY), "manager_decision": StepDone(MONDAY), "consent": StepDone(MONDAY),
            "meeting": StepDone(MONDAY + dt.timedelta(days=7))}
    result = next_step(schedule(NORRBUS, done, {}, today=MONDAY + dt.timedelta(days=90)))
    assert result.state.step.key == "invitation"
    assert [s.step.key for s in result.also_overdue] == [s.step.key for s in result.overdue[1:]]
    assert result.also_overdue, "the plan and coordinator steps after the meeting are overdue too"


def test_nothing_open_says_so():
    done = {s.key: StepDone(MONDAY) for s in NORRBUS.steps}
    result = next_step(schedule(NORRBUS, done, {}, today=MONDAY))
    assert result.state is None and result.overdue == ()


def test_the_case_page_starts_with_the_next_step(app, make_user, make_case):
    user = make_user("anna@skola.example")
    ref = make_case(user)
    client = app.test_client()
    login(client, "anna@skola.example")
    page = client.get(f"/arenden/{ref}").get_data(as_text=True)
    assert page.index("Nästa steg") < page.index("Barnet eller den unge")
    assert "Ärendet följer inget arbetssätt än" in page
    assert client.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    page = client.get(f"/arenden/{ref}").get_data(as_text=True)
    box = page[page.index('id="nasta-steg"'):page.index("</section>", page.index('id="nasta-steg"'))]
    assert "Initiativ till samverkan" in box and "Vem: Den yrkesutövare som uppmärksammar behovet" in box


def box_of(page: str) -> str:
    start = page.index('id="nasta-steg"')
    return page[start:page.index("</section>", start)]


def test_the_box_says_when_the_next_step_is_overdue_and_the_follow_up_stays_next(app, make_user, make_case):
    from portal.plans import working_days as wd
    from portal.timeutil import today_local

    user = make_user("anna@skola.example")
    ref = make_case(user)
    client = app.test_client()
    login(client, "anna@skola.example")
    assert client.post(f"/arenden/{ref}/arbetssatt", data={"process_key": "norrbus"}).status_code == 302
    long_ago = wd.add_working_days(today_local(), -30)
    for key in ("initiative", "manager_decision", "consent"):
        day = {"done_on-day": long_ago.day, "done_on-month": long_ago.month, "done_on-year": long_ago.year}
        assert client.post(f"/arenden/{ref}/steg/{key}", data=day).status_code == 302
    box = box_of(client.get(f"/arenden/{ref}").get_data(as_text=True))
    assert "Kallelse till nätverksmöte" in box and "<strong>försenat</strong>, skulle vara gjort senast" in box
    assert "Även försenat:" in box and "Nätverksmöte (senast" in box

    for step in NORRBUS.steps:
        if step.key != "followup":
            client.post(f"/arenden/{ref}/steg/{step.key}", data={"done_on-day": long_ago.day,
                                                                  "done_on-month": long_ago.month,
                                                                  "done_on-year": long_ago.year})
    box = box_of(client.get(f"/arenden/{ref}").get_data(as_text=True))
    assert "Uppföljning av planen" in box  # the follow-up repeats: registered with a follow-up of the plan
