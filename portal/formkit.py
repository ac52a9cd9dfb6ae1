"""Shared WTForms pieces: the base form with Swedish messages, a three-part date field,
and validators used by every feature's forms."""
from __future__ import annotations

import datetime as dt
import functools

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.i18n import get_translations
from wtforms.meta import DefaultMeta
from wtforms.utils import unset_value
from wtforms.validators import Length, StopValidation, ValidationError

from .notify.guard import contains_personal_number
from .personal_number import PersonalNumberError, parse_personal_number


def render_without_maxlength(meta, field, render_kw):
    """Renders a field without the HTML maxlength attribute WTForms takes from a Length validator.

    The browser's maxlength cuts pasted text silently (issue 29). The limit is told in the hint
    (the character count of the textarea macro) and the server refuses longer text with a message."""
    return DefaultMeta.render_field(meta, field, {**render_kw, "maxlength": False})


@functools.cache
def _swedish_messages():
    """WTForms' Swedish catalogue, found once: every form built asks for it (gettext looks for the
    files on disk and copies the catalogue each time it is asked)."""
    return get_translations(PortalForm.Meta.locales)


class PortalForm(FlaskForm):
    """Base for every form: CSRF from Flask-WTF, WTForms' own Swedish messages as fallback."""

    class Meta:
        locales = ["sv_SE", "sv"]
        render_field = render_without_maxlength

        def get_translations(self, form):  # WTForms' bundled Swedish translations
            return _swedish_messages()


class DateField(Field):
    """A date entered as day, month and year in three inputs (the GOV.UK date pattern).

    Keeps what the user typed so nothing is lost when validation fails."""

    PARTS = (("day", "Dag", 2), ("month", "Månad", 2), ("year", "År", 4))

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.raw_parts = {"day": "", "month": "", "year": ""}

    def parts(self):
        for key, label, width in self.PARTS:
            yield key, label, width, self.raw_parts.get(key, "")

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        if data is None or data is unset_value:  # unset_value: no data given (e.g. a new draft)
            data = self.default() if callable(self.default) else self.default
        self.data = data
        self.object_data = data
        if isinstance(data, dt.date):
            self.raw_parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None and any(f"{self.name}-{k}" in formdata for k, _, _ in self.PARTS):
            self.raw_parts = {k: (formdata.get(f"{self.name}-{k}") or "").strip() for k, _, _ in self.PARTS}
            self.raw_data = [self.raw_parts[k] for k, _, _ in self.PARTS]
            self.data = None
            if any(self.raw_data):
                try:
                    day, month, year = (int(self.raw_parts[k]) for k in ("day", "month", "year"))
                    if year < 1000:
                        raise ValueError
                    self.data = dt.date(year, month, day)
                except ValueError:
                    self.process_errors.append(f"{self.label.text} måste vara ett riktigt datum")
        elif formdata is not None:
            self.raw_data = []

    def pre_validate(self, form):
        if self.process_errors:
            # An impossible date: keep that message; "required" must not replace it.
            raise StopValidation()

    def _value(self):
        return self.data.isoformat() if self.data else ""

    def __call__(self, **kwargs):  # rendered by the date_input macro
        return ""


class MaxLength(Length):
    """A limit in characters. Over it: "<label> får vara högst N tecken" (unless a message is given)."""

    def __init__(self, max: int, message: str | None = None):
        super().__init__(max=max, message=message)

    def __call__(self, form, field):
        if self.message is None and field.data is not None and len(field.data) > self.max:
            raise ValidationError(f"{field.label.text} får vara högst {self.max} tecken")
        super().__call__(form, field)


class PersonalNumber:
    """Validates a personnummer or samordningsnummer: format, checksum and date."""

    def __init__(self, allow_future: bool = False):
        self.allow_future = allow_future

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.parsed = parse_personal_number(field.data)
        except PersonalNumberError as exc:
            raise ValidationError(str(exc)) from None
        field.data = field.parsed.formatted


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class NoPersonalNumber:
    """Refuses text that holds a personnummer or samordningsnummer, by the same rule as the
    e-mail guard (portal.notify.guard): for fields that end up in e-mails or calendar files, so
    the mistake is shown next to the field instead of failing when the message is made."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if isinstance(field.data, str) and contains_personal_number(field.data):
            raise ValidationError(self.message)
