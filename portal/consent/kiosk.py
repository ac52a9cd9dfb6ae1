"""In-person signing is a locked view (issue 28).

When the staff member has checked the signer's identity and hands over the device, the session
is locked to that one signer's pages: base.html shows no navigation and every other page answers
with the lock screen (423) until the staff member types their password again. Wrong passwords
count toward the account's login lock; when it locks, the session ends (the staff member signs in
again later). Nothing here is stored in the database: the lock lives in the signed session."""
from __future__ import annotations

import datetime as dt

from flask import current_app, g, render_template, request, session, url_for
from flask_login import current_user, logout_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from ..accounts.passwords import verify_password
from ..extensions import db
from ..formkit import PortalForm
from ..timeutil import utcnow

KEY = "in_person_lock"
SIGNER_PAGES = {"consent.in_person_sign", "consent.in_person_decline"}
# Reachable while locked: the signer's own pages (checked below), the unlock page, signing out,
# the static files and the two public pages linked from every footer.
OPEN = {"consent.in_person_unlock", "accounts.logout", "static", "main.accessibility", "main.privacy"}


class UnlockForm(PortalForm):
    password = PasswordField("Ditt lösenord (personalen)", validators=[
        DataRequired("Skriv ditt lösenord för att låsa upp"), Length(max=256, message="Lösenordet är för långt")])


def lock(case, consent, signer) -> None:
    session[KEY] = {"staff": current_user.id, "ref": case.ref, "consent": consent.id, "signer": signer.id}


def current_lock() -> dict | None:
    value = session.get(KEY)
    return value if isinstance(value, dict) else None


def guard():
    """before_app_request: the lock screen for every page but the locked signer's own."""
    entry = current_lock()
    if entry is None:
        return None
    if not current_user.is_authenticated or current_user.id != entry.get("staff"):
        session.pop(KEY, None)  # signed out (or another account): nothing left to protect
        return None
    g.in_person_lock = entry
    if request.endpoint in OPEN:
        return None
    if request.endpoint in SIGNER_PAGES and (request.view_args or {}).get("signer_id") == entry.get("signer") \
            and (request.view_args or {}).get("ref") == entry.get("ref"):
        return None
    return lock_screen(UnlockForm(formdata=None), status=423)


def lock_screen(form: UnlockForm, status: int = 200):
    entry = current_lock() or {}
    back = None
    if entry:
        back = url_for("consent.in_person_sign", ref=entry["ref"], consent_id=entry["consent"], signer_id=entry["signer"])
    return render_template("consent/locked.html", form=form, back=back), status


def unlock(password: str) -> str:
    """"ok", "wrong" or "locked_out" (the account is now locked and the session ended)."""
    user = current_user._get_current_object()
    now = utcnow()
    if not (user.locked_until and user.locked_until > now) and verify_password(user.password_hash, password):
        user.failed_logins = 0
        db.session.commit()
        session.pop(KEY, None)
        return "ok"
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= current_app.config["PORTAL_LOGIN_MAX_FAILURES"] or \
            (user.locked_until and user.locked_until > now):
        user.locked_until = max(user.locked_until or now, now + dt.timedelta(
            minutes=current_app.config["PORTAL_LOGIN_LOCK_MINUTES"]))
        user.failed_logins = 0
        db.session.commit()
        logout_user()
        session.clear()
        return "locked_out"
    db.session.commit()
    return "wrong"
