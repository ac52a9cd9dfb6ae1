"""Managers read the audit log of their units' cases."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from ..accounts.models import User
from ..cases.access import get_case_or_404
from ..cases.models import Case
from ..extensions import db
from ..paging import shown_page
from .log import action_labels, record_and_commit
from .models import AuditEvent

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/granskning")
PAGE_SIZE = 100


@bp.before_request
@login_required
def _managers_only():
    if not current_user.is_manager:
        abort(404)


def _rows(query, page: int):
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    rows = db.session.execute(query).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _base():
    return (select(AuditEvent, User.name, Case.ref)
            .outerjoin(User, User.id == AuditEvent.user_id)
            .outerjoin(Case, Case.id == AuditEvent.case_id))


@bp.route("/")
def index():
    """Every event on cases opened by the manager's units, and everything done as one of those
    units (reads by the units' accounts on other units' cases, changes to the units' accounts)."""
    units = current_user.unit_keys
    mine = or_(Case.unit_key.in_(units), AuditEvent.unit_key.in_(units))
    total = db.session.scalar(select(func.count(AuditEvent.id)).outerjoin(Case, Case.id == AuditEvent.case_id)
                              .where(mine))
    page = shown_page(total, PAGE_SIZE)   # past the end: the last page
    rows, more = _rows(_base().where(mine), page)
    record_and_commit("audit.view", object_type="audit", detail=f"sida {page}")
    return render_template("audit/index.html", rows=rows, more=more, page=page, total=total, labels=action_labels(),
                           directory=current_app.extensions["directory"], case=None)


@bp.route("/arende/<ref>")
def case_log(ref: str):
    case = get_case_or_404(ref, current_user)
    if case.unit_key not in current_user.unit_keys:
        abort(404)  # only the opening unit's managers read a case's log
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_id == case.id))
    page = shown_page(total, PAGE_SIZE)
    rows, more = _rows(_base().where(AuditEvent.case_id == case.id), page)
    record_and_commit("audit.view", case=case, object_type="audit", detail=f"sida {page}")
    return render_template("audit/index.html", rows=rows, more=more, page=page, total=None, labels=action_labels(),
                           directory=current_app.extensions["directory"], case=case)
