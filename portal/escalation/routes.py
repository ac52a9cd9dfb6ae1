"""Oenighet om ansvaret: refer a case's question to the routine's next level; record the decision."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..cases.access import load_case
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
