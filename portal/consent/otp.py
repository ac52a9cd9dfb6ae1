"""The e-mail one-time code provider (the default remote identity provider).

The signer asks for a code; it is sent in an e-mail of its own through the outbox (6 digits,
PORTAL_CONSENT_OTP_MINUTES valid, stored as an HMAC). After PORTAL_CONSENT_OTP_MAX_TRIES wrong
codes the link is locked; the staff member sends a new link."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..extensions import db
from .forms import CodeForm, ConfirmForm
from .identity import Verified
from .service import CODE_EXPIRED, CODE_LOCKED, CODE_OK, ConsentError, check_code, issue_code


class EmailOtpProvider:
    name = "email_otp"
    label = "Engångskod till e-post"
    assurance = "low"
    remote = True

    def handle(self, link, token: str):
        """GET: the code page. POST action=send: a new code. POST action=verify: check it.
        Returns a response, or a Verified when the code was right."""
        return code_step(link, token, here=url_for("consent.identify", token=token, provider=self.name),
                         locked=url_for("consent.signer_home", token=token),
                         contact="personen som skickade länken", provider=self)


def code_step(link, token: str, *, here: str, locked: str, contact: str, provider=None):
    """The one-time-code page of a personal link (the consent's and the family's plan link alike).

    POST action=send: a new code by e-mail (or why not, in Swedish: too many sent, or it could not
    be sent); POST action=verify: check the typed code. Returns a response (the page, or a redirect
    to ``here``, or to ``locked`` after too many wrong codes) or a Verified when the code was right.
    ``contact`` names whom the signer asks for a new link ("personen som skickade länken")."""
    if request.method == "POST" and request.form.get("action") == "send":
        form = ConfirmForm()
        if form.validate_on_submit():
            try:
                sent = issue_code(link)
            except ConsentError:
                db.session.rollback()
                flash(f"Vi kunde inte skicka någon kod. Kontakta {contact}.", "error")
                return redirect(here)
            db.session.commit()
            if sent:
                flash("Vi har skickat en kod till din e-post. Det kan ta någon minut innan den kommer fram.", "success")
            else:
                flash(f"Vi kan inte skicka fler koder till den här länken. Kontakta {contact}.", "error")
        return redirect(here)
    form = CodeForm()
    status = 200
    if request.method == "POST" and request.form.get("action") == "verify":
        if form.validate_on_submit():
            result, left = check_code(link, form.code.data)
            db.session.commit()
            if result == CODE_OK:
                return Verified(EmailOtpProvider.name, EmailOtpProvider.name, EmailOtpProvider.assurance)
            if result == CODE_LOCKED:
                return redirect(locked)
            if result == CODE_EXPIRED:
                form.code.errors.append("Koden gäller inte längre. Skicka en ny kod")
            else:
                tries = "ett försök" if left == 1 else f"{left} försök"
                form.code.errors.append(f"Koden stämmer inte. Du har {tries} kvar")
        status = 400
    return render_template("consent/signer/code.html", form=form, send_form=ConfirmForm(), token=token,
                           provider=provider, code_active=bool(link.otp_hash), action=here), status
