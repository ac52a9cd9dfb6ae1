"""Managers read the audit log of their units' cases."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..directory import current_directory
from ..accounts.models import User
from ..cases.access import load_opening_unit_case
from ..cases.models import Case
from ..extensions import db
from ..paging import shown_page
from ..web.guards import guard_blueprint, manager_required
from .log import action_labels, log_event_and_commit
from .models import AuditEvent

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/granskning")
PAGE_SIZE = 100


guard_blueprint(bp, manager_required)


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
    log_event_and_commit("audit.view", object_type="audit", detail=f"sida {page}")
    return render_template("audit/index.html", rows=rows, more=more, page=page, total=total, labels=action_labels(),
                           directory=current_directory(), case=None)


@bp.route("/arende/<ref>")
@load_opening_unit_case  # only the opening unit's managers read a case's log
def case_log(case):
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_id == case.id))
    page = shown_page(total, PAGE_SIZE)
    rows, more = _rows(_base().where(AuditEvent.case_id == case.id), page)
    log_event_and_commit("audit.view", case=case, object_type="audit", detail=f"sida {page}")
    return render_template("audit/index.html", rows=rows, more=more, page=page, total=None, labels=action_labels(),
                           directory=current_directory(), case=case)
