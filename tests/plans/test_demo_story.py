"""The demo tells one coherent story per case (issue 29 item 11): every demo case with an approved
plan has a signed, valid consent covering every unit of the plan, and the plan page says so."""
from __future__ import annotations

from sqlalchemy import select

from portal.demo import DEMO_PASSWORD, seed_demo
from tests.helpers import login

TEACHER = "anna.larare@arjeplog.example"


def test_every_approved_demo_plan_rests_on_a_signed_consent_that_covers_its_units(app):
    from portal.cases.models import Case
    from portal.consent.models import Consent, ConsentStatus
    from portal.extensions import db
    from portal.notify.models import OutboxMessage
    from portal.plans import service

    with app.app_context():
        assert seed_demo()
        assert db.session.scalar(select(OutboxMessage)) is None, "the demo queues no e-mail"
        checked = []
        for case in db.session.scalars(select(Case)).all():
            for plan in service.plans_of(case):
                version = plan.current_approved
                if version is None:
                    continue
                units = service.participating_units(version.content)
                assert units
                consents = db.session.scalars(select(Consent).where(Consent.case_id == case.id,
                                                                    Consent.status == ConsentStatus.VALID)).all()
                signed = [c for c in consents if c.signers and all(s.signed_at is not None for s in c.signers)]
                assert signed, f"no signed consent on demo case {case.ref}"
                assert all(any(u in c.unit_keys for c in signed) for u in units), (units, [c.unit_keys for c in signed])
                labels = [service.directory().unit_label(u) for u in units]
                checked.append((case.ref, plan.id, version.number, labels))
        assert checked, "the demo has a case with an approved plan"

    client = app.test_client()
    login(client, TEACHER, DEMO_PASSWORD)
    for ref, plan_id, number, labels in checked:
        page = client.get(f"/arenden/{ref}/planer/{plan_id}/v/{number}").get_data(as_text=True)
        section = page[page.index('id="samtycke"'):]
        section = section[:section.index("</section>")]
        for label in labels:
            assert f"{label}: omfattas av samtycket till och med" in section
        assert "omfattas inte" not in section
        case_page = client.get(f"/arenden/{ref}").get_data(as_text=True)
        consents = case_page[case_page.index('id="samtycken"'):]
        assert "Giltigt" in consents[:consents.index("</section>")]


def test_the_demo_case_happens_in_order_and_its_consent_chain_holds(app):
    """The demo case is opened first, its consent is signed before the network meeting, the plan
    is made at the meeting and approved after it, and nothing is dated after today: the pages show
    a history a newcomer can follow (it once listed steps done weeks before the case was opened and
    a plan approved on a consent signed the day the demo was seeded)."""
    from portal.audit.models import AuditEvent
    from portal.cases.models import Case
    from portal.consent.models import Consent
    from portal.consent.service import verify_consent
    from portal.extensions import db
    from portal.plans.models import CaseProcess, StepRecord
    from portal.plans import service
    from portal.timeutil import local, today_local, utcnow

    with app.app_context():
        assert seed_demo()
        case = db.session.scalars(select(Case).where(Case.child_name == "Elsa Exempeldotter")).one()
        opened = case.opened_at
        today = today_local()
        assert opened < utcnow() and local(opened).date() < today
        steps = {s.step_key: s for s in db.session.scalars(select(StepRecord).where(StepRecord.case_id == case.id))}
        assert steps and all(local(opened).date() <= s.done_on < today for s in steps.values())
        assert all(s.recorded_at >= opened for s in steps.values())
        assert db.session.scalars(select(CaseProcess).where(CaseProcess.case_id == case.id)).one().chosen_at >= opened

        consent = db.session.scalars(select(Consent).where(Consent.case_id == case.id)).one()
        assert verify_consent(consent).ok
        signed = max(s.signed_at for s in consent.signers)
        assert opened < consent.created_at <= signed
        assert local(signed).date() == steps["consent"].done_on == consent.valid_from
        assert consent.valid_until > today

        sip = next(p for p in service.plans_of(case) if p.kind == "sip")
        versions = sorted(sip.versions, key=lambda v: v.number)
        assert [v.number for v in versions] == [1, 2]
        assert local(versions[0].created_at).date() == steps["meeting"].done_on
        moments = [signed, versions[0].created_at, versions[0].approved_at, versions[1].created_at,
                   versions[1].approved_at]
        assert moments == sorted(moments) and moments[-1] < utcnow()
        assert all(a.approved_at == v.approved_at for v in versions for a in v.approvals)

        events = db.session.scalars(select(AuditEvent)).all()
        assert events and all(e.at <= utcnow() for e in events)
