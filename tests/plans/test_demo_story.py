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
