"""Oenighet om ansvaret: refer a case's question to the routine's next level; record the decision."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..audit import log_event_and_commit
from ..cases.access import load_case
from ..plans.meetings import KIND_LABELS, meeting_word
from ..web.guards import guard_blueprint, staff_required
from ..web.loaders import loader
from ..web.tx import saving
from . import service
from .forms import DecisionForm, ReferForm

bp = Blueprint("escalation", __name__, template_folder="templates")


guard_blueprint(bp, staff_required)
load_open_referral = loader("referral_id", "referral", lambda referral_id, case: next(
    (r for r in service.referrals(case) if r.id == referral_id and r.is_open), None), needs=("case",))


def _back(case):
    return redirect(url_for("cases.view", ref=case.ref) + "#oenighet", code=303)


@bp.route("/arenden/<ref>/oenighet", methods=["POST"])
@load_case
def refer(case):
    process = service.process_for(case)
    form = ReferForm()
    if process is None or not service.levels_for(process.key):
        abort(404)
    if form.validate_on_submit():
        with saving() as saved:  # EscalationError: flashed
            _, level, told = service.refer(case, process.key, form.question.data, current_user)
        if saved:
            flash(f"Frågan är hänskjuten till {level.name}. "
                  + (f"{told} chefer har fått ett meddelande utan personuppgifter." if told else
                     "Portalen har inga kontaktuppgifter till nivån: skicka frågan enligt er rutin."), "success")
        return _back(case)
    return render_template("escalation/refer.html", case=case, form=form,
                           level=service.next_level_for(case, process.key)), 400


@bp.route("/arenden/<ref>/oenighet/<int:referral_id>/beslut", methods=["POST"])
@load_case
@load_open_referral
def decide(case, referral):
    form = DecisionForm(prefix=f"r{referral.id}")
    if form.validate_on_submit():
        with saving():
            service.decide(case, referral, form.decision.data, form.resolved.data == "ja", current_user)
        flash("Beslutet är registrerat.", "success")
        return _back(case)
    return render_template("escalation/decide.html", case=case, referral=referral, form=form,
                           level=service.level_of(referral.process_key, referral.level_key)), 400


@bp.route("/minnesanteckningar/<int:meeting_id>")
@loader("meeting_id", ("meeting", "case", "level"), lambda meeting_id: service.shared_minutes(meeting_id, current_user))
def minutes(meeting, case, level):
    """Minutes shared with a member of the level a case was referred to: those minutes and nothing
    else of the case (need-to-know; 404 for anyone else)."""
    log_event_and_commit("escalation.minutes_view", case=case, object_type="meeting", object_id=meeting.id)
    return render_template("escalation/minutes.html", meeting=meeting, case=case, level=level,
                           word=meeting_word(case), kind_labels=KIND_LABELS)
