"""Consent pages: the public start page, the signer's journey (/samtycke/s/<token>) and the staff
pages under the case (/arenden/<ref>/samtycke/...)."""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..directory import current_directory
from ..audit import log_event, log_event_and_commit
from ..cases.access import load_case
from ..extensions import db, limiter
from ..formdefs import get_definition, keys, summary_sections
from ..pdf import pdf_response, render_pdf
from ..timeutil import local, today_local, utcnow
from ..web.guards import staff_required
from ..web.loaders import loader
from ..web.tx import saving
from . import rules, service
from .forms import (ConfirmForm, DeclineForm, InPersonIdentityForm, SignForm, StaffWithdrawForm, WithdrawForm,
                    request_form, signer_fields, signer_plan, validate_request)
from .identity import InPersonProvider, Verified, assurance_label, get_provider, provider_label, providers_for
from .models import (CHILD, EVENT_LABELS, GUARDIAN, LINK_WITHDRAW, ROLE_LABELS, Consent, ConsentSigner,
                     ConsentStatus, SignerStatus)
from . import kiosk
from .api import accept_verification, signer_link as _link_or_page, verified_for as _verified_for
from .api import verified_signer as _verified_link
from .readability import lix
from .text import plain_text, render_html

bp = Blueprint("consent", __name__, template_folder="templates")

PURPOSE_TEXT, CATEGORIES_TEXT = keys("consent_request", "purpose__purpose_text", "information__categories_text")
SIGNER_LIMIT = "60 per minute"
CODE_LIMIT = "10 per minute;40 per hour"


# --------------------------------------------------------------------------- public

@bp.route("/samtycke/")
def start():
    return render_template("consent/start.html")


def _signer_context(signer: ConsentSigner) -> dict:
    consent = signer.consent
    d = current_directory()
    return {"signer": signer, "consent": consent, "young": signer.audience == "child",
            "unit_name": d.units[consent.contact_unit_key].name if consent.contact_unit_key in d.units else "",
            "consent_html": render_html(signer.text)}


@bp.route("/samtycke/s/<token>")
@limiter.limit(SIGNER_LIMIT)
def signer_home(token: str):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    with saving():
        service.mark_opened(link)
    signer = link.signer
    verified = _verified_for(link)
    if verified is None:
        return render_template("consent/signer/verify.html", token=token, providers=providers_for(link, current_app.config),
                               send_form=ConfirmForm(), young=signer.audience == "child", link=link)
    return _answer_page(signer, token=token, link=link)


def _answer_page(signer: ConsentSigner, *, token: str | None = None, link=None, in_person: bool = False,
                 form: SignForm | None = None, status: int = 200):
    ctx = _signer_context(signer)
    ctx.update(token=token, in_person=in_person, link=link)
    if in_person:
        ctx["sign_action"] = url_for("consent.in_person_sign", ref=signer.consent.case.ref, consent_id=signer.consent_id,
                                     signer_id=signer.id)
        ctx["decline_href"] = url_for("consent.in_person_decline", ref=signer.consent.case.ref,
                                      consent_id=signer.consent_id, signer_id=signer.id)
    else:
        ctx["sign_action"] = url_for("consent.sign", token=token)
        ctx["decline_href"] = url_for("consent.decline", token=token)
        ctx["receipt_href"] = url_for("consent.signer_receipt", token=token)
        ctx["withdraw_href"] = url_for("consent.withdraw", token=token)
    if service.can_answer(signer):
        if form is None:
            form = SignForm(text_sha256=signer.text_sha256)
        ctx["form"] = form
        return render_template("consent/signer/read.html", **ctx), status
    ctx["can_withdraw"] = service.can_withdraw(signer) and not in_person
    return render_template("consent/signer/answered.html", **ctx), status


@bp.route("/samtycke/s/<token>/identifiera/<provider>", methods=["GET", "POST"])
@limiter.limit(CODE_LIMIT, methods=["POST"])
@limiter.limit(SIGNER_LIMIT)
def identify(token: str, provider: str):
    link, page = _link_or_page(token)
    if page is not None:
        return page
    chosen = get_provider(provider)
    if chosen is None or chosen not in providers_for(link, current_app.config):
        abort(404)
    result = chosen.handle(link, token)
    if isinstance(result, Verified):
        accept_verification(link, result)
        return redirect(url_for("consent.signer_home", token=token))
    return result


@bp.route("/samtycke/s/<token>/skriv-under", methods=["POST"])
@limiter.limit(SIGNER_LIMIT)
def sign(token: str):
    link, verified, response = _verified_link(token)
    if response is not None:
        return response
    signer = link.signer
    if link.kind == LINK_WITHDRAW or not service.can_answer(signer):
        return redirect(url_for("consent.signer_home", token=token))
    form = SignForm()
    if form.validate_on_submit():
        with saving(form, flash_other=True) as saved:
            service.sign(signer, verified, form.name.data, form.text_sha256.data or "")
        if saved:
            flash("Tack! Du har skrivit under.", "success")
        if not saved.on_form:  # signed, or a step that cannot be taken now (flashed)
            return redirect(url_for("consent.signer_home", token=token))
    return _answer_page(signer, token=token, link=link, form=form, status=400)


@bp.route("/samtycke/s/<token>/sag-nej", methods=["GET", "POST"])
@limiter.limit(SIGNER_LIMIT)
def decline(token: str):
    link, verified, response = _verified_link(token)
    if response is not None:
        return response
    signer = link.signer
    if link.kind == LINK_WITHDRAW or not service.can_answer(signer):
        return redirect(url_for("consent.signer_home", token=token))
    form = DeclineForm()
    if form.validate_on_submit():
        with saving():
            service.decline(signer, verified, form.reason.data or "")
        return redirect(url_for("consent.signer_home", token=token))
    return render_template("consent/signer/decline.html", form=form, back=url_for("consent.signer_home", token=token),
                           young=signer.audience == "child", in_person=False), (400 if form.errors else 200)


@bp.route("/samtycke/s/<token>/aterkalla", methods=["GET", "POST"])
@limiter.limit(SIGNER_LIMIT)
def withdraw(token: str):
    link, verified, response = _verified_link(token)
    if response is not None:
        return response
    signer = link.signer
    if not service.can_withdraw(signer):
        return redirect(url_for("consent.signer_home", token=token))
    form = WithdrawForm()
    if form.validate_on_submit():
        with saving() as saved:
            service.withdraw(signer, method="signer_link", actor=service.signer_actor(signer),
                             reason=form.reason.data or "", verified=verified)
        if not saved:
            return redirect(url_for("consent.signer_home", token=token))
        return render_template("consent/signer/link_state.html", state="withdrawn_now", consent=signer.consent,
                               signer=signer, link=link)
    return render_template("consent/signer/withdraw.html", form=form, back=url_for("consent.signer_home", token=token),
                           young=signer.audience == "child", consent=signer.consent), (400 if form.errors else 200)


@bp.route("/samtycke/s/<token>/kvitto.pdf")
@limiter.limit(SIGNER_LIMIT)
def signer_receipt(token: str):
    link, _verified, response = _verified_link(token)
    if response is not None:
        return response
    signer = link.signer
    if signer.status not in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN):
        return redirect(url_for("consent.signer_home", token=token))
    log_event_and_commit("consent.receipt", case_id=signer.consent.case_id, object_type="consent_signer",
                      object_id=signer.id, actor=service.signer_actor(signer))
    data = _receipt_pdf(signer.consent, for_signer=signer)
    return pdf_response(data, "samtycke-kvitto.pdf")


# --------------------------------------------------------------------------- staff

load_consent = loader("consent_id", "consent", lambda consent_id, case: db.session.scalar(
    select(Consent).where(Consent.id == consent_id, Consent.case_id == case.id)), needs=("case",))
load_signer = loader("signer_id", "signer", lambda signer_id, consent: next(
    (s for s in consent.signers if s.id == signer_id), None), needs=("consent",))


def _labels():
    d = current_directory()
    return {"unit": d.unit_label, "own_unit": d.unit_label}


def _form_page(case, form, consent=None, status=200):
    return render_template("consent/request_form.html", case=case, form=form, consent=consent,
                           signer_rows=signer_fields(form), options=form.signer_options, rules=rules,
                           max_months=current_app.config["PORTAL_CONSENT_MAX_MONTHS"]), status


@bp.route("/arenden/<ref>/samtycke/nytt", methods=["GET", "POST"])
@staff_required
@load_case
def new(case):
    form = request_form(case, current_user)
    if request.method == "POST":
        if validate_request(form):
            with saving(form):
                consent = service.save_draft(case, None, form.to_record(), signer_plan(form), current_user)
                log_event("consent.create", case=case, object_type="consent", object_id=consent.id, detail="utkast")
            return redirect(url_for("consent.check", ref=case.ref, consent_id=consent.id))
        return _form_page(case, form, status=400)
    return _form_page(case, form)


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/andra", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
def edit(case, consent):
    if consent.status != ConsentStatus.DRAFT:
        flash("Samtycket är redan skickat och kan inte ändras. Begär ett nytt samtycke om något ska ändras.", "error")
        return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
    form = request_form(case, current_user, record=consent.record, plan=consent.signer_plan)
    if request.method == "POST":
        if validate_request(form):
            with saving(form):
                service.save_draft(case, consent, form.to_record(), signer_plan(form), current_user)
                log_event("consent.update", case=case, object_type="consent", object_id=consent.id, detail="utkast")
            return redirect(url_for("consent.check", ref=case.ref, consent_id=consent.id))
        return _form_page(case, form, consent, status=400)
    log_event_and_commit("consent.view", case=case, object_type="consent", object_id=consent.id, detail="utkast")
    return _form_page(case, form, consent)


def _plan_rows(case, consent):
    guardians = {g.id: g for g in case.guardians}
    rows = []
    for p in consent.signer_plan or []:
        if p["role"] == CHILD:
            who = f"{case.child_name} (barnet eller den unge)"
        else:
            g = guardians.get(p.get("guardian_id"))
            who = f"{g.name if g else 'Okänd'} (vårdnadshavare)"
        how = f"Länk i e-post till {service.signer_address(case, p)}" if p.get("channel") == "email" else "Här på plats"
        rows.append((who, how))
    return rows


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/kontrollera", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
def check(case, consent):
    if consent.status != ConsentStatus.DRAFT:
        return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
    form = ConfirmForm()
    problems = []
    if request.method == "POST" and form.validate_on_submit():
        with saving(form) as saved:
            problems = service.send(consent, current_user)
            if problems:
                saved.cancel()
        if saved:
            flash("Samtycket är skickat. Du ser här när var och en har svarat.", "success")
            return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
        problems = problems or form.form_errors
    if request.method == "GET":
        log_event_and_commit("consent.view", case=case, object_type="consent", object_id=consent.id, detail="utkast")
    definition = get_definition("consent_request")
    plan = consent.signer_plan or []
    previews = []
    roles = {p["role"] for p in plan}
    if GUARDIAN in roles or (CHILD in roles and service.child_audience(case) == "adult"):
        role = GUARDIAN if GUARDIAN in roles else CHILD
        text = service.text_for(consent, case, role, "adult", signer_plan=plan)
        previews.append(("Texten för vårdnadshavare" if role == GUARDIAN else "Texten för den unge", text,
                         round(lix(plain_text(text))), current_app.config["PORTAL_CONSENT_LIX_ADULT"]))
    if CHILD in roles and service.child_audience(case) == "child":
        text = service.text_for(consent, case, CHILD, "child", signer_plan=plan)
        previews.append(("Texten för barnet eller den unge (enklare)", text, round(lix(plain_text(text))),
                         current_app.config["PORTAL_CONSENT_LIX_CHILD"]))
    own_words = " ".join(t for t in (PURPOSE_TEXT.of(consent.record, ""), CATEGORIES_TEXT.of(consent.record, "")) if t)
    own_lix = round(lix(own_words)) if own_words.strip() else None
    valid_from = today_local()
    return render_template(
        "consent/check.html", case=case, consent=consent, form=form, problems=problems, own_lix=own_lix,
        own_limit=current_app.config["PORTAL_CONSENT_LIX_ADULT"],
        sections=summary_sections(definition, consent.record, labels=_labels()), plan_rows=_plan_rows(case, consent),
        previews=[(title, render_html(text, heading_level=4), value, limit) for title, text, value, limit in previews],
        valid_from=valid_from, valid_until=rules.end_date(valid_from, consent.months),
    ), (400 if problems else 200)



@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/ta-bort", methods=["POST"])
@staff_required
@load_case
@load_consent
def delete_draft(case, consent):
    if ConfirmForm().validate_on_submit() and consent.status == ConsentStatus.DRAFT:
        with saving() as saved:
            service.delete_draft(consent)
        if saved:
            flash("Utkastet är borttaget.", "success")
    return redirect(url_for("cases.view", ref=case.ref) + "#samtycken")


def _signer_rows(consent: Consent):
    rows = []
    now = utcnow()
    for s in consent.signers:
        shown = service.signer_display_status(s, now)
        link = service.active_link(s, "sign")
        rows.append({"signer": s, "status": shown, "label": SignerStatus.label_of(shown),
                     "link": link,
                     "delivery": service.link_delivery(link)
                     if s.channel == "email" and s.status == SignerStatus.SENT else None,
                     "fix_url": url_for("cases.guardian_edit", ref=consent.case.ref, guardian_id=s.guardian_id)
                     if s.guardian_id else None,
                     "can_resend": consent.is_open and bool(s.email)
                     and s.status not in (SignerStatus.SIGNED, SignerStatus.DECLINED, SignerStatus.WITHDRAWN),
                     "can_remind": consent.is_open and s.channel == "email"
                     and shown in (SignerStatus.SENT, SignerStatus.OPENED, SignerStatus.VERIFIED),
                     "can_in_person": service.can_answer(s),
                     "can_withdraw": service.can_withdraw(s)})
    return rows


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>")
@staff_required
@load_case
@load_consent
def detail(case, consent):
    if consent.status == ConsentStatus.DRAFT:
        return redirect(url_for("consent.check", ref=case.ref, consent_id=consent.id))
    with saving():
        log_event("consent.view", case=case, object_type="consent", object_id=consent.id)
    definition = get_definition("consent_request")
    texts = []
    seen = set()
    for s in consent.signers:
        if s.text_sha256 not in seen:
            seen.add(s.text_sha256)
            texts.append((s, render_html(s.text, heading_level=4)))
    return render_template(
        "consent/detail.html", case=case, consent=consent, rows=_signer_rows(consent), confirm=ConfirmForm(),
        sections=summary_sections(definition, consent.record, labels=_labels()), texts=texts,
        notice=rules.expiry_notice(consent.valid_until, today_local(), current_app.config["PORTAL_CONSENT_WARN_DAYS"])
        if consent.status == ConsentStatus.VALID else None,
        events=consent.events, provider_label=provider_label, assurance_label=assurance_label,
        role_labels=ROLE_LABELS, local=local, event_labels=EVENT_LABELS,
    )


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/kvitto.pdf")
@staff_required
@load_case
@load_consent
def receipt(case, consent):
    if consent.status == ConsentStatus.DRAFT:
        abort(404)
    log_event_and_commit("consent.print", case=case, object_type="consent", object_id=consent.id, detail="kvitto")
    return pdf_response(_receipt_pdf(consent), f"samtycke-{consent.id}.pdf")


def receipt_context(consent: Consent, for_signer: ConsentSigner | None = None) -> dict:
    """Keyword arguments for render_pdf("consent/receipt_pdf.html", **...), title included.
    for_signer: the signer's own copy (the other signers by role only, no staff names)."""
    d = current_directory()
    texts, seen = [], set()
    for s in consent.signers:
        if for_signer is not None and s.id != for_signer.id:
            continue
        if s.text_sha256 not in seen:
            seen.add(s.text_sha256)
            texts.append((s, render_html(s.text, heading_level=3)))
    return dict(title="Kvitto på samtycke", consent=consent, case=consent.case, texts=texts, for_signer=for_signer,
                signers=consent.signers, events=consent.events, unit_label=d.unit_label, provider_label=provider_label,
                assurance_label=assurance_label, role_labels=ROLE_LABELS, status_labels=SignerStatus.labels(),
                local=local, report=service.verify_consent(consent), event_labels=EVENT_LABELS,
                printed_at=local(utcnow()))


def _receipt_pdf(consent: Consent, for_signer: ConsentSigner | None = None) -> bytes:
    return render_pdf("consent/receipt_pdf.html", **receipt_context(consent, for_signer))


def _send_to_signer(case, consent, signer, send, done: str):
    """A new link or a reminder to one signer: `send(signer, user)` from the service, then back to
    the consent with `done` or the service's own explanation."""
    if ConfirmForm().validate_on_submit():
        with saving() as saved:
            send(signer, current_user)
        if saved:
            flash(done, "success")
    return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/ny-lank", methods=["POST"])
@staff_required
@load_case
@load_consent
@load_signer
def resend(case, consent, signer):
    return _send_to_signer(case, consent, signer, service.resend,
                           "En ny länk är skickad. Den gamla länken fungerar inte längre.")


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/paminn", methods=["POST"])
@staff_required
@load_case
@load_consent
@load_signer
def remind(case, consent, signer):
    return _send_to_signer(case, consent, signer, service.remind, "En påminnelse är skickad.")


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/aterkalla", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
@load_signer
def staff_withdraw(case, consent, signer):
    if not service.can_withdraw(signer):
        flash("Samtycket kan inte återkallas för den här personen: hen har inte skrivit under eller samtycket gäller inte längre.", "error")
        return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
    form = StaffWithdrawForm()
    if form.validate_on_submit():
        with saving() as saved:
            service.withdraw(signer, method="reported_to_staff", actor=service.staff_actor(current_user),
                             reason=form.reason.data or "", channel=form.channel.data, staff_user=current_user)
        if saved:
            flash("Samtycket är återkallat. Enheterna som bara hade tillgång genom samtycket har inte längre tillgång.",
                  "success")
        return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
    return render_template("consent/staff_withdraw.html", case=case, consent=consent, signer=signer, form=form), \
        (400 if form.errors else 200)


# In person: the family is in the room and signs on the staff member's device.

IN_PERSON = InPersonProvider()


def _in_person_verified(signer: ConsentSigner) -> Verified | None:
    entries = session.get("consent_in_person")
    entry = entries.get(str(signer.id)) if isinstance(entries, dict) else None
    if not isinstance(entry, dict) or entry.get("staff") != current_user.id:
        return None
    if time.time() - entry.get("at", 0) > current_app.config["PORTAL_CONSENT_SESSION_MINUTES"] * 60:
        return None
    return IN_PERSON.verified(current_user)


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/pa-plats", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
@load_signer
def in_person(case, consent, signer):
    if not service.can_answer(signer):
        flash("Personen har redan svarat eller samtycket gäller inte längre.", "error")
        return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
    form = InPersonIdentityForm()
    if form.validate_on_submit():
        verified = IN_PERSON.verified(current_user)
        with saving() as saved:
            service.mark_verified(signer, verified)
            log_event("consent.in_person", case=case, object_type="consent_signer", object_id=signer.id,
                   detail="identitet kontrollerad på plats")
        if not saved:
            return redirect(url_for("consent.detail", ref=case.ref, consent_id=consent.id))
        entries = session.get("consent_in_person") if isinstance(session.get("consent_in_person"), dict) else {}
        entries[str(signer.id)] = {"at": int(time.time()), "staff": current_user.id}
        session["consent_in_person"] = dict(list(entries.items())[-5:])
        kiosk.lock(case, consent, signer)  # the device is the signer's until the staff member's password
        return redirect(url_for("consent.in_person_sign", ref=case.ref, consent_id=consent.id, signer_id=signer.id))
    return render_template("consent/in_person_identity.html", case=case, consent=consent, signer=signer, form=form), \
        (400 if form.errors else 200)


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/pa-plats/las", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
@load_signer
def in_person_sign(case, consent, signer):
    verified = _in_person_verified(signer)
    if verified is None:
        return redirect(url_for("consent.in_person", ref=case.ref, consent_id=consent.id, signer_id=signer.id))
    if request.method == "POST" and service.can_answer(signer):
        form = SignForm()
        if form.validate_on_submit():
            with saving(form, flash_other=True) as saved:
                service.sign(signer, verified, form.name.data, form.text_sha256.data or "")
            if saved:
                flash("Tack! Underskriften är sparad. Lämna tillbaka datorn till personalen.", "success")
            if not saved.on_form:
                return redirect(request.path)
        return _answer_page(signer, in_person=True, form=form, status=400)
    return _answer_page(signer, in_person=True)


@bp.route("/arenden/<ref>/samtycke/<int:consent_id>/undertecknare/<int:signer_id>/pa-plats/sag-nej", methods=["GET", "POST"])
@staff_required
@load_case
@load_consent
@load_signer
def in_person_decline(case, consent, signer):
    verified = _in_person_verified(signer)
    back = url_for("consent.in_person_sign", ref=case.ref, consent_id=consent.id, signer_id=signer.id)
    if verified is None or not service.can_answer(signer):
        return redirect(back)
    form = DeclineForm()
    if form.validate_on_submit():
        with saving():
            service.decline(signer, verified, form.reason.data or "")
        return redirect(back)
    return render_template("consent/signer/decline.html", form=form, back=back, young=signer.audience == "child",
                           in_person=True), (400 if form.errors else 200)


bp.before_app_request(kiosk.guard)


@bp.route("/samtycke/pa-plats/las-upp", methods=["GET", "POST"])
@login_required
def in_person_unlock():
    """The staff member takes the device back with their password (the lock screen's form)."""
    entry = kiosk.current_lock()
    if entry is None:
        return redirect(url_for("main.index"))
    form = kiosk.UnlockForm()
    if not form.validate_on_submit():
        return kiosk.lock_screen(form, status=400 if request.method == "POST" else 200)
    result = kiosk.unlock(form.password.data)
    if result == "locked_out":
        flash("Du är utloggad efter för många fel lösenord. Logga in igen senare.", "error")
        return redirect(url_for("accounts.login"))
    if result == "wrong":
        form.password.errors.append("Lösenordet stämmer inte")
        return kiosk.lock_screen(form, status=400)
    entries = session.get("consent_in_person")
    if isinstance(entries, dict):  # the identity check was for that signer only
        entries.pop(str(entry["signer"]), None)
        session["consent_in_person"] = entries
    flash("Datorn är upplåst.", "success")
    return redirect(url_for("consent.detail", ref=entry["ref"], consent_id=entry["consent"]))
