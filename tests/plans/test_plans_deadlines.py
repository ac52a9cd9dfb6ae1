"""Working days and the process deadlines of Norrbus, Arjeplog and Kronobarnsmodellen."""
import datetime as dt

import pytest

from portal.config import ROOT
from portal.plans import working_days as wd
from portal.plans.process import ProcessError, StepDone, load_process, load_processes, schedule

D = dt.date


@pytest.fixture(scope="module")
def processes():
    return load_processes(ROOT / "content")


def by_key(states):
    return {s.step.key: s for s in states}


# --- working days --------------------------------------------------------------------------

def test_the_holidays_package_gives_the_eves_and_no_sundays_as_holidays():
    # DE_FACTO gives julafton, midsommarafton and nyårsafton in the installed version …
    assert wd.non_working_reason(D(2026, 12, 24)) == "julafton"
    assert wd.non_working_reason(D(2026, 6, 19)) == "midsommarafton"
    assert wd.non_working_reason(D(2026, 12, 31)) == "nyårsafton"
    # … and an ordinary Sunday is a weekend day, not a listed holiday.
    assert D(2026, 11, 29) not in wd.holidays_of_year(2026)
    assert wd.non_working_reason(D(2026, 11, 29)) == "söndag"
    assert wd.is_working_day(D(2026, 12, 23)) and wd.is_working_day(D(2026, 12, 30))
    for day in (D(2027, 3, 26), D(2027, 3, 29), D(2027, 1, 6), D(2027, 5, 6), D(2026, 6, 6)):
        assert not wd.is_working_day(day), day


@pytest.mark.parametrize("start, count, expected", [
    (D(2026, 12, 21), 5, D(2026, 12, 30)),    # 24, 25, 26 Dec are skipped
    (D(2026, 12, 21), 10, D(2027, 1, 11)),    # … and 31 Dec, 1 Jan and trettondedag jul
    (D(2027, 3, 25), 5, D(2027, 4, 5)),       # långfredagen and annandag påsk
    (D(2026, 6, 17), 5, D(2026, 6, 25)),      # midsommarafton
    (D(2028, 2, 28), 5, D(2028, 3, 6)),       # over the leap day 29 Feb 2028
    (D(2026, 11, 28), 5, D(2026, 12, 4)),     # a Saturday start: Monday is the first working day
    (D(2026, 12, 30), 0, D(2026, 12, 30)),
])
def test_add_working_days_and_its_inverse(start, count, expected):
    assert wd.add_working_days(start, count) == expected
    assert wd.working_days_between(start, expected) == count
    assert wd.add_working_days(expected, -count) <= start or not wd.is_working_day(start)


def test_add_weeks_rolls_to_a_working_day_like_the_law_on_time_limits():
    assert wd.add_weeks(D(2028, 2, 15), 2) == D(2028, 2, 29)             # the leap day is a Tuesday
    assert wd.add_weeks(D(2026, 12, 17), 2) == D(2027, 1, 4)             # nyårsafton → next working day
    assert wd.add_weeks(D(2026, 12, 17), 2, roll=None) == D(2026, 12, 31)
    assert wd.add_weeks(D(2027, 1, 14), -3, roll="backward") == D(2026, 12, 23)  # julafton → day before


# --- Norrbus ---------------------------------------------------------------------------------

def test_norrbus_around_christmas_and_new_year(processes):
    p = processes["norrbus"]
    states = by_key(schedule(p, {"consent": StepDone(D(2026, 12, 21))}, {}, today=D(2026, 12, 22)))
    assert states["invitation"].due == D(2026, 12, 30)
    assert "julafton" in states["invitation"].explanation and "5 arbetsdagar" in states["invitation"].explanation
    assert states["meeting"].due == D(2027, 1, 11)
    assert "nyårsafton" in states["meeting"].explanation and "trettondedag jul" in states["meeting"].explanation
    assert states["invitation"].status == "pending"
    # the day before the deadline it is flagged as soon due, the day after as overdue
    assert by_key(schedule(p, {"consent": StepDone(D(2026, 12, 21))}, {}, D(2026, 12, 29)))["invitation"].status == "soon"
    late = by_key(schedule(p, {"consent": StepDone(D(2026, 12, 21))}, {}, D(2027, 1, 4)))["invitation"]
    assert late.status == "overdue" and late.late_by == 1  # 31 Dec, 1 Jan and the weekend are not counted
    assert states["plan"].status == "waiting"


def test_norrbus_easter_midsummer_leap_day_and_weekend(processes):
    p = processes["norrbus"]
    cases = [
        (D(2027, 3, 25), D(2027, 4, 5), D(2027, 4, 12)),     # Easter 2027
        (D(2026, 6, 17), D(2026, 6, 25), D(2026, 7, 2)),     # midsommar 2026
        (D(2028, 2, 28), D(2028, 3, 6), D(2028, 3, 13)),     # leap year
        (D(2026, 11, 28), D(2026, 12, 4), D(2026, 12, 11)),  # consent given on a Saturday
    ]
    for consent, invitation, meeting in cases:
        states = by_key(schedule(p, {"consent": StepDone(consent)}, {}, consent))
        assert (states["invitation"].due, states["meeting"].due) == (invitation, meeting), consent


def test_norrbus_acute_meeting_is_as_soon_as_possible(processes):
    states = by_key(schedule(processes["norrbus"], {"consent": StepDone(D(2026, 12, 21))}, {}, D(2026, 12, 21),
                             acute=True))
    assert states["meeting"].due is None and states["meeting"].explanation.startswith("Snarast")
    assert states["invitation"].due == D(2026, 12, 30)


def test_a_step_done_late_records_by_how_many_working_days(processes):
    done = {"consent": StepDone(D(2026, 12, 21)), "invitation": StepDone(D(2027, 1, 5), by="Anna")}
    states = by_key(schedule(processes["norrbus"], done, {}, D(2027, 1, 7)))
    assert states["invitation"].status == "done" and states["invitation"].late_by == 2


# --- Arjeplog: the meeting within two weeks of the manager's decision -------------------------

@pytest.mark.parametrize("decision, meeting", [
    (D(2026, 12, 17), D(2027, 1, 4)),    # 31 Dec is nyårsafton → the next working day
    (D(2027, 3, 15), D(2027, 3, 30)),    # 29 Mar 2027 is annandag påsk
    (D(2026, 6, 5), D(2026, 6, 22)),     # 19 Jun 2026 is midsommarafton
    (D(2028, 2, 15), D(2028, 2, 29)),    # the leap day is a working day
    (D(2026, 11, 28), D(2026, 12, 14)),  # a Saturday decision: 12 Dec is a Saturday too
])
def test_arjeplog_meeting_deadline(processes, decision, meeting):
    states = by_key(schedule(processes["arjeplog"], {"manager_decision": StepDone(decision)}, {}, decision))
    assert states["meeting"].due == meeting


# --- Kronobarnsmodellen: invite at least three weeks before the meeting -------------------------

@pytest.mark.parametrize("meeting, invite_by", [
    (D(2027, 1, 14), D(2026, 12, 23)),   # three weeks before is julafton → the working day before
    (D(2027, 4, 16), D(2027, 3, 25)),    # three weeks before is långfredagen
    (D(2026, 7, 10), D(2026, 6, 18)),    # three weeks before is midsommarafton
    (D(2028, 3, 21), D(2028, 2, 29)),    # the leap day
    (D(2026, 12, 19), D(2026, 11, 27)),  # three weeks before a Saturday is a Saturday → Friday
])
def test_kronobarn_invitation_lead_time(processes, meeting, invite_by):
    p = processes["kronobarn"]
    states = by_key(schedule(p, {"consent": StepDone(D(2026, 1, 1))}, {"meeting": meeting}, D(2026, 1, 1)))
    assert states["invitation"].due == invite_by
    assert "Minst 3 veckor före" in states["invitation"].explanation


def test_kronobarn_lead_time_agreed_otherwise_and_plan_within_a_few_days(processes):
    p = processes["kronobarn"]
    states = by_key(schedule(p, {"meeting": StepDone(D(2026, 12, 22))}, {"meeting": D(2026, 12, 22)},
                             D(2026, 12, 28), agreed={"invitation"}))
    assert states["invitation"].due is None and "bestämts i dialog" in states["invitation"].explanation
    assert states["plan"].due == D(2026, 12, 29)  # three working days: 23, 28, 29 December
    assert states["plan"].status == "soon"


def test_follow_up_is_due_on_the_date_set_in_the_plan(processes):
    for key in ("norrbus", "arjeplog", "kronobarn"):
        states = by_key(schedule(processes[key], {}, {"followup": D(2027, 2, 1)}, D(2027, 2, 2)))
        assert states["followup"].due == D(2027, 2, 1) and states["followup"].status == "overdue"


def test_every_step_names_its_source_in_the_guidelines(processes):
    from portal.config import ROOT

    for process in processes.values():
        for step in process.steps:
            assert step.source.guideline, (process.key, step.key)
            text = (ROOT / "content" / "guidelines" / f"{step.source.guideline}.md").read_text()
            assert f" {step.source.heading}\n" in text, (process.key, step.key, step.source.heading)


def test_a_broken_process_file_names_file_line_and_problem(tmp_path):
    path = tmp_path / "trasig.yaml"
    path.write_text("key: trasig\nname: Trasig\nplan_form: sip\nsteps:\n  - key: a\n    label: A\n"
                    "  - key: b\n    label: B\n    deadline: {after: c, working_days: 5}\n")
    with pytest.raises(ProcessError) as err:
        load_process(path)
    assert "trasig.yaml, rad 9" in str(err.value) and "'c', som inte är ett tidigare steg" in str(err.value)


def test_directory_check_warns_about_a_heading_that_is_not_in_the_guideline(tmp_path):
    import shutil

    from portal.plans.checks import process_warnings

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    assert process_warnings(None, content) == []
    path = content / "processes" / "arjeplog.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("heading: Individnivå", "heading: Individniva", 1),
                    encoding="utf-8")
    assert process_warnings(None, content) == [
        "processen 'arjeplog', steget 'initiative': rubriken 'Individniva' finns inte i arjeplog-rutiner.md"]


def test_kronobarn_has_its_own_steps_for_the_child_and_the_barnens_basta_ansvarig(processes):
    """Kronoberg (issue 30.8): asking how the child wants feedback, informing the Barnens
    bästa-ansvarig and reporting back to the child are steps of the Kronobarn process, each quoting the
    guidance; none has a deadline the guidance does not give."""
    from tests.helpers import SEEDS

    seed = " ".join((SEEDS / "kronoberg-vagledning-samverkansmote-barnets-plan.txt").read_text(encoding="utf-8").split())
    p = processes["kronobarn"]
    for key in ("child_voice", "inform_child_welfare_lead", "feedback_to_child", "inform_child_welfare_lead_after"):
        step = p.step(key)
        assert step.deadline is None
        assert step.source.text in seed, key
    keys = [s.key for s in p.steps]
    assert keys.index("child_voice") < keys.index("meeting") < keys.index("feedback_to_child")
    assert not processes["norrbus"].has_step("feedback_to_child")
