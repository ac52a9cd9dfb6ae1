"""Reminders of overdue and soon-due process steps to the samordnare (or, before a plan names
one, the one who opened the case). One e-mail per step and day: dedupe_key
"plans.reminder:<case id>:<step>:<date>". No personal data in the e-mail."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import select

from ..accounts.models import User
from ..audit import log_event
from ..cases.models import Case, CaseStatus
from ..extensions import db
from ..formdefs import keys
from ..notify import queue_email
from ..notify.models import OutboxMessage
from ..timeutil import today_local
from .models import CaseProcess
from .people import person
from . import service
from .definitions import PLAN_KINDS

COORDINATOR, = keys(PLAN_KINDS, "roles__coordinator")


@dataclass
class Result:
    queued: int = 0
    already: int = 0
    without_recipient: int = 0


def recipient(case: Case):
    """The coordinator of the newest plan version naming one, else the case opener."""
    for plan in reversed(service.plans_of(case)):
        for version in reversed(plan.versions):
            content, _ = service.with_current_contacts(plan, version.content or {})
            coordinator = person(COORDINATOR.of(content))
            if coordinator is not None and coordinator.active:
                return coordinator.name, coordinator.email
    opener = db.session.get(User, case.opened_by_id)
    if opener is not None and opener.active:
        return opener.name, opener.email
    return None


def send_reminders(today: dt.date | None = None) -> Result:
    today = today or today_local()
    result = Result()
    cases = db.session.scalars(select(Case).join(CaseProcess, CaseProcess.case_id == Case.id)
                               .where(Case.status == CaseStatus.OPEN).order_by(Case.id)).all()
    with current_app.test_request_context(base_url=current_app.config["PORTAL_BASE_URL"]):
        for case in cases:
            _, states = service.case_schedule(case, today)
            flagged = [s for s in states if s.flagged]
            if not flagged:
                continue
            to = recipient(case)
            if to is None:
                result.without_recipient += len(flagged)
                continue
            link = current_app.config["PORTAL_BASE_URL"] + url_for("cases.view", ref=case.ref) + "#process"
            for state in flagged:
                key = f"plans.reminder:{case.id}:{state.step.key}:{today.isoformat()}"
                if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
                    result.already += 1
                    continue
                queue_email(to[1], "plans/email/reminder", {"state": state, "link": link, "today": today},
                            kind="plans.reminder", case_id=case.id, dedupe_key=key)
                log_event("plan.reminder", case=case, object_type="step", object_id=state.step.key, actor="system",
                       detail=state.status)
                result.queued += 1
            db.session.commit()
    return result
