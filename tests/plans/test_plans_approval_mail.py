"""Plan approval talks to the right people (issue 29 item 7), through the real pages, the real
outbox and a real SMTP server: "väntar på godkännande" and "är godkänd" go to the staff the plan
names (contact persons, coordinator) and the family who approve - not to every staff member and
manager of the units. The family's page shows the plan before the approve button and, after one
guardian approved, who has not approved yet. The case page shows the approved version beside the
follow-up draft."""
from __future__ import annotations

import re

from tests.support.consent import code_in, deliver, text_of
from tests.support.plans import (IFO, PEOPLE, SKOLA, case_with_people, client_for, date_fields, give_consent,
                                 new_plan, plan_id_from, two_unit_sip, version_status)
from portal.timeutil import today_local

GUARDIAN_1, GUARDIAN_2 = "vh1@familj.example", "vh2@familj.example"


def recipients(sink) -> list[str]:
    return sorted(address for _sender, addresses in sink.envelopes for address in addresses)


def plan_link(sink, address: str) -> str:
    mail = next(m for m in sink.messages if m["To"] == address)
    match = re.search(r"http://portal\.test(/min-plan/[A-Za-z0-9_-]{43})", text_of(mail))
    assert match, "no personal plan link in the e-mail"
    return match.group(1)


def verified_family_client(app, sink, path: str):
    family = app.test_client()
    before = len(sink.messages)
    assert family.post(f"{path}/kod", data={"action": "send"}).status_code == 302
    deliver(app, sink, expect=before + 1)
    assert family.post(f"{path}/kod", data={"action": "verify", "code": code_in(sink.messages[-1])}).status_code == 302
    return family


def test_approval_mail_goes_to_the_people_who_act_and_the_family_page_says_who_is_left(
        app_factory, make_user, make_case, smtp_sink):
    app, ids, ref, anna = case_with_people(app_factory, make_user, make_case, smtp_sink)
    # Managers of both units and Sara (IFO, not in the plan) used to get every e-mail about the plan.
    make_user("rektor@skola.example", role="manager", units=(SKOLA,), name="Rut Rektor")
    make_user("ifo.chef@kommun.example", role="manager", units=(IFO,), name="Ivar Chef")
    give_consent(app, anna, ref, (SKOLA, IFO))
    deliver(app, smtp_sink)
    smtp_sink.messages.clear()
    smtp_sink.envelopes.clear()

    editor = new_plan(anna, ref)
    today = today_local()
    response = anna.post(editor, data=two_unit_sip(ids, today))
    assert response.status_code == 302
    plan_id = plan_id_from(editor)
    deliver(app, smtp_sink, expect=3)
    # Anna proposed it herself; Samir (IFO's contact person and coordinator) must approve; both guardians.
    assert recipients(smtp_sink) == sorted([PEOPLE["samir"][0], GUARDIAN_1, GUARDIAN_2])

    # The first guardian reads the plan, then the button; after approving, who is left is named.
    first = plan_link(smtp_sink, GUARDIAN_1)
    second = plan_link(smtp_sink, GUARDIAN_2)
    family = verified_family_client(app, smtp_sink, first)
    page = family.get(first).get_data(as_text=True)
    assert page.index("Det här ska göras") < page.index("Jag godkänner planen")
    assert family.post(f"{first}/godkann/{plan_id}/1").status_code == 302
    page = family.get(first).get_data(as_text=True)
    left = re.search(r"Planen väntar på godkännande från ([^<]*)\.</p>", page)
    assert left, "the page says who has not approved yet"
    assert "Vårdnadshavare 2" in left.group(1) and "Vårdnadshavare 1" not in left.group(1)
    assert "@" not in left.group(1) and "Jag godkänner planen" not in page

    other = verified_family_client(app, smtp_sink, second)
    assert other.post(f"{second}/godkann/{plan_id}/1").status_code == 302
    view = editor.replace("/redigera", "")
    assert anna.post(f"{view}/godkann", data={"unit_key": SKOLA}).status_code == 302
    assert client_for(app, "samir").post(f"{view}/godkann", data={"unit_key": IFO}).status_code == 302
    assert version_status(app, plan_id, 1) == "approved"
    smtp_sink.messages.clear()
    smtp_sink.envelopes.clear()
    deliver(app, smtp_sink, expect=4)
    # "Är godkänd": the two people the plan names and the two guardians (with a new personal link).
    assert recipients(smtp_sink) == sorted([PEOPLE["anna"][0], PEOPLE["samir"][0], GUARDIAN_1, GUARDIAN_2])

    # A follow-up starts version 2 as a draft: the case page shows both, labelled.
    started = anna.post(f"/arenden/{ref}/planer/{plan_id}/uppfoljning",
                        data={**date_fields("held_on", today), "deviations": "none"})
    assert started.status_code == 302
    page = anna.get(f"/arenden/{ref}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page)
    text = " ".join(text.split())
    assert re.search(r"Gällande plan: version 1 av [^,]+, godkänd \d+ \w+ \d{4}", text), text[:3000]
    assert "Uppföljning: utkast version 2" in text


def test_a_unit_nobody_in_the_plan_acts_for_is_told_through_its_staff_not_its_managers(app, make_user, make_case):
    """plan_people: a unit that must approve with no one named in the plan or in a meeting gets its
    staff members (someone there must approve), never its managers; uncovered units get nothing."""
    from portal.cases.models import Case
    from portal.extensions import db
    from portal.plans import service
    from portal.plans.models import Plan, PlanVersion
    from sqlalchemy import select
    from tests.support.plans import VC, make_people

    ids = make_people(make_user)
    make_user("vc.chef@region.example", role="manager", units=(VC,), name="Vivi Chef")
    ref = make_case(ids["anna"])
    anna = client_for(app, "anna")
    give_consent(app, anna, ref, (SKOLA, VC))
    with app.app_context(), app.test_request_context():
        case = db.session.scalar(select(Case).where(Case.ref == ref))
        plan = Plan(case_id=case.id, kind="sip", created_by_id=ids["anna"])
        plan.versions = [PlanVersion(number=1, content={"interventions": [
            {"what": "Läxhjälp", "unit": SKOLA, "contact": f"{SKOLA}:{ids['anna']}"},
            {"what": "Samtal", "unit": VC, "contact": ""}]})]
        db.session.add(plan)
        db.session.flush()
        people = service.plan_people(case, plan.versions[0], [SKOLA, VC, IFO])
        assert sorted(p.email for p in people) == sorted([PEOPLE["anna"][0], PEOPLE["vera"][0]])
