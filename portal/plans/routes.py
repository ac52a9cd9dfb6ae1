"""Pages of the plans feature: the case's process steps, plans (editor, versions, approval,
history, PDF, JSON) and meetings. Every route is staff-only and loads the case with load_case."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..audit import log_event_and_commit
from ..cases.access import load_case
from ..extensions import db
from ..formdefs import handle_repeat_buttons, limit_errors
from ..pdf import pdf_response, render_pdf
from ..timeutil import local, to_utc, today_local, utcnow
from ..web.guards import guard_blueprint, staff_required
from ..web.loaders import loader
from ..web.tx import saving
from . import meetings as meeting_service
from . import service
from .definitions import plan_definition
from .diff import diff_records
from .forms import (AbsenceForm, ConfirmForm, ContactChangeForm, FamilyApprovalForm, FollowUpForm, MeetingForm,
                    NotesForm, ParticipantForm, ProcessForm, RolesForm, StepForm, parse_clock)
from .models import Meeting, VersionStatus
from .people import person, staff_at_units
from .readable import export_json, readable

bp = Blueprint("plans", __name__, template_folder="templates", url_prefix="/arenden")


guard_blueprint(bp, staff_required)
load_plan = loader("plan_id", "plan", lambda plan_id, case: service.get_plan(case, plan_id), needs=("case",))
load_version = loader("number", "version", lambda number, plan: plan.version(number), needs=("plan",))
load_meeting = loader("meeting_id", "meeting", lambda meeting_id, case: db.session.scalar(
    select(Meeting).where(Meeting.id == meeting_id, Meeting.case_id == case.id)), needs=("case",))
load_participant = loader("participant_id", "participant", lambda participant_id, meeting: next(
    (p for p in meeting.participants if p.id == participant_id), None), needs=("meeting",))


# --- process -------------------------------------------------------------------------------------------

def _process_form(case):
    form = ProcessForm()
    form.process_key.choices = [(k, p.name) for k, p in service.processes().items()]
    chosen = service.case_process(case)
    if request.method == "GET":
        form.process_key.data = chosen.process_key if chosen else service.default_process_key(case)
        form.acute.data = chosen.acute if chosen else False
    return form


@bp.route("/<ref>/arbetssatt", methods=["GET", "POST"])
@load_case
def choose_process(case):
    form = _process_form(case)
    if form.validate_on_submit():
        with saving():
            service.set_process(case, form.process_key.data, bool(form.acute.data), current_user)
        flash("Arbetssättet är sparat. Stegen och tidsgränserna visas på ärendesidan.", "success")
        return redirect(url_for("cases.view", ref=case.ref) + "#process")
    return render_template("plans/process_form.html", case=case, form=form,
                           processes=service.processes()), (400 if form.errors else 200)


@bp.route("/<ref>/steg/<key>", methods=["GET", "POST"])
@load_case
def record_step(case, key):
    process = service.process_of(case) or abort(404)
    step = process.step(key) if process.has_step(key) else abort(404)
    existing = service.step_records(case).get(key)
    form = StepForm(obj=existing)
    if request.method == "GET":
        form.done_on.process(None, existing.done_on if existing else today_local())
    if form.validate_on_submit():
        with saving():
            service.record_step(case, key, form.done_on.data, user=current_user, note=form.note.data or "")
        flash(f"Steget ”{step.label}” är registrerat.", "success")
        return redirect(url_for("cases.view", ref=case.ref) + "#process")
    return render_template("plans/step_form.html", case=case, step=step, form=form, existing=existing,
                           confirm=ConfirmForm()), (400 if form.errors else 200)


@bp.route("/<ref>/steg/<key>/ta-bort", methods=["POST"])
@load_case
def undo_step(case, key):
    if ConfirmForm().validate_on_submit():
        with saving():
            removed = service.remove_step(case, key)
        if removed:
            flash("Registreringen är borttagen.", "success")
    return redirect(url_for("cases.view", ref=case.ref) + "#process")


# --- plans ---------------------------------------------------------------------------------------------

@bp.route("/<ref>/planer/ny", methods=["POST"])
@load_case
def plan_new(case):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = request.form.get("kind") or None
    if kind not in (None, "sip", "barnets_plan"):
        abort(400)
    with saving():
        plan = service.create_plan(case, current_user, kind)
    return redirect(url_for("plans.edit", ref=case.ref, plan_id=plan.id, number=1))


@bp.route("/<ref>/planer/<int:plan_id>")
@load_case
@load_plan
def plan_latest(case, plan):
    return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=plan.latest.number))


def _editor_context(case, plan, version, form, extra_errors=()):
    record = form.to_record()
    process = service.process_of(case)
    applies = process.applies if process else (lambda rule: False)
    return {
        "case": case, "plan": plan, "version": version, "form": form, "extra_errors": list(extra_errors),
        # Each routine's own plan rules only (content/processes/*.yaml, plan_rules).
        "lead": service.lead_suggestion(record) if applies("lead_service") else None,
        "priority_warning": (service.rules.priority_warning(service.priority_count(plan, record))
                             if applies("priorities") else None),
        "coordinator_advice": service.coordinator_advice(case, record) if applies("social_services_coordinates") else None,
        "covered": service.covered(case), "directory": service.directory(),
        "consent_available": service.consent_gate.available(),
        "definition": form.definition,
        "first_area": next((s.key for s in form.definition.sections if s.key.startswith("area_")), None),
    }


def _entry_errors_to_summary(form):
    """Errors inside entries of repeating sections (interventions, views) are shown inline and
    listed in the error summary here; the list keeps only its own messages ("Lägg till minst …")."""
    extra = []
    for section in form.definition.sections:
        if section.repeat:
            flist = form[section.key]
            for entry in flist.entries:
                for sub in entry:
                    extra += [(sub.id, e) for e in sub.errors if isinstance(e, str)]
            flist.errors = [e for e in (flist.errors or []) if isinstance(e, str)]
    return extra


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>/redigera", methods=["GET", "POST"])
@load_case
@load_plan
@load_version
def edit(case, plan, version):
    if not version.editable:
        flash("Den här versionen är godkänd och kan inte ändras. Starta en uppföljning för att skriva en ny version.", "info")
        return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=version.number))
    status = 200
    extra_errors = []
    if request.method == "POST":
        form = service.build_plan_form(case, plan, version, formdata=request.form)
        if not ConfirmForm().validate_on_submit():  # CSRF for the plain buttons too
            abort(400)
        if limit_errors(form):
            # Text over a limit is refused with a message, even in a draft; the saved draft stays as it was.
            extra_errors = _entry_errors_to_summary(form)
            status = 400
        elif handle_repeat_buttons(form):
            # Autosave on every add/remove click: nothing typed is lost.
            with saving():
                changed = service.save_content(case, version, service.apply_defaults(form.to_record()), current_user,
                                               detail="autosparat utkast")
            flash("Utkastet är sparat." if changed else "Inget nytt att spara.", "success")
        elif "submit" in request.form:
            ok = form.validate()
            record = service.apply_defaults(form.to_record())
            errors = service.rule_errors(case, plan, record)
            if ok and not errors:
                with saving():
                    service.save_content(case, version, record, current_user, detail="sparat för godkännande")
                    service.propose(case, version, current_user)
                flash("Planen är sparad och skickad för godkännande till familjen och de verksamheter som deltar.", "success")
                return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=version.number))
            # Keep what was typed: save it as the draft, then show the errors.
            with saving():
                service.save_content(case, version, record, current_user, detail="utkast med fel")
            service.attach_errors(form, errors)
            extra_errors = _entry_errors_to_summary(form)
            status = 400
        else:
            with saving():
                changed = service.save_content(case, version, service.apply_defaults(form.to_record()), current_user,
                                               detail="sparat utkast")
            flash("Utkastet är sparat. Du kan fortsätta senare." if changed else "Utkastet är redan sparat.", "success")
            return redirect(url_for("plans.edit", ref=case.ref, plan_id=plan.id, number=version.number))
    else:
        form = service.build_plan_form(case, plan, version)
        log_event_and_commit("plan.view", case=case, object_type="plan_version", object_id=version.id, detail="redigering")
    service.narrow_choices(form, case)
    return render_template("plans/edit.html", **_editor_context(case, plan, version, form, extra_errors)), status


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>")
@load_case
@load_plan
@load_version
def view(case, plan, version):
    log_event_and_commit("plan.view", case=case, object_type="plan_version", object_id=version.id)
    my_units = [a.unit_key for a in version.approvals
                if a.party == "unit" and not a.done and a.unit_key in current_user.unit_keys]
    family_waiting = [a for a in version.approvals if a.party != "unit" and not a.done]
    family_form = None
    if version.status == VersionStatus.PROPOSED and family_waiting:
        family_form = FamilyApprovalForm()
        family_form.approval.choices = [("", "Välj")] + [(str(a.id), _family_label(a)) for a in family_waiting]
        family_form.signed_on.process(None, today_local())
    return render_template(
        "plans/view.html", case=case, plan=plan, version=version, r=readable(plan, version),
        my_units=my_units, directory=service.directory(), confirm=ConfirmForm(), family_form=family_form,
        withdrawals=service.withdrawal_notices(case, plan), uncovered=service.uncovered_plan_units(case, plan),
        coverage=service.plan_coverage(case, version), deliveries=service.version_deliveries(version),
        followup=service.followup_of(version), family_label=_family_label)


def _family_label(approval):
    return ("Vårdnadshavare: " if approval.party == "guardian" else "Barnet eller den unge: ") + approval.name


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>/godkann", methods=["POST"])
@load_case
@load_plan
@load_version
def approve(case, plan, version):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    unit_key = request.form.get("unit_key", "")
    with saving() as saved:
        service.approve_for_unit(case, version, unit_key, current_user)
    if not saved:
        return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=version.number))
    flash("Planen är godkänd för " + service.directory().unit_label(unit_key) + "."
          + (" Alla har godkänt – versionen är nu låst." if version.status == VersionStatus.APPROVED else ""), "success")
    return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=version.number))


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>/underskrift", methods=["POST"])
@load_case
@load_plan
@load_version
def family_paper_approval(case, plan, version):
    waiting = [a for a in version.approvals if a.party != "unit" and not a.done]
    form = FamilyApprovalForm()
    form.approval.choices = [("", "Välj")] + [(str(a.id), _family_label(a)) for a in waiting]
    if form.validate_on_submit():
        approval = next((a for a in waiting if str(a.id) == form.approval.data), None)
        if approval is None:
            form.approval.errors.append("Välj en av dem som ska godkänna planen")
        elif form.signed_on.data > today_local():
            form.signed_on.errors.append("Datum för underskriften kan inte vara i framtiden")
        else:
            with saving():
                service.approve_for_family_in_person(case, version, approval, form.signed_on.data, current_user)
            flash("Underskriften är registrerad.", "success")
            return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=version.number))
    return render_template("plans/family_approval.html", case=case, plan=plan, version=version, form=form), 400


def plan_pdf_args(case, plan, version) -> tuple[str, dict]:
    """The template and context of a plan version's PDF (the route; bench/load_pdf.py renders the same)."""
    r = readable(plan, version)
    return "plans/plan_pdf.html", dict(title=f"{r.title} – version {version.number}", case=case, r=r,
                                       printed_at=local(utcnow()))


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>.pdf")
@load_case
@load_plan
@load_version
def pdf(case, plan, version):
    template, context = plan_pdf_args(case, plan, version)
    data = render_pdf(template, **context)
    log_event_and_commit("plan.print", case=case, object_type="plan_version", object_id=version.id, detail="pdf")
    return pdf_response(data, f"plan-{case.ref}-v{version.number}.pdf")


@bp.route("/<ref>/planer/<int:plan_id>/v/<int:number>.json")
@load_case
@load_plan
@load_version
def export(case, plan, version):
    data = export_json(case, plan, version)
    log_event_and_commit("plan.export", case=case, object_type="plan_version", object_id=version.id, detail="json")
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="plan-{case.ref}-v{version.number}.json"'
    return response


@bp.route("/<ref>/planer/<int:plan_id>/historik")
@load_case
@load_plan
def history(case, plan):
    definition = plan_definition(plan.kind)
    show = service.display(definition)
    steps = []
    for previous, current in zip(plan.versions, plan.versions[1:]):
        steps.append((previous, current, diff_records(definition, previous.content or {}, current.content or {}, show),
                      service.followup_of(current)))
    log_event_and_commit("plan.view", case=case, object_type="plan", object_id=plan.id, detail="historik")
    return render_template("plans/history.html", case=case, plan=plan, steps=list(reversed(steps)))


@bp.route("/<ref>/planer/<int:plan_id>/uppfoljning", methods=["GET", "POST"])
@load_case
@load_plan
def followup(case, plan):
    last = plan.latest
    if last is None or last.status != VersionStatus.APPROVED:
        flash("En uppföljning startar från en godkänd version. Den senaste versionen är inte godkänd än.", "info")
        return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=last.number if last else 1))
    form = FollowUpForm()
    if request.method == "GET":
        form.held_on.process(None, today_local())
    if form.validate_on_submit():
        if form.held_on.data > today_local():
            form.held_on.errors.append("Datum för uppföljningen kan inte vara i framtiden")
        else:
            with saving():
                new = service.start_followup(case, plan, form.held_on.data, form.deviations.data, current_user)
            flash(f"Uppföljningen är registrerad. Version {new.number} är ett utkast med innehållet från version "
                  f"{last.number} – uppdatera läget och skicka den för godkännande.", "success")
            return redirect(url_for("plans.edit", ref=case.ref, plan_id=plan.id, number=new.number))
    deviation_url = url_for("deviations.new") if "deviations.new" in current_app.view_functions else None
    return render_template("plans/followup.html", case=case, plan=plan, last=last, form=form,
                           deviation_url=deviation_url), (400 if form.errors else 200)


@bp.route("/<ref>/planer/<int:plan_id>/kontaktperson", methods=["GET", "POST"])
@load_case
@load_plan
def contact_change(case, plan):
    latest = plan.latest
    current, _ = service.with_current_contacts(plan, latest.content or {})
    people = [p for v in service.contacts_in(current) if (p := person(v)) is not None]
    form = ContactChangeForm()
    form.old.choices = [("", "Välj")] + [(p.value, p.label) for p in people]
    form.new.choices = [("", "Välj")] + [(p.value, p.label) for p in staff_at_units(service.covered(case).keys())]
    if form.validate_on_submit():
        d = service.directory()
        old_unit, new_unit = form.old.data.split(":")[0], form.new.data.split(":")[0]
        if old_unit in d.units and new_unit in d.units and d.service_of(old_unit).key != d.service_of(new_unit).key:
            form.new.errors.append(f"Den nya kontaktpersonen ska arbeta i samma verksamhet ({d.service_of(old_unit).name})")
        else:
            with saving():
                service.change_contact(case, plan, form.old.data, form.new.data, current_user)
            flash("Kontaktpersonen är bytt. Den nya kontaktpersonen visas direkt i planen.", "success")
            return redirect(url_for("plans.view", ref=case.ref, plan_id=plan.id, number=latest.number))
    return render_template("plans/contact_change.html", case=case, plan=plan, form=form), (400 if form.errors else 200)


@bp.route("/<ref>/planer/<int:plan_id>/ta-bort", methods=["POST"])
@load_case
@load_plan
def plan_delete(case, plan):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with saving() as saved:
        service.delete_draft_plan(case, plan)
    if not saved:
        return redirect(url_for("plans.plan_latest", ref=case.ref, plan_id=plan.id))
    flash("Utkastet till plan är borttaget.", "success")
    return redirect(url_for("cases.view", ref=case.ref) + "#planer")


# --- meetings ------------------------------------------------------------------------------------------

def _meeting_form(meeting=None):
    form = MeetingForm(obj=meeting, booked_start=local(meeting.starts_at).replace(tzinfo=None) if meeting else None)
    form.child_participation.choices = meeting_service.CHILD_PARTICIPATION
    if request.method == "GET" and meeting is not None:
        start, end = local(meeting.starts_at), local(meeting.ends_at)
        form.day.process(None, start.date())
        form.start.data, form.end.data = f"{start:%H:%M}", f"{end:%H:%M}"
    return form


def _meeting_values(form) -> dict:
    return {
        "starts_at": to_utc(form.day.data, parse_clock(form.start.data)),
        "ends_at": to_utc(form.day.data, parse_clock(form.end.data)),
        "place": form.place.data or "", "digital_link": form.digital_link.data or "", "purpose": form.purpose.data or "",
        "agenda": form.agenda.data or "", "child_participation": form.child_participation.data,
        "child_voice_by": form.child_voice_by.data or "", "lead_time_agreed": bool(form.lead_time_agreed.data),
    }


@bp.route("/<ref>/moten/nytt", methods=["GET", "POST"])
@load_case
def meeting_new(case):
    form = _meeting_form()
    if form.validate_on_submit():
        with saving(form):
            meeting = meeting_service.create_meeting(case, _meeting_values(form), current_user)
        flash("Mötet är sparat. Lägg till deltagare och skicka sedan kallelsen.", "success")
        _flash_warnings(meeting_service.meeting_warnings(case, meeting))
        return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#deltagare")
    return render_template("plans/meeting_form.html", case=case, form=form, meeting=None,
                           word=meeting_service.meeting_word(case),
                           process=service.process_of(case)), (400 if form.errors else 200)


def _flash_warnings(warnings) -> None:
    for warning in warnings:
        flash(warning, "warning")


@bp.route("/<ref>/moten/<int:meeting_id>/andra", methods=["GET", "POST"])
@load_case
@load_meeting
def meeting_edit(case, meeting):
    form = _meeting_form(meeting)
    if form.validate_on_submit():
        with saving(form):
            sent = meeting_service.change_meeting(case, meeting, _meeting_values(form), current_user)
        flash("Mötet är ändrat." + (f" {sent} deltagare fick en uppdaterad kallelse." if sent else ""), "success")
        _flash_warnings(meeting_service.meeting_warnings(case, meeting))
        return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id))
    return render_template("plans/meeting_form.html", case=case, form=form, meeting=meeting,
                           word=meeting_service.meeting_word(case),
                           process=service.process_of(case)), (400 if form.errors else 200)


def _participant_choices(case, meeting):
    taken = {(p.kind, p.user_id, p.unit_key, p.guardian_id) for p in meeting.participants}
    d = service.directory()
    choices = [("", "Välj")]
    covered = service.covered(case)
    for p in staff_at_units(covered.keys()):
        if ("staff", p.user_id, p.unit_key, None) not in taken:
            choices.append((f"staff:{p.value}", f"{p.name}, {p.unit_name}"))
    for key in covered:
        if key in d.units and d.units[key].email and ("unit", None, key, None) not in taken:
            choices.append((f"unit:{key}", f"{d.units[key].name} (enhetens e-post)"))
    for g in case.guardians:
        if ("guardian", None, "", g.id) not in taken:
            choices.append((f"guardian:{g.id}", f"Vårdnadshavare: {g.name}"))
    if not any(p.kind == "child" for p in meeting.participants):
        choices.append(("child:", f"Barnet eller den unge: {case.child_name}"))
    return choices


def _meeting_page(case, meeting, participant_form=None, roles_form=None, absence_form=None, notes_form=None,
                  problems=None, status=200, guest_form=None):
    participant_form = participant_form or ParticipantForm(formdata=None)
    guest_form = guest_form or meeting_service.guest_form(formdata=MultiDict())
    participant_form.who.choices = _participant_choices(case, meeting)
    roles_form = roles_form or RolesForm(formdata=None)
    pros = meeting_service.role_choices(meeting)
    roles_form.chair.choices = [("", "Välj")] + pros
    roles_form.secretary.choices = [("", "Välj")] + pros
    if roles_form.chair.data is None and meeting.chair:
        roles_form.chair.data = str(meeting.chair.id)
    if roles_form.secretary.data is None and meeting.secretary:
        roles_form.secretary.data = str(meeting.secretary.id)
    absence_form = absence_form or AbsenceForm(formdata=None)
    absence_form.participant.choices = [("", "Välj")] + [(str(p.id), p.name) for p in meeting.participants if not p.absent]
    notes_form = notes_form or NotesForm(formdata=None, obj=meeting)
    return render_template(
        "plans/meeting_view.html", case=case, meeting=meeting, word=meeting_service.meeting_word(case),
        participant_form=participant_form, roles_form=roles_form, absence_form=absence_form, notes_form=notes_form,
        guest_form=guest_form, notes_audience=meeting_service.notes_audience(case),
        confirm=ConfirmForm(), problems=problems or [], kind_labels=meeting_service.KIND_LABELS,
        child_participation=dict(meeting_service.CHILD_PARTICIPATION), directory=service.directory(),
        start=local(meeting.starts_at), end=local(meeting.ends_at),
        date_warnings=meeting_service.meeting_warnings(case, meeting),
        withdrawals=meeting_service.withdrawal_notices(case, meeting),
        deliveries=meeting_service.participant_deliveries(meeting)), status


@bp.route("/<ref>/moten/<int:meeting_id>")
@load_case
@load_meeting
def meeting_view(case, meeting):
    log_event_and_commit("meeting.view", case=case, object_type="meeting", object_id=meeting.id)
    return _meeting_page(case, meeting)


@bp.route("/<ref>/moten/<int:meeting_id>/deltagare", methods=["POST"])
@load_case
@load_meeting
def participant_add(case, meeting):
    form = ParticipantForm()
    form.who.choices = _participant_choices(case, meeting)
    if not form.validate_on_submit():
        return _meeting_page(case, meeting, participant_form=form, status=400)
    with saving(form) as saved:
        p = meeting_service.add_participant(case, meeting, form.who.data, form.purpose.data or "", current_user)
    if not saved:
        return _meeting_page(case, meeting, participant_form=form, status=400)
    flash(f"{p.name} är tillagd som deltagare." + (" Skicka kallelsen när alla är tillagda." if meeting.invited_at is None
                                                  else " Skicka kallelsen till den nya deltagaren."), "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#deltagare")


@bp.route("/<ref>/moten/<int:meeting_id>/deltagare/utan-konto", methods=["POST"])
@load_case
@load_meeting
def guest_add(case, meeting):
    if meeting.status != "planned":
        flash("Mötet är inställt eller redan hållet. Deltagare kan bara läggas till ett planerat möte.", "error")
        return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id), code=303)
    form = meeting_service.guest_form()
    valid = form.validate_on_submit()
    errors = meeting_service.guest_errors(case, meeting, form)
    if not valid or errors:
        for name, message in errors.items():
            form[name].errors = list(form[name].errors or []) + [message]
        return _meeting_page(case, meeting, guest_form=form, status=400)
    with saving():
        guest = meeting_service.add_guest(case, meeting, form, current_user)
    flash(f"{guest.name} är tillagd som deltagare utan konto. Skicka kallelsen: hen får den med e-post, "
          "utan uppgifter om barnet.", "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#deltagare")


@bp.route("/<ref>/moten/<int:meeting_id>/deltagare/<int:participant_id>/ta-bort", methods=["POST"])
@load_case
@load_meeting
@load_participant
def participant_remove(case, meeting, participant):
    if ConfirmForm().validate_on_submit():
        with saving():
            meeting_service.remove_participant(case, meeting, participant, current_user)
        flash("Deltagaren är borttagen.", "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#deltagare")


@bp.route("/<ref>/moten/<int:meeting_id>/roller", methods=["POST"])
@load_case
@load_meeting
def meeting_roles(case, meeting):
    form = RolesForm()
    pros = meeting_service.role_choices(meeting)
    form.chair.choices = form.secretary.choices = [("", "Välj")] + pros
    if form.validate_on_submit():
        with saving(form):  # set_roles changes nothing when it answers with errors
            try:
                errors = meeting_service.set_roles(meeting, int(form.chair.data), int(form.secretary.data), case)
            except ValueError:
                errors = {"chair": "Välj en av deltagarna"}
        if not errors:
            flash("Mötesledare och sekreterare är sparade.", "success")
            return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#roller")
        for key, message in errors.items():
            form[key].errors.append(message)
    return _meeting_page(case, meeting, roles_form=form, status=400)


@bp.route("/<ref>/moten/<int:meeting_id>/kalla", methods=["POST"])
@load_case
@load_meeting
def meeting_invite(case, meeting):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    sent, problems = 0, []
    with saving() as saved:
        sent, problems = meeting_service.send_invitations(case, meeting, current_user)
        if problems:
            saved.cancel()
    if problems:
        return _meeting_page(case, meeting, problems=problems, status=400)
    if not saved:
        return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id))
    flash(f"Kallelsen är skickad till {sent} deltagare." if sent else "Alla deltagare har redan fått kallelsen.", "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id))


@bp.route("/<ref>/moten/<int:meeting_id>/stall-in", methods=["POST"])
@load_case
@load_meeting
def meeting_cancel(case, meeting):
    if ConfirmForm().validate_on_submit():
        with saving():
            sent = meeting_service.cancel(case, meeting, current_user)
        flash("Mötet är inställt." + (f" {sent} deltagare fick en avbokning." if sent else ""), "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id))


@bp.route("/<ref>/moten/<int:meeting_id>/forhinder", methods=["POST"])
@load_case
@load_meeting
def meeting_absence(case, meeting):
    form = AbsenceForm()
    form.participant.choices = [("", "Välj")] + [(str(p.id), p.name) for p in meeting.participants if not p.absent]
    if form.validate_on_submit():
        participant = next((p for p in meeting.participants if str(p.id) == form.participant.data), None)
        if participant is not None:
            with saving():
                meeting_service.report_absence(case, meeting, participant, form.note.data or "", current_user)
            flash(f"Förhinder är registrerat för {participant.name}. Den som kallat avgör tillsammans med "
                  "vårdnadshavarna om mötet ska hållas.", "success")
            return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#deltagare")
        form.participant.errors.append("Välj en av deltagarna")
    return _meeting_page(case, meeting, absence_form=form, status=400)


@bp.route("/<ref>/moten/<int:meeting_id>/anteckningar", methods=["POST"])
@load_case
@load_meeting
def meeting_notes(case, meeting):
    form = NotesForm()
    if form.validate_on_submit():
        with saving(form):
            sent = meeting_service.save_notes(case, meeting, form.notes.data or "", "share" in request.form,
                                              current_user)
        flash("Anteckningarna är sparade." if sent is None else
              f"Anteckningarna är sparade och delade med deltagarna ({sent} fick ett meddelande).", "success")
        return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id) + "#anteckningar")
    return _meeting_page(case, meeting, notes_form=form, status=400)


@bp.route("/<ref>/moten/<int:meeting_id>/hallet", methods=["POST"])
@load_case
@load_meeting
def meeting_held(case, meeting):
    if ConfirmForm().validate_on_submit() and meeting.status == "planned":
        with saving():
            meeting_service.mark_held(case, meeting, current_user)
        flash("Mötet är registrerat som hållet.", "success")
    return redirect(url_for("plans.meeting_view", ref=case.ref, meeting_id=meeting.id))
