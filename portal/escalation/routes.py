"""Oenighet om ansvaret: refer a case's question to the routine's next level; record the decision."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..audit import log_event_and_commit
from ..cases.access import get_case_or_404
from ..extensions import db
from . import service
from .forms import DecisionForm, ReferForm

bp = Blueprint("escalation", __name__, template_folder="templates")


@bp.before_request
@login_required
def _staff_only():
    if not current_user.works_with_cases:
        abort(404)


def _back(case):
    return redirect(url_for("cases.view", ref=case.ref) + "#oenighet", code=303)


@bp.route("/arenden/<ref>/oenighet", methods=["POST"])
def refer(ref):
    case = get_case_or_404(ref, current_user)
    process = service.process_for(case)
    form = ReferForm()
    if process is None or not service.levels_for(process.key):
        abort(404)
    if form.validate_on_submit():
        try:
            _, level, told = service.refer(case, process.key, form.question.data, current_user)
        except LookupError:
            flash("Frågan kan inte hänskjutas nu: en tidigare nivå har inte svarat än, eller alla nivåer är prövade.",
                  "error")
            return _back(case)
        db.session.commit()
        flash(f"Frågan är hänskjuten till {level.name}. "
              + (f"{told} chefer har fått ett meddelande utan personuppgifter." if told else
                 "Portalen har inga kontaktuppgifter till nivån: skicka frågan enligt er rutin."), "success")
        return _back(case)
    return render_template("escalation/refer.html", case=case, form=form,
                           level=service.next_level_for(case, process.key)), 400


@bp.route("/arenden/<ref>/oenighet/<int:referral_id>/beslut", methods=["POST"])
def decide(ref, referral_id):
    case = get_case_or_404(ref, current_user)
    referral = next((r for r in service.referrals(case) if r.id == referral_id), None)
    if referral is None or not referral.is_open:
        abort(404)
    form = DecisionForm(prefix=f"r{referral.id}")
    if form.validate_on_submit():
        service.decide(case, referral, form.decision.data, form.resolved.data == "ja", current_user)
        db.session.commit()
        flash("Beslutet är registrerat.", "success")
        return _back(case)
    return render_template("escalation/decide.html", case=case, referral=referral, form=form,
                           level=service.level_of(referral.process_key, referral.level_key)), 400


@bp.route("/minnesanteckningar/<int:meeting_id>")
def minutes(meeting_id):
    """Minutes shared with a member of the level a case was referred to: those minutes and nothing
    else of the case (need-to-know)."""
    from ..plans.meetings import KIND_LABELS, meeting_word

    found = service.shared_minutes(meeting_id, current_user) or abort(404)
    meeting, case, level = found
    log_event_and_commit("escalation.minutes_view", case=case, object_type="meeting", object_id=meeting.id)
    return render_template("escalation/minutes.html", meeting=meeting, case=case, level=level,
                           word=meeting_word(case), kind_labels=KIND_LABELS)
