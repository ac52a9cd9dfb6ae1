"""Real Chromium through https:// and nginx to two gunicorn instances on MariaDB, the way a
municipality runs the portal (docs/deploy.md). A staff member asks for consent, the guardians sign
by the link and the one-time code they receive by e-mail (read from the SMTP server the outbox
worker delivers to), the staff member reports a deviation that the manager co-signs, and a plan's
PDF is fetched and read back. Half-way, one app instance is killed with SIGKILL: everybody goes on
through the other without signing in again, and the database holds everything that was confirmed."""
from __future__ import annotations

import io
import re
import time

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.deployed, pytest.mark.browser]

STAFF = "anna.larare@arjeplog.example"
MANAGER = "rut.rektorsson@arjeplog.example"
GUARDIANS = {"maria.exempel@familj.example": "Maria Exempeldotter", "jonas.exempel@familj.example": "Jonas Exempelsson"}
REASON = "Kallelsen till nätverksmötet kom tre veckor efter att vi bad om mötet."


def sign_in(page, email: str) -> None:
    page.goto("/logga-in")
    page.get_by_label("E-postadress", exact=True).fill(email)
    page.get_by_label("Lösenord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("button", name="Logga ut")).to_be_visible()


def mail_to(sink, address: str, subject: str, seen: int = 0, timeout: float = 30):
    """The first e-mail to `address` whose subject holds `subject`, after the first `seen` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in list(sink.messages) if m["To"] == address and subject in m["Subject"]]
        if len(found) > seen:
            return found[seen]
        sink.wait_for(len(sink.messages) + 1, timeout=0.5)
    raise AssertionError(f"no e-mail '{subject}' to {address} within {timeout:.0f} s "
                         f"(got {[(m['To'], m['Subject']) for m in sink.messages]})")


def text_of(mail) -> str:
    return mail.get_body(("plain",)).get_content()


def ask_for_consent(page) -> int:
    page.goto("/arenden/")
    page.get_by_role("link", name="Elsa Exempeldotter").click()
    page.get_by_role("link", name="Begär samtycke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Begär samtycke")
    page.get_by_label("Planera stöd och insatser tillsammans", exact=False).check()
    page.get_by_role("checkbox", name="IFO barn och familj").check()
    page.get_by_label("Skolgång och lärande", exact=False).check()
    page.get_by_label("Telefon i arbetet").fill("0961-140 00")
    page.locator("#signer_child_include-1").check()  # "Nej": Elsa is not asked herself
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollera innan du skickar")
    page.get_by_role("button", name="Skicka begäran om samtycke").click()
    expect(page).to_have_url(re.compile(r"/samtycke/\d+$"))
    return int(re.search(r"/samtycke/(\d+)$", page.url).group(1))


def open_link_and_verify(page, sink, stack, address: str) -> None:
    link = mail_to(sink, address, "samtycke")
    match = re.search(re.escape(stack.url) + r"(/samtycke/s/[A-Za-z0-9_-]{43})", text_of(link))
    assert match, "the e-mail has no https link to the portal behind nginx"
    codes_before = len([m for m in sink.messages if m["To"] == address and "kod" in m["Subject"]])
    page.goto(match.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta att det är du")
    page.get_by_role("button", name="Skicka kod till min e-post").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Skriv koden")
    code = re.search(r"Din kod är: (\d{6})", text_of(mail_to(sink, address, "kod", seen=codes_before))).group(1)
    page.locator("#code").fill(code)
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fråga om samtycke")


def sign(page, name: str) -> None:
    page.locator("#understood").check()
    page.locator("#name").fill(name)
    page.get_by_role("button", name="Ja, jag skriver under").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har skrivit under")


def report_deviation(page) -> str:
    page.goto("/")
    page.get_by_role("link", name="Rapportera en avvikelse").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapportera en avvikelse")
    page.locator("#event__event_date-day").fill("3")
    page.locator("#event__event_date-month").fill("2")
    page.locator("#event__event_date-year").fill("2026")
    page.locator("#event__concerned_unit").select_option("ifo-barn-och-familj")
    page.locator("#event__kind-1").check()
    page.locator("#description__reason").fill(REASON)
    page.locator("#description__consequences_child").fill("Barnet fick vänta på stöd i skolan.")
    page.locator("#description__proposed_measures").fill("Påminnelse efter fem arbetsdagar.")
    page.get_by_role("button", name="Fortsätt till granskning").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Granska och skicka rapporten")
    page.locator("#signed_name").fill("Anna Lärarsson")
    page.locator("#confirm").check()
    page.get_by_role("button", name="Skriv under och skicka rapporten").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"Avvikelserapport [A-Z0-9]{8}"))
    return heading.inner_text().split()[-1]


def cosign(page, ref: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Inkorg").first.click()
    page.get_by_role("link", name=f"Rapport {ref}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Avvikelserapport {ref}")
    page.locator("#cosign-text").fill("Jag instämmer. Vi tar upp kallelserutinen med IFO.")
    page.locator("#cosign-confirm").check()
    page.get_by_role("button", name="Skriv under som närmaste chef").click()
    expect(page.get_by_role("status").filter(has_text="Du har skrivit under rapporten")).to_be_visible()


def plan_pdf_text(page) -> str:
    page.goto("/arenden/")
    page.get_by_role("link", name="Elsa Exempeldotter").click()
    # The approved plan is linked as "Gällande plan: version N av Samordnad individuell plan (SIP)",
    # a plan not yet approved as "Samordnad individuell plan (SIP), version N".
    page.get_by_role("link", name=re.compile(
        r"^(version \d+ av Samordnad individuell plan \(SIP\)|Samordnad individuell plan \(SIP\), version \d+)$")).first.click()
    pdf_link = page.locator("a[href$='.pdf']").first
    expect(pdf_link).to_be_visible()
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def confirmed_in_database(stack, consent_id: int, report_ref: str) -> tuple[dict, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(stack.database_url)
    try:
        with engine.connect() as conn:
            consent = conn.execute(text("SELECT status FROM consents WHERE id = :id"), {"id": consent_id}).scalar_one()
            signers = dict(conn.execute(text("SELECT email, signed_name FROM consent_signers WHERE consent_id = :id "
                                             "AND status = 'signed'"), {"id": consent_id}).all())
            report = conn.execute(text("SELECT status FROM deviation_reports WHERE ref = :ref"),
                                  {"ref": report_ref}).scalar_one()
    finally:
        engine.dispose()
    return {"status": consent, "signed": signers}, report


def test_journeys_over_https_survive_a_killed_app_instance(stack, new_context):
    sink = stack.smtp
    staff = new_context().new_page()
    sign_in(staff, STAFF)
    secure = {c["name"]: c["secure"] for c in staff.context.cookies()}
    assert secure.get("session") is True, secure
    consent_id = ask_for_consent(staff)

    (first, first_name), (second, second_name) = GUARDIANS.items()
    guardian = new_context().new_page()
    open_link_and_verify(guardian, sink, stack, first)
    sign(guardian, first_name)
    other = new_context().new_page()
    open_link_and_verify(other, sink, stack, second)  # verified, not yet signed

    # Both instances have served this journey so far (nginx spreads the requests).
    assert stack.served_by("app1") and stack.served_by("app2")
    stack.processes["app1"].kill()
    served_by_app2 = len(stack.served_by("app2"))

    # The second guardian signs with the verification made before the crash; the staff member
    # and the manager go on without signing in again (the staff member's session is from before).
    sign(other, second_name)
    ref = report_deviation(staff)
    expect(staff.get_by_role("status").filter(has_text="Rapporten är skickad")).to_be_visible()
    manager = new_context().new_page()
    sign_in(manager, MANAGER)
    cosign(manager, ref)
    pdf = plan_pdf_text(staff)
    assert "Elsa Exempeldotter" in pdf and "Samordnad individuell plan" in pdf
    assert len(stack.served_by("app2")) > served_by_app2 + 10
    assert not stack.processes["app1"].alive()
    restarted = stack.start_app("app1", wait=False)  # back for the next test, while we look

    consent, report = confirmed_in_database(stack, consent_id, ref)
    assert consent == {"status": "valid", "signed": {first: first_name, second: second_name}}
    assert report == "cosigned"
    # The receipts reach the guardians through the worker, also after the crash.
    for address in GUARDIANS:
        mail_to(sink, address, "Kvitto")
    stack.wait_for_app(restarted)
