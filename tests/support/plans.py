"""Helpers for the plans tests: real consents through the consent pages (signed in person on the
staff member's device, or by the family from their e-mail), and the plan editor's form data."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from tests.support.consent import ask_for_consent, unlock_device
from tests.helpers import login

SKOLA = "solbackens-skola"          # grundskola (skola)
ELEVHALSA = "elevhalsan-arjeplog"   # elevhälsa (skola)
IFO = "ifo-barn-och-familj"         # socialtjänst
VC = "arjeplogs-vardcentral"        # hälso- och sjukvård
BUP = "bup-pite-alvdal"             # hälso- och sjukvård
POLIS = "polisen-arjeplog"          # polis

PEOPLE = {
    "anna": ("anna.larare@skola.example", "Anna Lärarsson", SKOLA),
    "kim": ("kim.kurator@skola.example", "Kim Kuratorsson", ELEVHALSA),
    "samir": ("samir.soc@kommun.example", "Samir Socialsson", IFO),
    "sara": ("sara.soc@kommun.example", "Sara Socialdotter", IFO),
    "vera": ("vera.vard@region.example", "Vera Vårdsson", VC),
    "britt": ("britt.bup@region.example", "Britt Bupsson", BUP),
    "polly": ("polly.polis@polisen.example", "Polly Polisson", POLIS),
}


class _Everyone(dict):
    def __init__(self, channel):
        super().__init__()
        self.channel = channel

    def get(self, key, default=None):
        return self.channel


def make_people(make_user) -> dict[str, int]:
    return {key: make_user(email, units=(unit,), name=name) for key, (email, name, unit) in PEOPLE.items()}


def case_with_people(app_factory, make_user, make_case, smtp_sink):
    """An app sending to the SMTP sink, everyone in PEOPLE, a case opened by Anna and Anna's client:
    (app, ids, ref, anna)."""
    app = app_factory(**smtp_sink.config())
    smtp_sink.start()
    ids = make_people(make_user)
    ref = make_case(ids["anna"])
    return app, ids, ref, client_for(app, "anna")


def client_for(app, key: str):
    client = app.test_client()
    login(client, PEOPLE[key][0])
    return client


def value(key: str, ids: dict) -> str:
    """The plan's stored value for a person: "<unit>:<user id>"."""
    return f"{PEOPLE[key][2]}:{ids[key]}"


def signers_of(app, consent_id: int) -> list[tuple[int, str, str]]:
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        consent = db.session.get(Consent, consent_id)
        return [(s.id, s.name, s.text_sha256) for s in consent.signers]


def give_consent(app, client, ref: str, units, *, channel: str = "in_person", **kwargs) -> int:
    """A valid consent for `units`: asked through the consent pages; signed in person on the
    staff member's device (channel "in_person"), or left for the family to sign by e-mail."""
    kwargs.setdefault("child_include", "nej")
    consent_id = ask_for_consent(client, ref, units=tuple(units), channels=_Everyone(channel), **kwargs)
    if channel != "in_person":
        return consent_id
    for signer_id, name, digest in signers_of(app, consent_id):
        base = f"/arenden/{ref}/samtycke/{consent_id}/undertecknare/{signer_id}/pa-plats"
        assert client.post(base, data={"confirm": "y"}).status_code == 302
        signed = client.post(f"{base}/las", data={"understood": "y", "name": name, "text_sha256": digest})
        assert signed.status_code == 302, signed.get_data(as_text=True)[:2000]
        unlock_device(client)
    from portal.consent.models import Consent
    from portal.extensions import db

    with app.app_context():
        assert db.session.get(Consent, consent_id).status == "valid"
    return consent_id


def new_plan(client, ref: str, kind: str | None = None) -> str:
    """Creates a plan; returns the editor's path for version 1."""
    response = client.post(f"/arenden/{ref}/planer/ny", data={"kind": kind} if kind else {})
    assert response.status_code == 302
    return response.headers["Location"].replace("http://portal.test", "").replace("http://localhost", "")


def date_fields(name: str, day) -> dict:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def intervention(i: int, what: str, unit: str, contact: str, **extra) -> dict:
    data = {f"interventions-{i}-what": what, f"interventions-{i}-unit": unit, f"interventions-{i}-contact": contact}
    for key, v in extra.items():
        if key == "start":
            data.update(date_fields(f"interventions-{i}-start", v))
        elif key == "priority":
            if v:
                data[f"interventions-{i}-priority"] = "y"
        else:
            data[f"interventions-{i}-{key}"] = v
    return data


def two_unit_sip(ids: dict, today) -> dict:
    """The editor's form data for a SIP sent for approval: Läxhjälp at the school (Anna) and
    Föräldrastöd at IFO (Samir, also the samordnare); follow-up in 40 days."""
    return {
        **date_fields("plan__established_on", today), "needs__needs": "Stöd i matten.",
        **intervention(0, "Läxhjälp", SKOLA, value("anna", ids)),
        **intervention(1, "Föräldrastöd", IFO, value("samir", ids)),
        "family__child": "Jag vill ha hjälp med matten.", "roles__coordinator": value("samir", ids),
        "roles__lead_service": "arjeplog-ifo", "roles__overall_authority": "arjeplogs-kommun",
        **date_fields("followup__date", today + dt.timedelta(days=40)), "submit": "1"}


def plan_id_from(path: str) -> int:
    return int(re.search(r"/planer/(\d+)/", path).group(1))


def version_status(app, plan_id: int, number: int) -> str:
    from portal.extensions import db
    from portal.plans.models import PlanVersion

    with app.app_context():
        return db.session.scalar(select(PlanVersion.status).where(PlanVersion.plan_id == plan_id,
                                                                 PlanVersion.number == number))
