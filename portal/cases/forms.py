from dataclasses import dataclass

from flask import current_app
from wtforms import EmailField, RadioField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from ..formkit import MaxLength, NoPersonalNumber, PersonalNumber, PortalForm, strip_filter
from ..timeutil import today_local

MAX_AGE = 20  # Norrbus: children and young people up to and including 20 years (without a routine's own)
# A name stands in the calendar file of the person's own meeting invitation.
NUMBER_NOT_IN_NAME = NoPersonalNumber("Skriv bara namnet här. Personnumret har ett eget fält")


@dataclass(frozen=True)
class AgeRule:
    max_age: int
    why: str   # "Norrbus gäller barn och unga till och med 20 år" (the routine's, or the portal's reading)


def age_rule_for(unit_key: str | None) -> AgeRule | None:
    """The age limit of the routine a case opened at the unit follows. The plans package registers
    the lookup (app.extensions["cases.age_rule"]); without it, Norrbus's 20 years."""
    lookup = current_app.extensions.get("cases.age_rule")
    rule = lookup(unit_key) if lookup else None
    return AgeRule(*rule) if rule else AgeRule(MAX_AGE, "Norrbus gäller barn och unga till och med 20 år")


def _email_validators():
    return [Optional(), Email("Ange en e-postadress i rätt format, till exempel namn@exempel.se"), MaxLength(254)]


class CaseForm(PortalForm):
    child_name = StringField("Barnets eller den unges namn", filters=[strip_filter],
                             validators=[DataRequired("Ange barnets eller den unges namn"), MaxLength(200), NUMBER_NOT_IN_NAME])
    personal_number = StringField(
        "Personnummer eller samordningsnummer", filters=[strip_filter],
        description="12 siffror, till exempel 20150314-1234",
        validators=[DataRequired("Ange personnummer eller samordningsnummer"), PersonalNumber()])
    address = StringField("Adress", filters=[strip_filter], validators=[Optional(), MaxLength(300)])
    phone = TelField("Telefon", filters=[strip_filter], validators=[Optional(), MaxLength(40)])
    email = EmailField("E-postadress", filters=[strip_filter], validators=_email_validators())
    unit_key = SelectField("Enhet som öppnar ärendet", validators=[DataRequired("Välj vilken enhet som öppnar ärendet")])

    def validate_personal_number(self, field):
        parsed = getattr(field, "parsed", None)
        if parsed is None:
            return
        age = parsed.age_on(today_local())
        rule = age_rule_for(self.unit_key.data)
        if rule is not None and age > rule.max_age:
            raise ValidationError(f"Personen är {age} år. {rule.why}, så portalen kan inte öppna ärendet")


class GuardianForm(PortalForm):
    name = StringField("Namn", filters=[strip_filter], validators=[DataRequired("Ange vårdnadshavarens namn"), MaxLength(200),
                                                                           NUMBER_NOT_IN_NAME])
    personal_number = StringField("Personnummer", filters=[strip_filter], description="Frivilligt. 12 siffror, till exempel 19800101-1234",
                                  validators=[Optional(), PersonalNumber()])
    address = StringField("Adress", filters=[strip_filter], validators=[Optional(), MaxLength(300)])
    phone = TelField("Telefon", filters=[strip_filter], validators=[Optional(), MaxLength(40)])
    email = EmailField("E-postadress", filters=[strip_filter], description="Behövs för att kunna skicka samtycken och kallelser digitalt.",
                       validators=_email_validators())
    has_custody = RadioField("Har personen vårdnaden om barnet?", choices=[("ja", "Ja"), ("nej", "Nej")],
                             validators=[DataRequired("Ange om personen har vårdnaden om barnet")])

    def validate_personal_number(self, field):
        parsed = getattr(field, "parsed", None)
        if parsed and parsed.age_on(today_local()) < 15:
            raise ValidationError("Personnumret tillhör ett barn. Kontrollera att det är vårdnadshavarens personnummer")


class ConfirmForm(PortalForm):
    """An empty form for POST buttons (close, delete): CSRF only."""


