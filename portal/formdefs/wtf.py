"""Building WTForms forms from a FormDefinition, and turning them into stored records."""
from __future__ import annotations

import datetime as dt
import itertools

from flask import request
from wtforms import (BooleanField, EmailField, FieldList, FormField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, TelField, TextAreaField)
from wtforms import Form as BaseForm
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange, Optional, StopValidation,
                                ValidationError)
from wtforms.widgets import CheckboxInput, ListWidget

from ..formkit import DateField, MaxLength, PersonalNumber, PortalForm, render_without_maxlength, strip_filter
from ..templating import swedish_date
from ..timeutil import today_local
from .definition import FREE_TEXT, FieldDef, FormDefinition

ACTION = "formdefs_action"


class _EntryForm(BaseForm):
    """One entry of a repeating group (no CSRF of its own)."""

    class Meta:
        locales = ["sv_SE", "sv"]
        render_field = render_without_maxlength


class _RepeatList(FieldList):
    """A repeating group: entries left completely empty are ignored, not validated."""

    def validate(self, form, extra_validators=()):
        self.errors = []
        for entry in self.entries:
            if _entry_empty(entry):
                self.errors.append({})
                continue
            entry.validate(form)
            self.errors.append(entry.errors)
        if not any(self.errors):
            self.errors = []
        self._run_validation_chain(form, itertools.chain(self.validators, extra_validators))
        return len([e for e in self.errors if e]) == 0


class _MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choice_check(message):
    def check(form, field):
        valid = {str(v) for v, _ in (field.choices or [])}
        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if value not in (None, "") and str(value) not in valid:
                raise ValidationError(message)
    return check


def _not_future(form, field):
    if field.data and field.data > today_local():
        raise ValidationError(f"{field.label.text} kan inte vara ett datum i framtiden")


def _empty(value) -> bool:
    return value in (None, "", [], False)


def _required_if(fd: FieldDef, other_name: str, low: str):
    """The field is required when the field `other_name` (same section) equals the value, or,
    when several can be chosen, has it among its choices."""
    wanted = fd.required_if[1]
    message = fd.error or f"Fyll i {low}"

    def check(form, field):
        value = form[other_name].data
        if isinstance(wanted, bool):
            applies = bool(value) == wanted
        elif isinstance(value, (list, tuple)):
            applies = str(wanted) in {str(v) for v in value}
        else:
            applies = value is not None and str(value) == str(wanted)
        if applies and _empty(field.data):
            raise StopValidation(message)
    return check


def _min_choices(fd: FieldDef, low: str):
    message = fd.min_choices_error or f"Välj minst {fd.min_choices} alternativ för {low}"

    def check(form, field):
        if field.data and len(field.data) < fd.min_choices and not field.errors:
            raise ValidationError(message)
    return check


def _field(fd: FieldDef, draft: bool, choices: dict, sibling=lambda key: key):
    label = fd.label
    low = label[0].lower() + label[1:] if label else label
    validators = []
    if fd.required_if and not draft:
        validators.append(_required_if(fd, sibling(fd.required_if[0]), low))  # before Optional, which stops the chain
    if fd.required and not draft:
        if fd.type in ("choice", "select", "unit"):
            validators.append(InputRequired(fd.error or f"Välj {low}"))
        elif fd.type == "multichoice":
            validators.append(DataRequired(fd.error or f"Välj minst ett alternativ för {low}"))
        elif fd.type == "boolean":
            validators.append(DataRequired(fd.error or f"Kryssa i rutan: {low}"))
        elif fd.type == "date":
            validators.append(DataRequired(fd.error or f"Ange {low}"))
        else:
            validators.append(DataRequired(fd.error or f"Fyll i {low}"))
    elif fd.type not in ("boolean", "date"):
        validators.append(Optional())
    if fd.max_length and fd.type in FREE_TEXT:
        validators.append(MaxLength(fd.max_length))  # "<label> får vara högst N tecken"
    kw = {"description": fd.help, "validators": validators}
    text = {"filters": [strip_filter]}
    t = fd.type
    if t == "text":
        return StringField(label, **kw, **text)
    if t == "textarea":
        return TextAreaField(label, **kw, **text)
    if t == "email":
        validators.append(Email(f"Ange {low} i rätt format, till exempel namn@exempel.se"))
        return EmailField(label, **kw, **text)
    if t == "phone":
        return TelField(label, **kw, **text)
    if t == "personal_number":
        validators.append(PersonalNumber())
        return StringField(label, **kw, **text)
    if t == "number":
        validators.append(NumberRange(min=0, message=f"{label} ska vara ett tal som är 0 eller större"))
        return IntegerField(label, **kw)
    if t == "date":
        if fd.not_future:
            validators.append(_not_future)
        return DateField(label, **kw)
    if t == "boolean":
        return BooleanField(label, **kw)
    opts = list(fd.choices) if not fd.choices_from else list(choices.get(fd.choices_from, []))
    check = _choice_check(f"Välj ett av alternativen för {low}")
    validators.append(check)
    if fd.min_choices and not draft:
        validators.append(_min_choices(fd, low))
    if t == "choice":
        return RadioField(label, choices=opts, validate_choice=False, **kw)
    if t == "multichoice":
        return _MultiCheckbox(label, choices=opts, validate_choice=False, **kw)
    # select / unit: a drop-down with an empty first option
    return SelectField(label, choices=[("", "Välj")] + opts, validate_choice=False, **kw)


def build_form(definition: FormDefinition, *, record: dict | None = None, draft: bool = False,
               choices: dict | None = None, formdata=None, base=PortalForm, prefix: str = "",
               base_fields_last: bool = False):
    """A form instance for the definition. On POST the submitted data wins; otherwise `record`.
    base_fields_last: the base class's own fields come after the definition's (the page shows them
    below it), so that the error summary lists the errors in the page's order."""
    choices = choices or {}
    attrs = {}
    for section in definition.sections:
        if section.repeat:
            entry_attrs = {fd.key: _field(fd, draft, choices) for fd in section.fields}
            entry_cls = type(f"{definition.key}_{section.key}_entry", (_EntryForm,), entry_attrs)
            validators = [] if draft or not section.min_entries else [_min_entries(section)]
            attrs[section.key] = _RepeatList(FormField(entry_cls), min_entries=max(section.min_entries, 1),
                                             max_entries=section.max_entries, label=section.title, validators=validators)
        else:
            for fd in section.fields:
                attrs[f"{section.key}__{fd.key}"] = _field(fd, draft, choices,
                                                           sibling=lambda k, s=section.key: f"{s}__{k}")
    cls = type(f"{definition.key}_form", (base,), attrs)
    if base_fields_last:
        unbound = [(name, getattr(cls, name)) for name in dir(cls)
                   if not name.startswith("_") and hasattr(getattr(cls, name), "_formfield")]
        cls._unbound_fields = sorted(unbound, key=lambda f: (f[0] not in attrs, f[1].creation_counter, f[0]))
    data = _record_to_data(definition, record or {})
    kwargs = {"data": data, "prefix": prefix}
    if formdata is not None:
        kwargs["formdata"] = formdata
    form = cls(**kwargs)
    form.definition = definition
    form.to_record = lambda: form_to_record(definition, form)
    return form


def _min_entries(section):
    def check(form, field):
        filled = [e for e in field.entries if not _entry_empty(e)]
        if len(filled) < section.min_entries:
            raise ValidationError(f"Lägg till minst {section.min_entries} {section.item_label.lower() or 'rad'}")
    return check


def _entry_empty(entry) -> bool:
    return all(v in (None, "", [], False) for v in entry.data.values())


_TEXTUAL = {"text", "textarea", "email", "phone", "personal_number", "choice", "select", "unit"}


def _to_json(value, fd: FieldDef | None = None):
    if value is None and fd is not None:
        return "" if fd.type in _TEXTUAL else ([] if fd.type == "multichoice" else None)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    return value


def _from_json(fd: FieldDef, value):
    if fd.type == "date" and isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def form_to_record(definition: FormDefinition, form) -> dict:
    record = {}
    for section in definition.sections:
        if section.repeat:
            entries = []
            for entry in form[section.key].entries:
                if _entry_empty(entry):
                    continue
                entries.append({fd.key: _to_json(entry[fd.key].data, fd) for fd in section.fields})
            record[section.key] = entries
        else:
            record[section.key] = {fd.key: _to_json(form[f"{section.key}__{fd.key}"].data, fd) for fd in section.fields}
    return record


def _record_to_data(definition: FormDefinition, record: dict) -> dict:
    data = {}
    for section in definition.sections:
        value = record.get(section.key)
        if section.repeat:
            if value:
                data[section.key] = [{fd.key: _from_json(fd, e.get(fd.key)) for fd in section.fields} for e in value]
        elif isinstance(value, dict):
            for fd in section.fields:
                if fd.key in value:
                    data[f"{section.key}__{fd.key}"] = _from_json(fd, value[fd.key])
    return data


def handle_repeat_buttons(form) -> bool:
    """Applies an "add entry" / "remove entry" click. True when the POST was such a click.

    form.focus_id names the entry the page shows with focus (the macros add autofocus to it): the
    new one after "Lägg till …", the one before the removed one after "Ta bort …", so that the
    keyboard and screen reader user continues where they clicked, not at the top of the page."""
    action = request.form.get(ACTION, "") if request.method == "POST" else ""
    if not action:
        return False
    parts = action.split(":")
    if parts[0] == "add" and len(parts) == 2 and parts[1] in form:
        field = form[parts[1]]
        if len(field.entries) < (field.max_entries or 100):
            field.append_entry()
        form.focus_id = field.entries[-1].id if field.entries else ""
        return True
    if parts[0] == "remove" and len(parts) == 3 and parts[1] in form:
        field = form[parts[1]]
        try:
            index = int(parts[2])
        except ValueError:
            return True
        field.entries = [e for i, e in enumerate(field.entries) if i != index]
        form.focus_id = field.entries[max(min(index, len(field.entries)) - 1, 0)].id if field.entries else ""
        return True
    return True


def limit_errors(form) -> bool:
    """Checks only the length limits of every field (entries of repeating groups too) and puts
    their messages on the fields. True when some text is over its limit: such a form is refused,
    even as a draft, and nothing already saved is replaced (issue 27)."""
    over = False
    for owner, field in _leaf_fields(form):
        if not isinstance(field.data, str):
            continue
        for validator in field.validators:
            if isinstance(validator, Length):
                try:
                    validator(owner, field)
                except ValidationError as exc:
                    field.errors = list(field.errors or []) + [str(exc)]
                    over = True
    return over


def _leaf_fields(form):
    """(the form that holds it, field) for every field, entries of repeating groups included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from (_leaf_fields(entry.form) if isinstance(entry, FormField) else [(form, entry)])
        else:
            yield form, field


def display_value(fd: FieldDef, value, labels: dict | None = None) -> str:
    labels = labels or {}
    if value in (None, "", []):
        return ""
    if fd.type == "boolean":
        return "Ja" if value else "Nej"
    if fd.type == "date":
        try:
            return swedish_date(dt.date.fromisoformat(value) if isinstance(value, str) else value)
        except ValueError:
            return str(value)
    if fd.choices_from and fd.choices_from in labels:
        lookup = labels[fd.choices_from]
        return ", ".join(lookup(v) for v in value) if isinstance(value, list) else lookup(value)
    if fd.choices:
        mapping = dict(fd.choices)
        return ", ".join(mapping.get(v, v) for v in value) if isinstance(value, list) else mapping.get(value, value)
    return str(value)


def summary_sections(definition: FormDefinition, record: dict, labels: dict | None = None, only_filled: bool = False):
    """[(section, rows | [(entry_title, rows), ...])] where rows = [(label, text)] – for summaries and PDFs."""
    result = []
    for section in definition.sections:
        value = record.get(section.key)
        if section.repeat:
            entries = []
            for i, entry in enumerate(value or [], start=1):
                rows = [(fd.label, display_value(fd, entry.get(fd.key), labels)) for fd in section.fields if fd.pdf]
                entries.append((f"{section.item_label or section.title} {i}", rows))
            if entries or not only_filled:
                result.append((section, entries))
        else:
            value = value or {}
            rows = [(fd.label, display_value(fd, value.get(fd.key), labels)) for fd in section.fields if fd.pdf]
            if only_filled and not any(text for _, text in rows):
                continue
            result.append((section, rows))
    return result
