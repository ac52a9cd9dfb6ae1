from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..directory import current_directory
from ..audit import log_event_and_commit
from ..database import casefold
from ..extensions import db
from ..paging import paginate_from_either_end
from ..timeutil import local, today_local, utcnow
from ..web.guards import guard_blueprint, staff_required
from ..web.loaders import loader
from ..web.tx import saving
from . import service
from .access import VisibleCases, load_case
from .forms import CaseForm, ConfirmForm, GuardianForm
from .models import Case, CaseStatus, Guardian
from .panels import panels_for
from .service import CASE_FIELDS, GUARDIAN_FIELDS, open_case_in_unit

bp = Blueprint("cases", __name__, template_folder="templates", url_prefix="/arenden")

guard_blueprint(bp, staff_required)
load_guardian = loader("guardian_id", "guardian", lambda guardian_id, case: db.session.scalar(
    select(Guardian).where(Guardian.id == guardian_id, Guardian.case_id == case.id)), needs=("case",))


def _values(form, fields) -> dict:
    return {f: getattr(form, f).data for f in fields}


@bp.route("/")
def index():
    status = request.args.get("status", CaseStatus.OPEN)
    if status not in (CaseStatus.OPEN, CaseStatus.CLOSED, "all"):
        status = CaseStatus.OPEN
    q = " ".join(request.args.get("q", "").split())[:100]
    conditions = []
    if status in (CaseStatus.OPEN, CaseStatus.CLOSED):
        conditions.append(Case.status == status)
    if q:
        conditions.append(case_search(q))
    # Count and order ids only (per unit, through an index; see access.py); then load the page's fifty cases.
    visible = VisibleCases(current_user, *conditions)
    total = visible.count()
    pages = paginate_from_either_end(visible.ordered, total=total)
    found = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(pages.items)))} if pages.items else {}
    directory = current_directory()
    return render_template("cases/index.html", cases=[found[i] for i in pages.items if i in found], pages=pages,
                           status=status, q=q, directory=directory)


def case_search(q: str):
    """Part of the child's name or the case number, in any case (å as Å); or the personal number
    with or without its dash or plus."""
    folded = q.casefold()
    conditions = [casefold(Case.child_name).contains(folded, autoescape=True),
                  func.upper(Case.ref).contains(q.upper(), autoescape=True)]
    digits = q.replace("-", "").replace("+", "")
    if digits.isdigit() and len(digits) >= 4:
        number = func.replace(func.replace(Case.personal_number, "-", ""), "+", "")
        conditions.append(number.contains(digits, autoescape=True))
    return or_(*conditions)


def _case_form(case=None) -> CaseForm:
    form = CaseForm(obj=case)
    directory = current_directory()
    form.unit_key.choices = [("", "Välj enhet")] + directory.unit_choices(current_user.unit_keys)
    return form


@bp.route("/nytt", methods=["GET", "POST"])
def new():
    form = _case_form()
    if not current_user.unit_keys:
        flash("Ditt konto hör inte till någon enhet. Kontakta administratören innan du öppnar ett ärende.", "error")
    if form.validate_on_submit():
        own_unit = form.unit_key.data in current_user.unit_keys
        if own_unit and (existing := open_case_in_unit(form.personal_number.data, form.unit_key.data)) is not None:
            # One child, one case per unit: lead to it (the unit is the user's own, so nothing is revealed).
            flash("Det finns redan ett öppet ärende för barnet på enheten. Här är det – inget nytt ärende "
                  "har skapats.", "info")
            return redirect(url_for("cases.view", ref=existing.ref))
        with saving(form) as saved:
            case = service.open_case(_values(form, CASE_FIELDS), form.unit_key.data, current_user)
        if saved:
            flash("Ärendet är öppnat. Lägg till vårdnadshavare.", "success")
            return redirect(url_for("cases.view", ref=case.ref))
    return render_template("cases/case_form.html", form=form, case=None), (400 if form.errors else 200)


@bp.route("/<ref>")
@load_case
def view(case):
    directory = current_directory()
    today = today_local()
    page = render_template(
        "cases/view.html", case=case, directory=directory, age=case.age_on(today),
        panels=panels_for(case, current_user), top_panels=panels_for(case, current_user, top=True),
        confirm=ConfirmForm(),
    )
    # Committed before the page is sent, after it is rendered: a commit first expired the case and the
    # account, and the page loaded both again (issue 32).
    log_event_and_commit("case.view", case=case, object_type="case", object_id=case.id)
    return page


@bp.route("/<ref>/andra", methods=["GET", "POST"])
@load_case
def edit(case):
    form = _case_form(case)
    form.unit_key.choices = [(case.unit_key, current_directory().unit_label(case.unit_key))]
    form.unit_key.data = case.unit_key
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update_case(case, _values(form, CASE_FIELDS))
        if saved:
            flash("Uppgifterna är sparade.", "success")
            return redirect(url_for("cases.view", ref=case.ref))
    if request.method == "GET":
        log_event_and_commit("case.view", case=case, object_type="case", object_id=case.id, detail="redigering")
    return render_template("cases/case_form.html", form=form, case=case), (400 if form.errors else 200)


@bp.route("/<ref>/stang", methods=["POST"])
@load_case
def close(case):
    form = ConfirmForm()
    if form.validate_on_submit():
        with saving(flash_other=True) as saved:
            now_open = service.toggle_open(case)
        if saved:
            flash("Ärendet är öppnat igen." if now_open else "Ärendet är avslutat. Det finns kvar och kan öppnas igen.",
                  "success")
    return redirect(url_for("cases.view", ref=case.ref))


@bp.route("/<ref>/utskrift")
@load_case
def print_view(case):
    log_event_and_commit("case.print", case=case, object_type="case", object_id=case.id)
    directory = current_directory()
    return render_template("cases/print.html", case=case, directory=directory, age=case.age_on(today_local()),
                           printed_at=local(utcnow()))


def _guardian_form(guardian=None) -> GuardianForm:
    form = GuardianForm(obj=guardian)
    if request.method == "GET" and guardian is not None:
        form.has_custody.data = "ja" if guardian.has_custody else "nej"
    return form


@bp.route("/<ref>/vardnadshavare/ny", methods=["GET", "POST"])
@load_case
def guardian_new(case):
    form = _guardian_form()
    if form.validate_on_submit():
        with saving(form) as saved:
            service.add_guardian(case, _values(form, GUARDIAN_FIELDS), has_custody=form.has_custody.data == "ja")
        if saved:
            flash("Vårdnadshavaren är tillagd.", "success")
            return redirect(url_for("cases.view", ref=case.ref) + "#vardnadshavare")
    return render_template("cases/guardian_form.html", form=form, case=case, guardian=None), (400 if form.errors else 200)


@bp.route("/<ref>/vardnadshavare/<int:guardian_id>", methods=["GET", "POST"])
@load_case
@load_guardian
def guardian_edit(case, guardian):
    form = _guardian_form(guardian)
    if form.validate_on_submit():
        with saving(form) as saved:
            service.update_guardian(case, guardian, _values(form, GUARDIAN_FIELDS),
                                    has_custody=form.has_custody.data == "ja")
        if saved:
            flash("Vårdnadshavarens uppgifter är sparade.", "success")
            return redirect(url_for("cases.view", ref=case.ref) + "#vardnadshavare")
    return render_template("cases/guardian_form.html", form=form, case=case, guardian=guardian), (400 if form.errors else 200)
