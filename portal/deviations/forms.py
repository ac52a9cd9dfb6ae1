from __future__ import annotations

import re

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..formkit import PortalForm, strip_filter
from .lifecycle import ACTIONS

TEXT_MAX = 4000
# Something that looks like a personnummer or samordningsnummer (with or without century and dash).
_PERSONAL_NUMBER_LIKE = re.compile(r"(?<!\d)(\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")


def no_personal_number(form, field):
    if field.data and _PERSONAL_NUMBER_LIKE.search(field.data):
        raise ValidationError("Skriv inte personnummer i rapporten. Koppla rapporten till ärendet i stället.")


class ReportFormBase(PortalForm):
    """The fields outside the form definition: the reporter's own unit and an optional case."""

    reporter_unit = SelectField(
        "Din arbetsplats", validate_choice=False,
        description="Den enhet du arbetar på när du rapporterar. Rapporten går till enhetens chef.",
        validators=[InputRequired("Välj din arbetsplats")])
    case_ref = SelectField(
        "Koppla till ett ärende", validate_choice=False,
        description="Frivilligt. Bara ärenden som du har tillgång till. Den som läser rapporten ser ärendets "
                    "uppgifter bara om den själv har tillgång till ärendet.",
        validators=[Optional()])


class DraftReportFormBase(ReportFormBase):
    reporter_unit = SelectField("Din arbetsplats", validate_choice=False, validators=[Optional()],
                                description=ReportFormBase.reporter_unit.kwargs["description"])


class SignForm(PortalForm):
    signed_name = StringField("Ditt namn", filters=[strip_filter],
                              description="Skriv ditt namn som underskrift.",
                              validators=[DataRequired("Skriv ditt namn för att skriva under rapporten"),
                                          Length(max=200, message="Namnet får vara högst 200 tecken")])
    confirm = BooleanField("Jag intygar att uppgifterna stämmer och att jag har informerat min närmaste chef "
                           "om händelsen",
                           validators=[DataRequired("Kryssa i att uppgifterna stämmer och att du har informerat "
                                                    "din närmaste chef")])


def action_form_class(action: str):
    """A small form for one action: its text (if any) and, for the co-signature, a confirmation."""
    spec = ACTIONS[action]
    attrs = {}
    if spec.text_label:
        validators = [Length(max=TEXT_MAX, message=f"{spec.text_label} får vara högst {TEXT_MAX} tecken")]
        validators.insert(0, DataRequired(spec.text_error) if spec.text_required else Optional())
        attrs["text"] = TextAreaField(spec.text_label, filters=[strip_filter], validators=validators)
    if action == "cosign":
        attrs["confirm"] = BooleanField(
            "Jag har läst rapporten och skriver under den som rapportörens närmaste chef",
            validators=[DataRequired("Kryssa i att du skriver under som närmaste chef")])
    return type(f"{action}_form", (PortalForm,), attrs)


class AssignForm(PortalForm):
    handler = SelectField("Handläggare", validate_choice=False,
                          description="Den som ska handlägga rapporten. Handläggaren kan läsa rapporten och ändra "
                                      "dess status.",
                          validators=[InputRequired("Välj en handläggare")])


class ManualRouteForm(PortalForm):
    manager = SelectField("Mottagare", validate_choice=False,
                          description="Chefen som ska ta emot rapporten och skriva under den som närmaste chef.",
                          validators=[InputRequired("Välj en chef som ska ta emot rapporten")])


MAX_OPEN_DAYS = 3650


_DAYS_MESSAGE = f"Skriv antalet dagar med siffror, från 1 till {MAX_OPEN_DAYS}, till exempel 30"


def _days_in_range(form, field):
    # The Regexp before it has already bounded the text to at most four digits.
    if not field.errors and not 1 <= int(field.data.strip()) <= MAX_OPEN_DAYS:
        raise ValidationError(_DAYS_MESSAGE)


class InboxDaysForm(PortalForm):
    """The inbox's "open reports older than" filter: a GET form that changes nothing (no CSRF)."""

    class Meta:
        csrf = False

    dagar = StringField("Visa öppna rapporter äldre än (dagar)",
                        validators=[Optional(), Regexp(r"^\s*[0-9]{1,4}\s*$", message=_DAYS_MESSAGE),
                                    _days_in_range])

    def days(self, default: int) -> int:
        """The number asked for, or ``default`` when none or a wrong one was given."""
        return int(self.dagar.data.strip()) if self.dagar.data and not self.dagar.errors else default
