"""Demo deviation reports (fictional): one waiting in the rektor's inbox, one draft, and one from
the police that no rule routes, waiting in the administrators' queue. No e-mails are queued."""
from __future__ import annotations

import datetime as dt

from flask import current_app

from ..extensions import db
from ..timeutil import today_local
from . import service
from .lifecycle import DeviationStatus
from .models import DeviationReport

TEACHER = "anna.larare@arjeplog.example"
POLICE = "polly.polis@polisen.example"


def _record(event_date: dt.date, concerned: str, kind: str, reason: str, child: str, measures: str) -> dict:
    return {
        "event": {"event_date": event_date.isoformat(), "concerned_unit": concerned, "kind": kind},
        "client": {"initials_or_age": "Elev i årskurs 6"},
        "description": {"reason": reason, "consequences_child": child, "consequences_services": "",
                        "proposed_measures": measures},
    }


def _draft(user, unit: str, record: dict) -> DeviationReport:
    report = DeviationReport(reporter_id=user.id, status=DeviationStatus.DRAFT, reporter_unit_key=unit)
    service.apply_record(report, record)
    db.session.add(report)
    db.session.flush()
    service.add_event(report, user, "create", to_status=DeviationStatus.DRAFT, detail="utkast skapat")
    return report


def seed_deviation_demo(users: dict) -> None:
    """users: {e-mail: User} from portal.demo.seed_demo."""
    teacher, police = users.get(TEACHER), users.get(POLICE)
    if teacher is None or police is None:
        return
    today = today_local()
    with current_app.test_request_context():
        sent = _draft(teacher, "solbackens-skola", _record(
            today - dt.timedelta(days=12), "ifo-barn-och-familj", "kallelse",
            "Vi bad om ett nätverksmöte men kallelsen från IFO kom först efter tre veckor.",
            "Eleven fick vänta på stöd i skolan.", "Påminnelse efter fem arbetsdagar."))
        service.submit(sent, teacher, teacher.name, quiet=True)
        _draft(teacher, "solbackens-skola", _record(
            today - dt.timedelta(days=3), "arjeplogs-vardcentral", "narvaro",
            "Vårdcentralen var kallad till nätverksmötet men kom inte och meddelade inte förhinder.",
            "Mötet fick skjutas upp en vecka.", "Meddela förhinder till sammankallande."))
        queued = _draft(police, "polisen-arjeplog", _record(
            today - dt.timedelta(days=5), "solbackens-skola", "samtycke",
            "Skolan lämnade uppgifter till polisen utan att samtycke fanns.",
            "Ingen direkt konsekvens.", "Gå igenom rutinen för samtycke."))
        service.submit(queued, police, police.name, quiet=True)
