"""Fuzzing the formdefs-driven forms and the signer's forms with Hypothesis: the deviation report,
the consent request, the plan editor, the meeting form, the staff withdrawal, and on the personal
link the code, sign, decline and withdraw forms. The fields are read from the page itself, so a
field added to forms/*.yaml is fuzzed too. Never a 500; a refused form is a 400 with the error
summary; nothing typed is reflected unescaped, on the answer or on the page that shows it."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from pypdf import PdfReader

from tests.support.fuzz import FUZZ, check_answer, form_data, post_forms
from tests.support.security import client_for, verify_link


def _form(client, url, containing=None):
    """The page's main POST form (the largest), or the one with the field `containing`."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    forms = post_forms(page.get_data(as_text=True))
    if containing:
        forms = [f for f in forms if containing in f]
    assert forms, f"no form on {url}"
    return max(forms, key=len)


def _fuzz(client, url, fields, after=None):
    @FUZZ
    @given(data=form_data(fields))
    def attempt(data):
        response = client.post(url, data=data)
        check_answer(response, data.values(), allowed=(200, 302, 303, 400))
        if response.status_code in (302, 303) and after is not None:
            after(response, data)

    attempt()


def _show(client, values):
    def after(response, _data):
        location = response.headers["Location"]
        if "/logga-in" not in location:
            check_answer(client.get(location), values(_data), allowed=(200, 302))
    return after


def test_deviation_report_form(world_app):
    app, world = world_app()
    client = client_for(app, world, "own")
    fields = _form(client, "/avvikelser/ny")
    assert "description__reason" in fields and "event__event_date-day" in fields
    _fuzz(client, "/avvikelser/ny", fields, after=_show(client, lambda d: d.values()))


def test_consent_request_form(world_app):
    app, world = world_app()
    client = client_for(app, world, "own")
    url = f"/arenden/{world.case_ref}/samtycke/nytt"
    fields = _form(client, url)
    assert "units__units" in fields and "contact__email" in fields
    _fuzz(client, url, fields, after=_show(client, lambda d: d.values()))


def test_plan_editor_and_meeting_forms(world_app):
    app, world = world_app()
    client = client_for(app, world, "own")
    editor = f"/arenden/{world.case_ref}/planer/{world.values['plan_id']}/v/1/redigera"
    fields = _form(client, editor)
    assert any(name.startswith("interventions-") for name in fields)
    _fuzz(client, editor, fields, after=_show(client, lambda d: d.values()))
    meeting = f"/arenden/{world.case_ref}/moten/nytt"
    _fuzz(client, meeting, _form(client, meeting), after=_show(client, lambda d: d.values()))


def test_staff_withdrawal_form(world_app):
    app, world = world_app()
    client = client_for(app, world, "own")
    url = (f"/arenden/{world.case_ref}/samtycke/{world.values['consent_id']}/undertecknare/"
           f"{world.values['signer_id']}/aterkalla")
    _fuzz(client, url, _form(client, url), after=_show(client, lambda d: d.values()))


def test_signer_forms_on_the_personal_link(world_app):
    """A new request to both guardians; Vera's link is fuzzed through code, sign and decline."""
    from tests.support.consent import ask_for_consent
    from tests.support.security import consent_links, deliver

    app, world = world_app()
    staff = client_for(app, world, "own")
    consent_id = ask_for_consent(staff, world.case_ref, units=("solbackens-skola", "bup-pite-alvdal"),
                                 child_include="nej")
    deliver(app)
    token = consent_links(app, "vera@familj.example")[consent_id]
    browser = app.test_client()
    base = f"/samtycke/s/{token}"
    verify_link(app, browser, token, "vera@familj.example")
    sign_fields = _form(browser, base)
    assert {"understood", "name", "text_sha256"} <= set(sign_fields)
    decline_fields = _form(browser, f"{base}/sag-nej")
    assert "reason" in decline_fields
    # The code form on a second person's link (wrong codes lock it on the way: still never a 500).
    # First: a "no" from Vera below ends the request, and Ville's link then shows no form.
    ville = consent_links(app, "ville@familj.example")[consent_id]
    other = app.test_client()
    other.post(f"/samtycke/s/{ville}/identifiera/email_otp", data={"action": "send"})
    code_fields = _form(other, f"/samtycke/s/{ville}/identifiera/email_otp", containing="code")
    _fuzz(other, f"/samtycke/s/{ville}/identifiera/email_otp", code_fields)
    # Either may succeed on the way (a valid answer; a fuzzed name never matches the name on the
    # case, so the sign form refuses it); the rest then meet the answered link.
    _fuzz(browser, f"{base}/skriv-under", sign_fields)
    _fuzz(browser, f"{base}/sag-nej", decline_fields)
    # Whatever was typed on the staff member's page of the consent is escaped.
    check_answer(staff.get(f"/arenden/{world.case_ref}/samtycke/{consent_id}"), [], allowed=(200,))


PAYLOAD = "<script>alert('x')</script> & <b>\"fet\"</b>"


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    return re.sub(r"\s+", " ", text)


def test_a_deviation_report_pdf_shows_markup_as_text(world_app):
    from tests.support.deviations import report_form

    app, world = world_app()
    client = client_for(app, world, "own")
    response = client.post("/avvikelser/ny", data=report_form(**{"description__reason": PAYLOAD, "action": "draft"}))
    ref = re.search(r"/avvikelser/([A-Z0-9]+)/", response.headers["Location"]).group(1)
    page = client.get(f"/avvikelser/{ref}/granska").get_data(as_text=True)
    assert PAYLOAD not in page and "&lt;script&gt;" in page
    assert PAYLOAD in _pdf_text(client.get(f"/avvikelser/{ref}/pdf"))


def test_a_plan_pdf_shows_markup_as_text(world_app):
    app, world = world_app()
    client = client_for(app, world, "own")
    editor = f"/arenden/{world.case_ref}/planer/{world.values['plan_id']}/v/1/redigera"
    fields = _form(client, editor)
    text_fields = [n for n, f in fields.items() if f.kind == "textarea"]
    assert text_fields
    data = {n: (f.values[0] if f.values and f.kind != "button" else "") for n, f in fields.items()
            if f.kind not in ("button", "checkbox")}
    data[text_fields[0]] = PAYLOAD
    assert fields["save_draft"].kind == "button"
    data["save_draft"] = fields["save_draft"].values[0]
    response = client.post(editor, data=data)
    assert response.status_code in (200, 302), response.status_code
    assert PAYLOAD in _pdf_text(client.get(f"/arenden/{world.case_ref}/planer/{world.values['plan_id']}/v/1.pdf"))
