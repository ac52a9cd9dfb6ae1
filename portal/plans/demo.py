"""Demo data for plans (fictional): the demo case follows Norrbus, has a planned network meeting,
a SIP with an approved version 1 and, after a follow-up, an approved version 2, and a draft
Barnets plan. Approvals in the demo are recorded as signatures on paper. The SIP's units (the school
and IFO) are the units of the demo consent (portal/consent/demo.py, seeded before this)."""
from __future__ import annotations

import datetime as dt

from ..timeutil import clock_at, to_utc, today_local, utcnow
from . import working_days as wd
from ..extensions import db
from .models import (CaseProcess, FollowUp, Meeting, MeetingParticipant, Plan, PlanApproval, PlanVersion, StepRecord,
                     VersionStatus)
from .service import sync_plan_units

TEACHER = "anna.larare@arjeplog.example"
SOCIAL = "samir.socialsekreterare@arjeplog.example"


def _sip(teacher, social, established: dt.date, followup: dt.date, frequency: str) -> dict:
    return {
        "plan": {"established_on": established.isoformat()},
        "needs": {"needs": "Elsa behöver stöd i matematik och en lugnare skoldag. Familjen behöver stöd hemma.",
                  "strengths": "Elsa tycker om att rita och har en bästa vän i klassen."},
        "interventions": [
            {"what": "Extra stöd i matematik", "unit": "solbackens-skola", "contact": f"solbackens-skola:{teacher.id}",
             "performer": "Speciallärare", "start": established.isoformat(), "frequency": frequency,
             "duration": "Vårterminen", "cost": "arjeplogs-kommun", "followup": "Vid uppföljningsmötet",
             "priority": True},
            {"what": "Föräldrastöd", "unit": "ifo-barn-och-familj", "contact": f"ifo-barn-och-familj:{social.id}",
             "performer": "", "start": None, "frequency": "Varannan vecka", "duration": "Tre månader",
             "cost": "arjeplogs-kommun", "followup": "", "priority": False},
        ],
        "others": {"measures": ""},
        "family": {"child": "Jag vill ha hjälp med matten och få sitta nära fönstret.",
                   "guardians": "Vi vill veta vem vi ska ringa."},
        "roles": {"coordinator": f"ifo-barn-och-familj:{social.id}", "plan_owner": "",
                  "lead_service": "arjeplog-ifo", "overall_authority": "arjeplogs-kommun"},
        "followup": {"date": followup.isoformat(), "time": "13.00", "place": "Solbackens skola",
                     "convener": f"ifo-barn-och-familj:{social.id}"},
    }


def _approved(version: PlanVersion, case, day: dt.date, teacher) -> None:
    """Every party's approval, recorded as signatures on paper, at 11 o'clock on ``day``."""
    with clock_at(day, dt.time(11)):
        at = utcnow().replace(microsecond=0)
        for unit in ("solbackens-skola", "ifo-barn-och-familj"):
            version.approvals.append(PlanApproval(party="unit", unit_key=unit, name=unit, approved_at=at,
                                                  approved_by_id=teacher.id, method="underskrift på papper"))
        for g in case.guardians:
            version.approvals.append(PlanApproval(party="guardian", guardian_id=g.id, name=g.name, email=g.email,
                                                  approved_at=at, approved_by_id=teacher.id,
                                                  method="underskrift på papper"))
        version.status, version.approved_at = VersionStatus.APPROVED, at
        db.session.flush()


def seed(case, users, story) -> None:
    teacher, social = users.get(TEACHER), users.get(SOCIAL)
    if teacher is None or social is None:
        return
    today = today_local()
    consent_day, meeting_day = story.consent, story.meeting
    with clock_at(story.opened, dt.time(10)):
        db.session.add(CaseProcess(case_id=case.id, process_key="norrbus", chosen_by_id=teacher.id))
        db.session.flush()
    for key, day in (("initiative", story.opened), ("manager_decision", wd.add_working_days(story.opened, 1)),
                     ("consent", consent_day), ("invitation", wd.add_working_days(consent_day, 3)),
                     ("meeting", meeting_day), ("plan", meeting_day), ("coordinator", meeting_day)):
        with clock_at(day, dt.time(16)):
            db.session.add(StepRecord(case_id=case.id, step_key=key, done_on=day, done_by_id=teacher.id,
                                      recorded_by_id=teacher.id))
            db.session.flush()

    first_followup = wd.add_working_days(meeting_day, 10)
    with clock_at(meeting_day, dt.time(15)):
        plan = Plan(case_id=case.id, kind="sip", process_key="norrbus", created_by_id=teacher.id)
        v1 = PlanVersion(number=1, status=VersionStatus.DRAFT, created_by_id=teacher.id, updated_by_id=teacher.id,
                         content=_sip(teacher, social, meeting_day, first_followup, "Två gånger i veckan"))
        plan.versions = [v1]
        db.session.add(plan)
        db.session.flush()
    _approved(v1, case, wd.add_working_days(meeting_day, 2), teacher)

    with clock_at(first_followup, dt.time(15)):
        v2 = PlanVersion(number=2, status=VersionStatus.DRAFT, created_by_id=social.id, updated_by_id=social.id,
                         content=_sip(teacher, social, first_followup, today + dt.timedelta(days=40),
                                      "Tre gånger i veckan"))
        v2.content["interventions"].append(
            {"what": "Samtal med skolkurator", "unit": "solbackens-skola", "contact": f"solbackens-skola:{teacher.id}",
             "performer": "Skolkurator", "start": None, "frequency": "En gång i veckan", "duration": "Sex veckor",
             "cost": "arjeplogs-kommun", "followup": "", "priority": False})
        plan.versions.append(v2)
        db.session.flush()
        db.session.add(FollowUp(plan_id=plan.id, from_version_id=v1.id, to_version_id=v2.id, held_on=first_followup,
                                deviations="none", created_by_id=social.id))
        db.session.flush()
    _approved(v2, case, wd.add_working_days(today, -1), teacher)

    draft = Plan(case_id=case.id, kind="barnets_plan", process_key="kronobarn", created_by_id=teacher.id)
    draft.versions = [PlanVersion(number=1, status=VersionStatus.DRAFT, created_by_id=teacher.id,
                                  updated_by_id=teacher.id, content={
        "background": {"info": "Har nyligen börjat i en ny klass.", "established_on": None},
        "area_halsa": {"child_words": "Jag är trött på eftermiddagarna.", "needs": "", "priority": True},
    })]
    db.session.add(draft)

    start = wd.add_working_days(today, 8)
    meeting = Meeting(case_id=case.id, purpose="Följa upp planen tillsammans med familjen.",
                      starts_at=to_utc(start, dt.time(13, 0)), ends_at=to_utc(start, dt.time(14, 30)),
                      place="Solbackens skola, konferensrummet", child_participation="part",
                      agenda="1. Välkomna\n2. Hur har det gått?\n3. Nästa steg", created_by_id=teacher.id)
    meeting.participants = [
        MeetingParticipant(kind="staff", user_id=teacher.id, unit_key="solbackens-skola", name=teacher.name,
                           email=teacher.email, purpose="Skolans bild och stödet i matematik", is_chair=True),
        MeetingParticipant(kind="staff", user_id=social.id, unit_key="ifo-barn-och-familj", name=social.name,
                           email=social.email, purpose="Föräldrastödet", is_secretary=True),
    ] + [MeetingParticipant(kind="guardian", guardian_id=g.id, name=g.name, email=g.email) for g in case.guardians]
    db.session.add(meeting)
    sync_plan_units(case)  # the demo consent (portal/consent/demo.py) covers the SIP's units: they get access
