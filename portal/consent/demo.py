"""Demo consent (fictional): the demo case's guardians signed a consent in person for the school
and IFO, the units of the case's SIP (portal/plans/demo.py), so that the approved plan rests on a
valid consent. Made with the consent's own service functions (texts, chain), with the clock set to
the story's consent day (portal/demo.DemoStory), so it is signed before the meeting and the plan.
The demo queues no e-mail: the receipts signing queues are taken out of the outbox again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete

from ..extensions import db
from ..notify.models import OutboxMessage
from ..timeutil import clock_at
from . import service
from .identity import InPersonProvider

TEACHER = "anna.larare@arjeplog.example"
UNITS = ("solbackens-skola", "ifo-barn-och-familj")


def seed(case, users, story) -> None:
    teacher = users.get(TEACHER)
    if teacher is None:
        return
    with clock_at(story.consent, dt.time(9)):
        _signed_in_person(case, teacher)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.case_id == case.id,
                                                   OutboxMessage.kind.like("consent.%")))


def _signed_in_person(case, teacher) -> None:
    record = {"purpose": {"purposes": ["plan_support", "coordinated_plan"], "purpose_text": ""},
              "units": {"units": list(UNITS)},
              "information": {"categories": ["school", "interventions"], "categories_text": ""},
              "validity": {"months": 12},
              "contact": {"unit": case.unit_key, "name": teacher.name, "email": teacher.email, "phone": "0961-140 00"}}
    plan = [{"role": "guardian", "guardian_id": g.id, "channel": "in_person", "email": g.email}
            for g in case.guardians if g.has_custody]
    consent = service.save_draft(case, None, record, plan, teacher)
    problems = service.send(consent, teacher)
    if problems:
        raise RuntimeError(f"the demo consent cannot be sent: {problems}")
    verified = InPersonProvider().verified(teacher)
    for signer in consent.signers:
        service.mark_verified(signer, verified)
        service.sign(signer, verified, signer.name, signer.text_sha256)
    db.session.flush()
