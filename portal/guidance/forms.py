from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import HiddenField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ..formkit import PortalForm
from ..templating import swedish_datetime
from ..timeutil import local


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # Unknown item keys are ignored by the view, never an error for the user.
        pass


class ChecklistForm(PortalForm):
    shown = HiddenField()   # the items that were ticked when the form was shown


def field_name(section_key: str) -> str:
    return "section_" + section_key.replace("-", "_")


def item_label(state) -> Markup:
    """The item text, and who ticked or unticked it and when."""
    text = escape(state.text)
    tick = state.tick
    if tick is None:
        return Markup(text)
    who = escape(tick.user.name) if tick.user is not None else "en borttagen användare"
    when = escape(swedish_datetime(local(tick.at)))
    what = "Avbockad" if tick.ticked else "Bocken togs bort"
    return Markup(f'{text}<span class="checklist-meta">{what} av {who} {when}</span>')


def build_form(checklist, item_states, formdata=None) -> ChecklistForm:
    """A form with one group of checkboxes per checklist section."""
    attrs = {}
    for section, _ in item_states:
        attrs[field_name(section.key)] = MultiCheckboxField(section.title, choices=[])
    form_class = type("GreenCardForm", (ChecklistForm,), attrs)
    form = form_class(formdata=formdata, prefix="checklista")
    ticked = sorted(s.key for _, items in item_states for s in items if s.ticked)
    for section, items in item_states:
        field = form[field_name(section.key)]
        field.choices = [(s.key, item_label(s)) for s in items]
        if formdata is None:
            field.data = [s.key for s in items if s.ticked]
    if formdata is None:
        form.shown.data = " ".join(ticked)
    return form


def submitted_keys(form, item_states) -> set[str]:
    keys: set[str] = set()
    for section, _ in item_states:
        keys |= set(form[field_name(section.key)].data or [])
    return keys
