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
        here = url_for("consent.identify", token=token, provider=self.name)
        if request.method == "POST" and request.form.get("action") == "send":
            form = ConfirmForm()
            if form.validate_on_submit():
                try:
                    sent = issue_code(link)
                except ConsentError:
                    db.session.rollback()
                    flash("Vi kunde inte skicka någon kod. Kontakta personen som skickade länken.", "error")
                    return redirect(here)
                db.session.commit()
                if sent:
                    flash("Vi har skickat en kod till din e-post. Det kan ta någon minut innan den kommer fram.", "success")
                else:
                    flash("Vi kan inte skicka fler koder till den här länken. Kontakta personen som skickade länken.", "error")
            return redirect(here)
        form = CodeForm()
        status = 200
        if request.method == "POST" and request.form.get("action") == "verify":
            if form.validate_on_submit():
                result, left = check_code(link, form.code.data)
                db.session.commit()
                if result == CODE_OK:
                    return Verified(self.name, self.name, self.assurance)
                if result == CODE_LOCKED:
                    return redirect(url_for("consent.signer_home", token=token))
                if result == CODE_EXPIRED:
                    form.code.errors.append("Koden gäller inte längre. Skicka en ny kod")
                else:
                    tries = "ett försök" if left == 1 else f"{left} försök"
                    form.code.errors.append(f"Koden stämmer inte. Du har {tries} kvar")
            status = 400
        code_active = bool(link.otp_hash)
        return render_template("consent/signer/code.html", form=form, send_form=ConfirmForm(), token=token,
                               provider=self, code_active=code_active, action=here), status
