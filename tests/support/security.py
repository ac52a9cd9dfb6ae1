"""Shared by the security tests (access matrix, CSRF, fuzzing): a small world with one object
of every kind a route can name, made through the features' own functions and routes, and a
logged-in test client per role.

Roles:
  anon      nobody signed in
  own       staff of the unit that opened the case
  other     staff of another unit (IFO) with no consent or plan in the case
  manager   the case unit's manager (rektor), who also receives the unit's deviation reports
  admin     an administrator
  guardian  a guardian holding their personal consent link (opened and identified)
  withdrawn a guardian who has withdrawn their consent, holding their link
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from tests.helpers import TEST_PASSWORD, login
from portal.timeutil import today_local

ROLES = ("anon", "own", "other", "manager", "admin", "guardian", "withdrawn")
STAFF_ROLES = ("own", "other", "manager")
EMAILS = {
    "own": "anna.larare@arjeplog.example",
    "other": "samir.socialsekreterare@arjeplog.example",
    "manager": "rut.rektorsson@arjeplog.example",
    "admin": "admin@arjeplog.example",
}
ACCOUNT = {"own": ("staff", ["solbackens-skola"]), "other": ("staff", ["ifo-barn-och-familj"]),
           "manager": ("manager", ["solbackens-skola"]), "admin": ("admin", [])}
CASE_UNIT = "solbackens-skola"
CHILD_NAME, CHILD_NUMBER = "Matris Barnsson", "20120415-2381"


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    case_ref: str = ""
    case_id: int = 0
    guardian_ids: list[int] = field(default_factory=list)
    message_id: int = 0
    values: dict[str, object] = field(default_factory=dict)   # url values by name, for the routes
    tokens: dict[str, str] = field(default_factory=dict)      # role -> personal link token
    extra: dict[str, object] = field(default_factory=dict)


# Features add builders here after their own objects exist: fn(app, world) -> None.
BUILDERS: list = []


def builder(fn):
    BUILDERS.append(fn)
    return fn


def build_world(app) -> World:
    from portal.accounts.service import create_user
    from portal.cases.models import Case, Guardian
    from portal.extensions import db

    world = World()
    with app.app_context():
        for role, email in EMAILS.items():
            kind, units = ACCOUNT[role]
            user = create_user(email, email.split("@")[0].replace(".", " ").title(), TEST_PASSWORD, kind, units)
            db.session.flush()
            world.users[role] = user.id
        case = Case(unit_key=CASE_UNIT, opened_by_id=world.users["own"], child_name=CHILD_NAME,
                    personal_number=CHILD_NUMBER)
        case.guardians.append(Guardian(name="Vera Vårdnadshavare", email="vera@familj.example", has_custody=True))
        case.guardians.append(Guardian(name="Ville Vårdnadshavare", email="ville@familj.example", has_custody=True))
        db.session.add(case)
        db.session.commit()
        world.case_ref, world.case_id = case.ref, case.id
        world.guardian_ids = [g.id for g in case.guardians]
    world.values.update(ref=world.case_ref, guardian_id=world.guardian_ids[0], user_id=world.users["own"],
                        slug="grona-kortet-norrbus", filename="css/portal.css", index=1)
    _outbox_message(app, world)
    for fn in BUILDERS:
        fn(app, world)
    return world


def _outbox_message(app, world: World) -> None:
    """A message delivered to the development mailbox, with an attachment."""
    from portal.extensions import db
    from portal.notify import queue_email
    from portal.notify.worker import deliver_due

    with app.app_context():
        msg = queue_email(to="mottagare@familj.example", template="notify/email/test", context={}, kind="notify.test",
                          attachments=[("natverksmote.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
        db.session.commit()
        world.message_id = msg.id
        deliver_due()
        # A message of the case that the mail server refused ("Skicka igen" on the case's pages).
        from sqlalchemy import update

        from portal.notify.models import MessageStatus, OutboxMessage

        failed = queue_email(to="fel.adress@familj.example", template="notify/email/test", context={}, kind="consent.link",
                             case_id=world.case_id)
        db.session.flush()
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == failed.id)
                           .values(status=MessageStatus.FAILED, attempts=1, last_error="SMTPRecipientsRefused 550"))
        db.session.commit()
        world.values["case_message_id"] = failed.id
    world.values["message_id"] = world.message_id


def client_for(app, world: World, role: str):
    """A test client acting as `role` (see the module docstring)."""
    client = app.test_client()
    cookies = world.extra.get("guardian_cookies", {}).get(role)
    if cookies:
        for key, value, domain, path in cookies:  # the browser that verified the link and signed
            client.set_cookie(key, value, domain=domain, path=path)
    elif role in EMAILS:
        login(client, EMAILS[role])
    return client


def cookies_of(client) -> list[tuple[str, str, str, str]]:
    return [(c.key, c.value, c.domain, c.path) for c in client._cookies.values()]


# --- One world per test session (SQLite): built once (the world_snapshot fixture, tests/conftest.py),
# copied into each test's database (world_app) -------------------------------------------------------

SNAPSHOT_CONFIG = {
    "SECRET_KEY": "security-tests-shared-secret-key-0123456789",
    # The guardians verified their links when the snapshot was made; keep that valid for the run.
    "PORTAL_CONSENT_SESSION_MINUTES": 24 * 60,
}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def scalar(app, query):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(query)


__all__ = ["ROLES", "STAFF_ROLES", "EMAILS", "World", "build_world", "client_for", "builder", "select", "scalar"]


# --- Feature objects ---------------------------------------------------------------------------

def _feature(name: str) -> bool:
    from portal import FEATURES

    return name in FEATURES


LINK_RE = r"/samtycke/s/([A-Za-z0-9_-]{43})"


def outbox_texts_to(app, address: str) -> list[str]:
    """The text bodies of the messages to `address`, oldest first (delivered or not)."""
    from portal.extensions import db
    from portal.notify.models import OutboxMessage

    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_addr == address)
                                       .order_by(OutboxMessage.id)))


def deliver(app) -> None:
    from portal.notify.worker import deliver_due

    with app.app_context():
        deliver_due()


def consent_links(app, address: str) -> dict[int, str]:
    """consent id -> the newest sign link token sent to `address`."""
    import re

    from portal.consent.tokens import find_link
    from portal.extensions import db

    tokens = {}
    for body in outbox_texts_to(app, address):
        for token in re.findall(LINK_RE, body):
            with app.app_context():
                link = find_link(token, kinds=("sign",))
                if link is not None:
                    tokens[link.signer.consent_id] = token
                db.session.remove()
    return tokens


def verify_link(app, client, token: str, address: str) -> None:
    """Open the personal link, have a code sent, read it from the e-mail and type it in."""
    import re

    path = f"/samtycke/s/{token}"
    assert client.get(path).status_code == 200
    assert client.post(f"{path}/identifiera/email_otp", data={"action": "send"}).status_code == 302
    deliver(app)
    code = re.search(r"Din kod är: (\d{6})", outbox_texts_to(app, address)[-1]).group(1)
    response = client.post(f"{path}/identifiera/email_otp", data={"action": "verify", "code": code})
    assert response.status_code == 302 and response.headers["Location"].endswith(path), response.status_code


def sign_link(app, client, token: str, name: str) -> None:
    import re

    path = f"/samtycke/s/{token}"
    html = client.get(path).get_data(as_text=True)
    digest = re.search(r'name="text_sha256" type="hidden" value="([0-9a-f]{64})"', html).group(1)
    response = client.post(f"{path}/skriv-under", data={"understood": "y", "name": name, "text_sha256": digest})
    assert response.status_code == 302


@builder
def _consents(app, world: World) -> None:
    """Consent A (school + BUP) signed by both guardians: valid. Consent B (school + vårdcentral)
    signed by both, then withdrawn by Ville through his link. The guardian role is Vera holding
    her verified link to A; the withdrawn role is Ville holding his link to B."""
    if not _feature("portal.consent"):
        return
    from tests.support.consent import ask_for_consent

    staff = app.test_client()
    login(staff, EMAILS["own"])
    consent_a = ask_for_consent(staff, world.case_ref, units=("solbackens-skola", "bup-pite-alvdal"), child_include="nej")
    consent_b = ask_for_consent(staff, world.case_ref, units=("solbackens-skola", "arjeplogs-vardcentral"),
                                child_include="nej")
    deliver(app)
    vera, ville = consent_links(app, "vera@familj.example"), consent_links(app, "ville@familj.example")
    clients = {}
    for consent_id, who, tokens, address, name in (
            (consent_a, "guardian", vera, "vera@familj.example", "Vera Vårdnadshavare"),
            (consent_a, None, ville, "ville@familj.example", "Ville Vårdnadshavare"),
            (consent_b, None, vera, "vera@familj.example", "Vera Vårdnadshavare"),
            (consent_b, "withdrawn", ville, "ville@familj.example", "Ville Vårdnadshavare")):
        client = app.test_client()
        verify_link(app, client, tokens[consent_id], address)
        sign_link(app, client, tokens[consent_id], name)
        if who:
            clients[who] = client
    withdrawn = clients["withdrawn"].post(f"/samtycke/s/{ville[consent_b]}/aterkalla", data={"confirm": "y"})
    assert withdrawn.status_code == 200
    from portal.consent.models import Consent, ConsentSigner
    from portal.extensions import db

    with app.app_context():
        assert db.session.get(Consent, consent_a).status == "valid"
        assert db.session.get(Consent, consent_b).status == "withdrawn"
        signer = db.session.scalar(select(ConsentSigner).where(ConsentSigner.consent_id == consent_a,
                                                               ConsentSigner.email == "vera@familj.example"))
        world.values.update(consent_id=consent_a, signer_id=signer.id)
    world.tokens.update(guardian=vera[consent_a], withdrawn=ville[consent_b])
    world.values.update(token=vera[consent_a], provider="email_otp")
    world.extra.update(consent_a=consent_a, consent_b=consent_b,
                       guardian_cookies={role: cookies_of(c) for role, c in clients.items()})


@builder
def _subject_access_exports(app, world: World) -> None:
    """A prepared registerutdrag (ready) asked for by the case unit's manager, and one by the
    guardian role's signer (issue 32: only the one who asked may read it)."""
    if not _feature("portal.subject_access"):
        return
    import datetime as _dt

    from portal.extensions import db
    from portal.subject_access.models import ExportStatus, SubjectAccessExport
    from portal.timeutil import utcnow

    with app.app_context():
        made = {}
        for key, who in (("staff_export_id", {"requested_by_id": world.users["manager"]}),
                         ("signer_export_id", {"signer_id": world.values.get("signer_id")})):
            export = SubjectAccessExport(case_id=world.case_id, status=ExportStatus.READY, pdf=b"%PDF-1.7\n%%EOF\n",
                                         ready_at=utcnow(), expires_at=utcnow() + _dt.timedelta(days=7), **who)
            db.session.add(export)
            db.session.flush()
            made[key] = export.id
        db.session.commit()
    world.values.update(made)


@builder
def _plans(app, world: World) -> None:
    """A plan (version 1, a draft), a meeting with a guardian taking part, and the family's plan link."""
    if not _feature("portal.plans"):
        return
    import re

    staff = app.test_client()
    login(staff, EMAILS["own"])
    response = staff.post(f"/arenden/{world.case_ref}/planer/ny", data={})
    assert response.status_code == 302
    plan_id = int(re.search(r"/planer/(\d+)/", response.headers["Location"]).group(1))
    day = today_local() + dt.timedelta(days=30)
    response = staff.post(f"/arenden/{world.case_ref}/moten/nytt", data={
        "day-day": str(day.day), "day-month": str(day.month), "day-year": str(day.year), "start": "13:00",
        "end": "14:00", "place": "Solbackens skola", "purpose": "En gemensam bild.", "agenda": "1. Behov",
        "child_participation": "not_present", "child_voice_by": "Anna"})
    assert response.status_code == 302, response.status_code
    meeting_id = int(re.search(r"/moten/(\d+)", response.headers["Location"]).group(1))
    response = staff.post(f"/arenden/{world.case_ref}/moten/{meeting_id}/deltagare",
                          data={"who": f"guardian:{world.guardian_ids[0]}", "purpose": ""})
    assert response.status_code == 302, response.status_code
    from portal.extensions import db
    from portal.plans.models import MeetingParticipant

    with app.app_context():
        participant_id = db.session.scalar(select(MeetingParticipant.id).where(MeetingParticipant.meeting_id == meeting_id))
    world.values.update(plan_id=plan_id, number=1, meeting_id=meeting_id, participant_id=participant_id, key="consent")
    if _feature("portal.consent") and "consent_a" in world.extra:
        from portal.consent.models import ConsentSigner
        from portal.plans import family_links

        with app.app_context():
            signer = db.session.get(ConsentSigner, world.values["signer_id"])
            plan_token = family_links.issue_link(signer)
            db.session.commit()
        world.values["plan_token"] = plan_token


@builder
def _escalation(app, world: World) -> None:
    """A referral waiting for its decision (the case follows Arjeplog's routine: the styrgrupp)."""
    if not _feature("portal.escalation"):
        return
    staff = app.test_client()
    login(staff, EMAILS["own"])
    response = staff.post(f"/arenden/{world.case_ref}/oenighet", data={"question": "Vem ansvarar för skjutsen?"})
    assert response.status_code == 303, response.status_code
    from portal.escalation.models import Referral
    from portal.extensions import db

    with app.app_context():
        world.values["referral_id"] = db.session.scalar(select(Referral.id).where(Referral.case_id == world.case_id))


@builder
def _deviations(app, world: World) -> None:
    """A draft report and a sent one by the case unit's staff member (routed to the unit's rektor)."""
    if not _feature("portal.deviations"):
        return
    import re

    from tests.support.deviations import report_form

    staff = app.test_client()
    login(staff, EMAILS["own"])
    draft = staff.post("/avvikelser/ny", data=report_form(action="draft"))
    assert draft.status_code == 302
    world.values["draft_ref"] = re.search(r"/avvikelser/([A-Z0-9]+)/", draft.headers["Location"]).group(1)
    sent = staff.post("/avvikelser/ny", data=report_form())
    ref = re.search(r"/avvikelser/([A-Z0-9]+)/", sent.headers["Location"]).group(1)
    from portal.accounts.models import User
    from portal.extensions import db

    with app.app_context():
        name = db.session.get(User, world.users["own"]).name
    signed = staff.post(f"/avvikelser/{ref}/granska", data={"signed_name": name, "confirm": "y"})
    assert signed.status_code == 302 and signed.headers["Location"].endswith(f"/avvikelser/{ref}")
    world.values.update(report_ref=ref, action="comment")
