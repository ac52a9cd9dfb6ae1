"""The case panel (process, steps, plans, meetings) and the start-page section (steps due)."""
from __future__ import annotations

from flask import current_app, g, url_for
from sqlalchemy import select

from ..cases.access import visible_cases_query
from ..cases.models import Case, CaseStatus
from ..directory import current_directory
from ..extensions import db
from ..guidance.routes import current_content
from ..timeutil import local, today_local
from . import service
from .forms import ConfirmForm
from .models import CaseProcess, Meeting, MeetingStatus
from .process import StepStatus, next_step

START_LIMIT = 200


def source_url(source) -> str | None:
    """The guideline page (and heading) a step's rule comes from, when the guidance feature is installed."""
    if not source.guideline or "guidance.guideline" not in current_app.view_functions:
        return None
    try:
        guideline = current_content().guidelines.get(source.guideline)
    except Exception:  # the guidance content is not loadable: show the heading as text
        return None
    if guideline is None:
        return None
    anchor = guideline.anchor_for(source.heading) if source.heading else None
    return url_for("guidance.guideline", slug=source.guideline) + (f"#{anchor}" if anchor else "")


def _schedule(case):
    """service.case_schedule(case), once per request for the case page's two panels."""
    cache = g.setdefault("plans_case_schedules", {})
    if case.id not in cache:
        cache[case.id] = service.case_schedule(case)
    return cache[case.id]


def case_panel(case, user) -> dict:
    process, states = _schedule(case)
    chosen = service.case_process(case)
    plans = service.plans_of(case)
    meetings = db.session.scalars(select(Meeting).where(Meeting.case_id == case.id)
                                  .order_by(Meeting.starts_at.desc())).all()
    return {
        "process": process, "chosen": chosen, "states": states, "records": service.step_records(case),
        "flagged": [s for s in states if s.flagged], "plans": plans, "meetings": meetings,
        "local": local, "confirm": ConfirmForm(), "processes": service.processes(),
        "consent_available": service.consent_gate.available(), "covered": service.covered(case),
        "directory": current_directory(), "source_url": source_url,
        "late_meetings": _late_meetings(meetings, states),
        "consent_reopened": service.consent_reopened_on(case) if process is not None else None,
        "plan_uncovered": {p.id: service.uncovered_plan_units(case, p) for p in plans if p.is_open},
    }


def next_step_panel(case, user) -> dict:
    """"Nästa steg" at the top of the case page: the first open step of the case's process."""
    process, states = _schedule(case)
    upcoming = next_step(states)
    responsible = service.step_responsible(case, upcoming.state.step.key) if upcoming.state else None
    return {"process": process, "next": upcoming, "responsible": responsible}


def _late_meetings(meetings, states) -> dict[int, object]:
    """{meeting id: the meeting step's state} for planned meetings after the step's deadline."""
    state = next((s for s in states if s.step.key == "meeting"), None)
    if state is None or state.status == StepStatus.DONE or state.due is None:
        return {}
    return {m.id: state for m in meetings
            if m.status == MeetingStatus.PLANNED and local(m.starts_at).date() > state.due}


def start_section(user) -> dict | None:
    """Mina ärenden: steps that are overdue or soon due in the open cases the user can see."""
    if not user.works_with_cases:
        return None
    query = (visible_cases_query(user).where(Case.status == CaseStatus.OPEN)
             .where(Case.id.in_(select(CaseProcess.case_id))).order_by(Case.id).limit(START_LIMIT))
    today = today_local()
    items = []
    for case in db.session.scalars(query).all():
        _, states = service.case_schedule(case, today)
        for state in states:
            if state.flagged:
                items.append((case, state))
    items.sort(key=lambda cs: (cs[1].status != StepStatus.OVERDUE, cs[1].due))
    return {"entries": items, "today": today}
