"""The one transaction helper of the views: `with saving(form) as saved:` commits when the block
ends normally; when a service raises a DomainError (portal/errors.py) it rolls back and puts the
error's Swedish message next to its field, in the form's error summary or, without a form, in a
flash message; any other exception (in the block or at the commit) rolls back and goes on (a 500
page, nothing half-saved).

    with saving(form) as saved:
        service.change_contact(case, plan, form.old.data, form.new.data, current_user)
    if saved:
        flash("Kontaktpersonen är bytt.", "success")
        return redirect(...)
    return render_template(..., form=form), 400
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import flash

from ..errors import DomainError
from ..extensions import db


class Saved:
    """True after a commit; `error` holds the DomainError that stopped it and `on_form` says
    whether its message went onto the form (a field or the error summary: show the form again)."""

    def __init__(self):
        self.ok = False
        self.on_form = False
        self.cancelled = False
        self.error: DomainError | None = None

    def cancel(self) -> None:
        """Roll back instead of committing (a service answered with problems to show)."""
        self.cancelled = True

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def saving(form=None, *, flash_other: bool = False):
    """flash_other: an error that belongs to no field of `form` is flashed, not put in the error
    summary (for views that answer it with a redirect)."""
    saved = Saved()
    try:
        yield saved
        if saved.cancelled:
            db.session.rollback()
            return
        db.session.commit()   # a DomainError raised at the flush is shown like one raised in the block
    except DomainError as exc:
        db.session.rollback()
        saved.error = exc
        saved.on_form = show_error(form, exc, flash_other)
        return
    except BaseException:
        db.session.rollback()
        raise
    saved.ok = True


def show_error(form, exc: DomainError, flash_other: bool = False) -> bool:
    """The message next to its field, else in the error summary, else flashed; True when on the form."""
    message = str(exc)
    if form is not None and exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, message]
        return True
    if form is None or flash_other:
        flash(message, "error")
        return False
    form.form_errors.append(message)
    return True
