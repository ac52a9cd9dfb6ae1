"""Deviation reports: the reporter's form, drafts and check-answers page; the report page with
its actions; the managers' inbox; the yearly compilation; the administrators' queue."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from ..directory import current_directory
from ..accounts.models import User
from ..audit import log_event_and_commit
from ..cases.access import can_view, visible_cases_query
from ..cases.models import Case
from ..extensions import db
from ..formdefs import build_form, get_definition, keys, summary_sections
from ..formkit import PortalForm
from ..paging import paginate
from ..timeutil import local, today_local, utcnow
from ..web.guards import admin_or_manager_required, admin_required, staff_required
from ..web.tx import saving
from . import lifecycle, service
from . import inbox as inbox_entries
from .access import load_report, load_reports, matches, with_roles
from .compilation import ReportFacts, bar_geometry, compile_year, csv_rows
from .forms import (AssignForm, DraftReportFormBase, InboxDaysForm, ManualRouteForm, ReportFormBase, SignForm, action_form_class,
                    no_personal_number)
from ..pdf import pdf_response, render_pdf
from .lifecycle import DeviationStatus
from .models import DeviationReport
from .routing import explain_lines

bp = Blueprint("deviations", __name__, template_folder="templates")
DEFINITION = "deviation_report"
KIND, = keys(DEFINITION, "event__kind")
OPEN_DAYS_DEFAULT = 30
SHORT_LIST = 20  # the inbox lists at most this many reports under "Väntar på dig" and the old open ones


EVENT_LABELS = {
    "create": "Skapade utkastet",
    "submit": "Skrev under och skickade rapporten",
    "cosign": "Skrev under som närmaste chef",
    "send_to_concerned": "Skickade kopia till den berörda verksamheten",
    "answer": "Lämnade den berörda verksamhetens svar",
    "start_analysis": "Började analysen",
    "decide_measures": "Registrerade beslutade åtgärder",
    "give_feedback": "Gav återkoppling till rapportören",
    "close": "Avslutade rapporten",
    "reopen": "Öppnade rapporten igen",
    "comment": "Kommenterade",
    "assign": "Tilldelade en handläggare",
    "route_manually": "En administratör valde mottagare",
}
ROLE_LABELS = {"line_manager": "Närmaste chef", "copy": "Kopia", "concerned": "Berörd verksamhet",
               "handler": "Handläggare", "reporter": "Rapportör"}


def event_label(event) -> str:
    return EVENT_LABELS.get(event.action, event.action)


def role_names(roles) -> str:
    return ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles))


# Template globals (also for PDFs rendered outside this blueprint's requests).
TEMPLATE_GLOBALS = {"deviation_event_label": event_label, "deviation_role_names": role_names,
                    "deviation_bars": bar_geometry}


def _directory():
    return current_directory()


def _labels():
    return {"unit": _directory().unit_label}


def _visible_cases():
    return db.session.scalars(visible_cases_query(current_user).order_by(Case.opened_at.desc())).all()


# --- The reporter's form --------------------------------------------------------------------

def _text_fields(definition):
    for section in definition.sections:
        for fd in section.fields:
            if fd.type in ("text", "textarea") and not section.repeat:
                yield f"{section.key}__{fd.key}"


def _report_form(report: DeviationReport | None, draft: bool):
    definition = get_definition(DEFINITION)
    directory = _directory()
    form = build_form(definition, record=report.record if report else None, draft=draft,
                      choices={"unit": directory.unit_choices()},
                      base=DraftReportFormBase if draft else ReportFormBase)
    own_units = directory.unit_choices(current_user.unit_keys)
    form.reporter_unit.choices = ([] if len(own_units) == 1 else [("", "Välj")]) + own_units
    form.case_ref.choices = None   # the visible cases, loaded only when the form is shown (_case_choices)
    if request.method == "GET":
        _case_choices(form)
        if report is not None:
            form.reporter_unit.data = report.reporter_unit_key
            form.case_ref.data = report.case.ref if report.case is not None and can_view(current_user, report.case) else ""
        else:
            if len(own_units) == 1:
                form.reporter_unit.data = own_units[0][0]
            # "Rapportera en avvikelse" from a case page: the case is chosen (if the reporter sees it).
            wanted = (request.args.get("arende") or "")[:16]
            if wanted and wanted in {value for value, _ in form.case_ref.choices}:
                form.case_ref.data = wanted
    return form


def _case_choices(form) -> None:
    """The cases the reporter may link the report to, for showing the form. A successful POST
    does not need them (_extra_checks looks the chosen case up), so they are not loaded then."""
    form.case_ref.choices = [("", "Inget ärende")] + [(c.ref, f"{c.ref} – {c.child_name}") for c in _visible_cases()]


def _extra_checks(form) -> Case | None:
    """Server-side checks beyond the definition: own unit, a visible case, no personal numbers."""
    if form.reporter_unit.data and form.reporter_unit.data not in current_user.unit_keys:
        form.reporter_unit.errors.append("Välj en av dina egna arbetsplatser")
    case = None
    if form.case_ref.data:
        case = db.session.scalar(select(Case).where(Case.ref == form.case_ref.data[:16]))
        if case is None or not can_view(current_user, case):
            form.case_ref.errors.append("Välj ett ärende som du har tillgång till")
            case = None
    for name in _text_fields(form.definition):
        try:
            no_personal_number(form, form[name])
        except ValidationError as exc:
            form[name].errors.append(str(exc))
    return case


def _has_errors(form) -> bool:
    return any(f.errors for f in form)


def _edit(report: DeviationReport | None):
    draft = request.method == "POST" and request.form.get("action") == "draft"
    form = _report_form(report, draft)
    if not current_user.unit_keys:
        flash("Ditt konto hör inte till någon enhet. Kontakta administratören innan du rapporterar.", "error")
    if form.validate_on_submit():
        case = _extra_checks(form)
        if not _has_errors(form):
            with saving(form):
                report = service.save_draft(report, current_user, form.to_record(), form.reporter_unit.data or "",
                                            case.id if case is not None else None, complete=not draft)
                ref = report.ref   # read before the commit expires the report (no reload for the redirect)
            if draft:
                flash("Utkastet är sparat. Du hittar det under Mina avvikelserapporter.", "success")
                return redirect(url_for("deviations.edit", ref=ref))
            return redirect(url_for("deviations.review", ref=ref))
    status = 400 if _has_errors(form) else 200
    if form.case_ref.choices is None:
        _case_choices(form)
    return render_template("deviations/form.html", form=form, report=report), status


@bp.route("/avvikelser/ny", methods=["GET", "POST"])
@staff_required
def new():
    return _edit(None)


@bp.route("/avvikelser/<ref>/andra", methods=["GET", "POST"])
@staff_required
@load_report
def edit(report, roles):
    if "reporter" not in roles or not report.is_draft:
        if report.is_draft:
            abort(404)
        flash("Rapporten är redan skickad och kan inte ändras. Skriv en kommentar om något behöver rättas.", "error")
        return redirect(url_for("deviations.view", ref=report.ref))
    return _edit(report)


class _CheckForm(PortalForm):
    class Meta:
        csrf = False


def _record_formdata(definition, record: dict) -> MultiDict:
    """The stored answers as the browser would post them (to validate a draft before sending)."""
    data = MultiDict()
    for section in definition.sections:
        values = record.get(section.key) or ({} if not section.repeat else [])
        if section.repeat:
            for i, entry in enumerate(values):
                for fd in section.fields:
                    _put(data, f"{section.key}-{i}-{fd.key}", fd, entry.get(fd.key))
        else:
            for fd in section.fields:
                _put(data, f"{section.key}__{fd.key}", fd, values.get(fd.key))
    return data


def _put(data: MultiDict, name: str, fd, value):
    if value in (None, "", []):
        return
    if fd.type == "date":
        try:
            day = dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return
        data.add(f"{name}-day", str(day.day))
        data.add(f"{name}-month", str(day.month))
        data.add(f"{name}-year", str(day.year))
    elif isinstance(value, list):
        for v in value:
            data.add(name, str(v))
    elif fd.type == "boolean":
        data.add(name, "y")
    else:
        data.add(name, str(value))


def _completeness(report: DeviationReport) -> list[tuple[str, str]]:
    """What is still missing before the report can be sent: [(field id, message)]."""
    definition = get_definition(DEFINITION)
    form = build_form(definition, formdata=_record_formdata(definition, report.record or {}),
                      choices={"unit": _directory().unit_choices()}, base=_CheckForm)
    form.validate()
    problems = []
    for f in form:
        for e in f.errors:
            if isinstance(e, str):
                problems.append((f.id, e))
    if not report.reporter_unit_key or report.reporter_unit_key not in current_user.unit_keys:
        problems.append(("reporter_unit", "Välj din arbetsplats"))
    if report.case is not None and not can_view(current_user, report.case):
        problems.append(("case_ref", "Du har inte längre tillgång till det kopplade ärendet. Välj ett annat eller inget"))
    return problems


def _summary(report: DeviationReport):
    return summary_sections(get_definition(DEFINITION), report.record or {}, labels=_labels())


def _routing_context(report: DeviationReport):
    directory = _directory()
    rules = current_app.extensions["deviation_routing"]
    if report.is_draft:
        if not report.reporter_unit_key:
            return None
        result = service.preview_routing(report.reporter_unit_key, report.concerned_unit_key)
        return {"preview": True, "result": result, "lines": explain_lines(directory, rules, result)}
    return {"preview": False, "result": None, "lines": []}


def _same_name(a: str, b: str) -> bool:
    def norm(s):
        return re.sub(r"\s+", " ", (s or "").strip()).casefold()
    return norm(a) == norm(b)


@bp.route("/avvikelser/<ref>/granska", methods=["GET", "POST"])
@staff_required
@load_report
def review(report, roles):
    if not report.is_draft:
        return redirect(url_for("deviations.view", ref=report.ref))
    if "reporter" not in roles:
        abort(404)
    problems = _completeness(report)
    form = SignForm()
    if request.method == "POST" and not problems and form.validate_on_submit():
        if not _same_name(form.signed_name.data, current_user.name):
            form.signed_name.errors.append(f"Skriv ditt namn som det står i ditt konto: {current_user.name}")
        else:
            with saving(form):
                result = service.submit(report, current_user, form.signed_name.data)
                # Read before the commit expires the report.
                ref, waits_for_admin = report.ref, result.needs_admin or report.needs_routing
                directory = _directory()
                told = "; ".join(f"{m.name}, {directory.role_name(m.role).lower()}" for m in result.recipients)
            if waits_for_admin:
                flash("Rapporten är skickad. Ingen chef kunde hittas automatiskt, så en administratör väljer "
                      "mottagare. Rapporten finns kvar och du kan följa den här.", "success")
            else:
                flash(f"Rapporten är skickad till din närmaste chef: {told}. Under Vem tar emot rapporten "
                      "ser du vem som får en kopia och varför.", "success")
            return redirect(url_for("deviations.view", ref=ref))
    status = 400 if (request.method == "POST" and (problems or form.errors)) else 200
    return render_template("deviations/review.html", report=report, sections=_summary(report), form=form,
                           problems=problems, routing=_routing_context(report), directory=_directory(),
                           can_see_case=report.case is not None and can_view(current_user, report.case)), status


@bp.route("/avvikelser/")
@staff_required
def mine():
    reports = db.session.scalars(select(DeviationReport).where(DeviationReport.reporter_id == current_user.id)
                                 .order_by(DeviationReport.updated_at.desc(), DeviationReport.id.desc())).all()
    drafts = [r for r in reports if r.is_draft]
    sent = [r for r in reports if not r.is_draft]
    return render_template("deviations/mine.html", drafts=drafts, sent=sent, directory=_directory())


# --- The report page and its actions ---------------------------------------------------------

def _action_forms(report, roles, failed: tuple[str, object] | None = None):
    forms = {}
    for action in lifecycle.allowed_actions(report.status, roles):
        if action == "assign":
            continue
        if failed and failed[0] == action:
            forms[action] = failed[1]
        else:
            forms[action] = action_form_class(action)(prefix=action, formdata=None)
    assign_form = None
    if lifecycle.can(report.status, "assign", roles):
        assign_form = failed[1] if failed and failed[0] == "assign" else AssignForm(prefix="assign", formdata=None)
        assign_form.handler.choices = [("", "Välj")] + [(str(u.id), u.name) for u in service.handler_candidates(report)]
        if assign_form.handler.data is None and report.handler_id:
            assign_form.handler.data = str(report.handler_id)
    return forms, assign_form


def _render_view(report, roles, failed=None, status=200):
    forms, assign_form = _action_forms(report, roles, failed)
    reporter_only = roles == {"reporter"}
    events = report.events
    if reporter_only:
        events = [e for e in events if e.action != "comment"]
    directory = _directory()
    return render_template(
        "deviations/view.html", report=report, roles=roles, sections=_summary(report), directory=directory,
        forms=forms, assign_form=assign_form, actions=lifecycle.ACTIONS, events=events, reporter_only=reporter_only,
        failed=failed[0] if failed else None, statuses=lifecycle.SUBMITTED_STATUSES,
        labels=DeviationStatus.labels(),
        can_see_case=report.case is not None and can_view(current_user, report.case),
        recipients={c: [r for r in report.recipients if r.capacity == c] for c in ("recipient", "copy", "concerned")},
        routing_rule=_rule_label(report.routing_rule),
    ), status


def _rule_label(key: str) -> str:
    """The stored rule in plain words (file and line only in `portal routing explain`)."""
    rule = current_app.extensions["deviation_routing"].by_key(key) if key else None
    return rule.plain(_directory()) if rule else ""


@bp.route("/avvikelser/<ref>")
@staff_required
@load_report
def view(report, roles):
    if report.is_draft:
        return redirect(url_for("deviations.edit", ref=report.ref))
    log_event_and_commit("deviation.view", case_id=report.case_id, object_type="deviation", object_id=report.id)
    return _render_view(report, roles)


@bp.route("/avvikelser/<ref>/atgard/<action>", methods=["POST"])
@staff_required
@load_report
def act(report, roles, action: str):
    if action not in lifecycle.ACTIONS or action == "submit":
        abort(404)
    if not lifecycle.can(report.status, action, roles):
        flash("Det går inte att göra det nu. Rapporten kan redan ha ändrats av någon annan; här är den som den "
              "ser ut nu.", "error")
        return redirect(url_for("deviations.view", ref=report.ref), code=303)
    if action == "assign":
        form = AssignForm(prefix="assign")
        form.handler.choices = [("", "Välj")] + [(str(u.id), u.name) for u in service.handler_candidates(report)]
        if form.validate_on_submit():
            with saving(form) as saved:
                handler = service.assign_handler(report, current_user, roles, form.handler.data)
            if saved:
                flash(f"{handler.name} handlägger nu rapporten.", "success")
                return redirect(url_for("deviations.view", ref=report.ref), code=303)
        return _render_view(report, roles, failed=("assign", form), status=400)
    form = action_form_class(action)(prefix=action)
    if form.validate_on_submit():
        text = form.text.data if "text" in form else ""
        with saving(form):
            service.perform(report, current_user, roles, action, text)
        flash(_DONE.get(action, "Ändringen är sparad."), "success")
        return redirect(url_for("deviations.view", ref=report.ref), code=303)
    return _render_view(report, roles, failed=(action, form), status=400)


_DONE = {
    "cosign": "Du har skrivit under rapporten.",
    "send_to_concerned": "Kopian är skickad till den berörda verksamheten.",
    "answer": "Verksamhetens svar är sparat.",
    "start_analysis": "Analysen har börjat.",
    "decide_measures": "De beslutade åtgärderna är sparade.",
    "give_feedback": "Återkopplingen är skickad till rapportören.",
    "close": "Rapporten är avslutad.",
    "reopen": "Rapporten är öppnad igen.",
    "comment": "Kommentaren är sparad.",
}


def report_pdf_context(report: DeviationReport, roles: set[str]) -> dict:
    """What deviations/report_pdf.html needs (also used by the browser suite's PDF sample)."""
    reporter_only = roles == {"reporter"}
    return {"title": f"Avvikelserapport {report.ref}", "report": report, "sections": _summary(report),
            "directory": _directory(), "reporter_only": reporter_only,
            "events": [e for e in report.events if not (reporter_only and e.action == "comment")],
            "can_see_case": report.case is not None and can_view(current_user, report.case),
            "labels": DeviationStatus.labels(), "printed_at": local(utcnow())}


@bp.route("/avvikelser/<ref>/pdf")
@staff_required
@load_report
def pdf(report, roles):
    data = render_pdf("deviations/report_pdf.html", **report_pdf_context(report, roles))
    log_event_and_commit("deviation.print", case_id=report.case_id, object_type="deviation", object_id=report.id)
    return pdf_response(data, f"avvikelserapport-{report.ref}.pdf")


# --- The managers' inbox --------------------------------------------------------------------

@bp.route("/inkorg")
@staff_required
def inbox():
    days_form = InboxDaysForm(formdata=request.args)
    if "dagar" in request.args:
        days_form.validate()
    else:
        days_form.dagar.data = str(OPEN_DAYS_DEFAULT)
    days = days_form.days(OPEN_DAYS_DEFAULT)
    user = current_user
    old_before = utcnow() - dt.timedelta(days=days)
    summary = inbox_entries.summary(user, old_before)
    pages = paginate(inbox_entries.report_ids(user), total=summary.total)
    waiting_ids = inbox_entries.waiting_ids(user, SHORT_LIST)
    old_ids = inbox_entries.old_open_ids(user, old_before, SHORT_LIST)
    # The three lists share their reports: each is loaded once, and its roles decided once.
    roles = dict((r.id, (r, rs)) for r, rs in with_roles(user, load_reports(dict.fromkeys(
        [*pages.items, *waiting_ids, *old_ids]), user.email)))
    prefix = url_for("deviations.view", ref="_")[:-1]  # one URL built, not one per row (references are [A-Z2-9])
    for report, _ in roles.values():
        report.href = prefix + report.ref
    items, waiting = [roles[i] for i in pages.items if i in roles], [roles[i] for i in waiting_ids if i in roles]
    old_open = [roles[i][0] for i in old_ids if i in roles]
    return render_template("deviations/inbox.html", items=items, pages=pages,
                           waiting=waiting, waiting_total=summary.waiting, counts=summary.counts, days=days,
                           old_open=old_open, old_open_total=summary.old_open, short_list=SHORT_LIST,
                           days_arg=None if days == OPEN_DAYS_DEFAULT else days,
                           labels=DeviationStatus.labels(), directory=_directory(),
                           days_form=days_form)   # a wrong filter is told on the page, which is still the inbox


# --- The yearly compilation -----------------------------------------------------------------

def _year() -> int:
    try:
        year = int(request.args.get("ar", ""))
    except ValueError:
        year = today_local().year
    return year if 2000 <= year <= 2100 else today_local().year


def _compilation(year: int):
    directory = _directory()
    start, end = dt.datetime(year - 1, 12, 30), dt.datetime(year + 1, 1, 2)
    rows = db.session.execute(
        select(DeviationReport.submitted_at, DeviationReport.closed_at, DeviationReport.status, DeviationReport.kind,
               DeviationReport.reporter_unit_key, DeviationReport.concerned_unit_key, DeviationReport.ref,
               DeviationReport.measures)
        .where(DeviationReport.status != DeviationStatus.DRAFT)
        .where(DeviationReport.submitted_at >= start).where(DeviationReport.submitted_at < end)).all()

    def service_of(unit_key):
        return directory.units[unit_key].service_key if unit_key in directory.units else ""

    facts = [ReportFacts(submitted=local(s).date(), closed=local(c).date() if c else None, status=st, kind=k,
                         reporter_service=service_of(ru), concerned_service=service_of(cu), ref=ref,
                         measures=measures or "")
             for s, c, st, k, ru, cu, ref, measures in rows]
    definition = get_definition(DEFINITION)
    kind_labels = dict(KIND.field_def(definition).choices)

    def service_label(key):
        return directory.services[key].name if key in directory.services else "Okänd verksamhet"

    options = {"service_label": service_label, "kind_labels": kind_labels, "kind_order": list(kind_labels)}
    sections = [("Hela samverkan", None, compile_year(facts, year, **options))]
    if getattr(current_user, "is_admin", False):
        services = list(directory.services)
    else:
        units = getattr(current_user, "unit_keys", set())
        services = sorted({directory.units[k].service_key for k in units if k in directory.units},
                          key=list(directory.services).index)
    # The measures taken (Bilaga 4) are listed for the manager's own services only: administrators
    # never read a report's contents, and the whole collaboration's section is counts.
    with_measures = not getattr(current_user, "is_admin", False)
    for key in services:
        mine = [f for f in facts if key in (f.reporter_service, f.concerned_service)]
        sections.append((service_label(key), key, compile_year(mine, year, with_measures=with_measures, **options)))
    return sections


@bp.route("/avvikelser/sammanstallning")
@admin_or_manager_required
def compilation():
    year = _year()
    sections = _compilation(year)
    log_event_and_commit("deviation.summary", object_type="deviation_summary", object_id=year, detail=f"år {year}")
    this_year = today_local().year
    return render_template("deviations/compilation.html", year=year, sections=sections,
                           years=list(range(this_year, this_year - 6, -1)))


@bp.route("/avvikelser/sammanstallning.csv")
@admin_or_manager_required
def compilation_csv():
    year = _year()
    sections = _compilation(year)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_rows([(name, c) for name, _, c in sections]))
    log_event_and_commit("deviation.summary_export", object_type="deviation_summary", object_id=year,
                      detail=f"år {year}, csv")
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="avvikelser-sammanstallning-{year}.csv"'
    return response


def compilation_pdf_context(year: int) -> dict:
    """What deviations/compilation_pdf.html needs (also used by the browser suite's PDF sample)."""
    return {"title": f"Avvikelserapporter – årssammanställning {year}", "year": year,
            "sections": _compilation(year), "printed_at": local(utcnow())}


@bp.route("/avvikelser/sammanstallning.pdf")
@admin_or_manager_required
def compilation_pdf():
    year = _year()
    data = render_pdf("deviations/compilation_pdf.html", **compilation_pdf_context(year))
    log_event_and_commit("deviation.summary_export", object_type="deviation_summary", object_id=year,
                      detail=f"år {year}, pdf")
    return pdf_response(data, f"avvikelser-sammanstallning-{year}.pdf")


# --- The administrators' queue --------------------------------------------------------------

def _manager_choices():
    """(value, label, manager, has_account) for every manager in the directory."""
    directory = _directory()
    managers = directory.all_managers()
    users = db.session.scalars(select(User).where(User.active.is_(True)).where(User.role.in_(("staff", "manager")))
                               .where(func.lower(User.email).in_({m.email.lower() for m in managers}))).all()
    result = []
    for m in managers:
        place = directory.units[m.unit_key].name if m.unit_key else directory.services[m.service_key].name
        value = f"{m.email}|{m.unit_key or ''}|{m.service_key}"
        has_account = any(matches(u, m) for u in users)
        label = f"{m.name}, {directory.role_name(m.role)}, {place}" + ("" if has_account else " (har inget konto)")
        result.append((value, label, m, has_account))
    return result


def _unrouted_page(failed=None, status=200):
    reports = db.session.scalars(select(DeviationReport).where(DeviationReport.needs_routing.is_(True))
                                 .where(DeviationReport.status != DeviationStatus.DRAFT)
                                 .order_by(DeviationReport.submitted_at)).all()
    choices = _manager_choices()
    forms = {}
    for report in reports:
        if failed and failed[0] == report.ref:
            form = failed[1]
        else:
            form = ManualRouteForm(prefix=f"r{report.id}", formdata=None)
        form.manager.choices = [("", "Välj")] + [(v, label) for v, label, _, _ in choices]
        forms[report.ref] = form
    return render_template("deviations/unrouted.html", reports=reports, forms=forms, directory=_directory(),
                           rule_label=_rule_label, failed=failed[0] if failed else None), status


@bp.route("/admin/avvikelser-utan-mottagare")
@admin_required
def unrouted():
    return _unrouted_page()


@bp.route("/admin/avvikelser-utan-mottagare/<ref>", methods=["POST"])
@admin_required
def route_manually(ref: str):
    report = db.session.scalar(select(DeviationReport).where(DeviationReport.ref == ref[:16]))
    if report is None or report.is_draft:
        abort(404)
    if not report.needs_routing:
        flash("Rapporten har redan en mottagare.", "success")
        return redirect(url_for("deviations.unrouted"), code=303)
    form = ManualRouteForm(prefix=f"r{report.id}")
    choices = _manager_choices()
    form.manager.choices = [("", "Välj")] + [(v, label) for v, label, _, _ in choices]
    if form.validate_on_submit():
        chosen = next((c for c in choices if c[0] == form.manager.data), None)
        if chosen is None:
            form.manager.errors.append("Välj en chef i listan")
        elif not chosen[3]:
            form.manager.errors.append("Chefen har inget konto i portalen. Skapa ett konto först eller välj en annan chef")
        else:
            with saving():
                service.route_manually(report, current_user, chosen[2])
            flash(f"Rapport {report.ref} är skickad till {chosen[2].name}.", "success")
            return redirect(url_for("deviations.unrouted"), code=303)
    return _unrouted_page(failed=(report.ref, form), status=400)


def unrouted_count() -> int:
    return db.session.scalar(select(func.count(DeviationReport.id)).where(DeviationReport.needs_routing.is_(True))
                             .where(DeviationReport.status != DeviationStatus.DRAFT)) or 0
