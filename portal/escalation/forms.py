"""The referral and decision forms (Swedish messages; limits as the model's)."""
from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..formkit import PortalForm, strip_filter
from ..notify.guard import contains_personal_number
from .models import DECISION_MAX, QUESTION_MAX


def no_personal_number(form, field):
    """A referral is told of by e-mail and read by people outside the case: never a personnummer."""
    if contains_personal_number(field.data or ""):
        raise ValidationError("Skriv inte personnummer här. Ärendet känns igen på sitt ärendenummer")


class ReferForm(PortalForm):
    question = TextAreaField(
        "Vad är ni oense om?",
        description="Beskriv frågan om ansvarsfördelningen, utan personnummer.",
        filters=[strip_filter],
        validators=[DataRequired("Beskriv vad ni är oense om"),
                    Length(max=QUESTION_MAX, message=f"Beskrivningen får vara högst {QUESTION_MAX} tecken"),
                    no_personal_number])


class DecisionForm(PortalForm):
    decision = TextAreaField(
        "Beslut eller svar", filters=[strip_filter],
        validators=[DataRequired("Skriv beslutet eller svaret"),
                    Length(max=DECISION_MAX, message=f"Beslutet får vara högst {DECISION_MAX} tecken"),
                    no_personal_number])
    resolved = RadioField("Löste beslutet frågan?", choices=[("ja", "Ja"), ("nej", "Nej, frågan går vidare")],
                          validators=[DataRequired("Välj om beslutet löste frågan")])
