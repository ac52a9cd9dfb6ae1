from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ..directory import current_directory
from ..extensions import db, limiter
from ..timeutil import utcnow
from ..web.guards import admin_required, manager_required
from ..web.loaders import loader
from ..web.tx import saving
from . import sessions
from .forms import ChangePasswordForm, EndOtherSessionsForm, LoginForm, UserForm
from .models import ROLES, User
from .service import (AccountError, authenticate, change_own_password, create_user, deactivate, log_out_other_devices,
                      set_password, set_units)
from .visibility import ADD_UNIT, CREATE, PASSWORD_SET, UNLOCK, announce, members

bp = Blueprint("accounts", __name__, template_folder="templates")
load_account = loader("user_id", "user", lambda user_id: db.session.get(User, user_id))

LOGIN_FAILED = (
    "Inloggningen misslyckades. Kontrollera e-postadress och lösenord. "
    "Efter flera misslyckade försök spärras inloggningen en stund."
)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")


@bp.route("/logga-in", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    extra = []
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        extra = [("email", LOGIN_FAILED)]
    return render_template("accounts/login.html", form=form, extra_errors=extra), (400 if request.method == "POST" else 200)


@bp.route("/logga-ut", methods=["POST"])
def logout():
    sessions.end_current("logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("Du är utloggad.", "info")
    return redirect(url_for("main.index"))


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    form._email = current_user.email
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data, form.new_password.data,
                                keep_session=sessions.current_id())
        except AccountError as exc:
            db.session.commit()  # the failure counts toward the lock
            form.current_password.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Ditt lösenord är bytt. Du är utloggad på alla andra enheter.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(form, EndOtherSessionsForm()), (400 if form.errors else 200)


@bp.route("/konto/andra-enheter/logga-ut", methods=["POST"])
@login_required
def end_other_sessions():
    form = EndOtherSessionsForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), form), 400
    with saving():
        ended = log_out_other_devices(current_user, keep_session=sessions.current_id())
    flash("Du är utloggad från alla andra enheter." if ended else "Du var inte inloggad på någon annan enhet.",
          "success")
    return redirect(url_for("accounts.account"))


def _account_page(form: ChangePasswordForm, end_form: EndOtherSessionsForm) -> str:
    directory = current_directory()
    units = [directory.unit_label(k) for k in sorted(current_user.unit_keys)]
    return render_template("accounts/account.html", form=form, end_form=end_form, units=units,
                           live_sessions=sessions.live_sessions(current_user.id), this_session=sessions.current_id())


# --- Administration -----------------------------------------------------------------

@bp.route("/admin/konton")
@admin_required
def admin_users():
    users = db.session.scalars(select(User).order_by(User.name)).all()
    directory = current_directory()
    return render_template("accounts/admin_users.html", users=users, roles=ROLES, directory=directory, now=utcnow())


def _user_form(user: User | None) -> UserForm:
    directory = current_directory()
    form = UserForm(obj=user) if user else UserForm()
    form.units.choices = directory.unit_choices()
    if request.method == "GET" and user:
        form.units.data = sorted(user.unit_keys)
    return form


@bp.route("/admin/konton/nytt", methods=["GET", "POST"])
@admin_required
def admin_user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append("Ange ett lösenord för det nya kontot")
        else:
            with saving(form) as saved:
                user = create_user(form.email.data, form.name.data, form.password.data, form.role.data, form.units.data,
                                   added_by=current_user)
                user.active = form.active.data
                announce(CREATE, user, user.unit_keys, by=current_user)
            if saved:
                flash(f"Kontot för {user.name} är skapat.", "success")
                return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin_user_form.html", form=form, user=None), (400 if form.errors else 200)


@bp.route("/admin/konton/<int:user_id>", methods=["GET", "POST"])
@admin_required
@load_account
def admin_user_edit(user: User):
    form = _user_form(user)
    if form.validate_on_submit():
        other = db.session.scalar(select(User).where(User.email == form.email.data.lower(), User.id != user.id))
        if other:
            form.email.errors.append("Det finns redan ett konto med den e-postadressen")
        elif user.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors.append("Du kan inte ta bort din egen administratörsroll eller stänga ditt eget konto")
        else:
            with saving(form) as saved:  # a refused password: AccountError on "password"
                was_active = user.active
                user.name, user.email, user.role = form.name.data, form.email.data.lower(), form.role.data
                user.active = form.active.data
                added = set_units(user, form.units.data, added_by=current_user)
                if added:
                    announce(ADD_UNIT, user, added, by=current_user)
                if form.password.data:
                    own = sessions.current_id() if user.id == current_user.id else None
                    set_password(user, form.password.data, keep_session=own)
                    announce(PASSWORD_SET, user, user.unit_keys, by=current_user)
                if was_active and not user.active:
                    deactivate(user)
            if saved:
                flash(f"Kontot för {user.name} är sparat.", "success")
                return redirect(url_for("accounts.admin_users"))
    return render_template("accounts/admin_user_form.html", form=form, user=user), (400 if form.errors else 200)


@bp.route("/admin/konton/<int:user_id>/las-upp", methods=["POST"])
@admin_required
@load_account
def admin_user_unlock(user: User):
    with saving():
        user.locked_until = None
        user.failed_logins = 0
        announce(UNLOCK, user, user.unit_keys, by=current_user)
    flash(f"Inloggningsspärren för {user.name} är hävd.", "success")
    return redirect(url_for("accounts.admin_users"))


# --- The unit's managers ---------------------------------------------------------------

@bp.route("/enhet/konton")
@manager_required
def unit_members():
    """A manager sees the accounts in each of their units and when (and by whom) each was added."""
    directory = current_directory()
    units = [(key, directory.unit_label(key), members(key)) for key in sorted(current_user.unit_keys)]
    return render_template("accounts/unit_members.html", units=units, roles=ROLES, now=utcnow())
