from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..formkit import PortalForm, strip_filter
from .models import ROLES
from .passwords import password_problem


class LoginForm(PortalForm):
    email = EmailField("E-postadress", filters=[strip_filter],
                       validators=[DataRequired("Ange din e-postadress"), Length(max=254)])
    password = PasswordField("Lösenord", validators=[DataRequired("Ange ditt lösenord"), Length(max=256)])


class ChangePasswordForm(PortalForm):
    current_password = PasswordField("Nuvarande lösenord", validators=[DataRequired("Ange ditt nuvarande lösenord")])
    new_password = PasswordField(
        "Nytt lösenord",
        description="Minst 12 tecken. En mening av flera ord är lätt att minnas och svår att gissa.",
        validators=[DataRequired("Ange ett nytt lösenord")],
    )
    confirm = PasswordField("Upprepa det nya lösenordet", validators=[
        DataRequired("Upprepa det nya lösenordet"), EqualTo("new_password", "Lösenorden är inte likadana")])

    def validate_new_password(self, field):
        problem = password_problem(field.data or "", email=getattr(self, "_email", ""))
        if problem:
            raise ValidationError(problem)


class EndOtherSessionsForm(PortalForm):
    """"Logga ut från andra enheter": no fields, only the CSRF token."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(PortalForm):
    name = StringField("Namn", filters=[strip_filter], validators=[DataRequired("Ange namn"), Length(max=200)])
    email = EmailField("E-postadress", filters=[strip_filter], validators=[
        DataRequired("Ange e-postadress"), Email("Ange en e-postadress i rätt format, till exempel namn@kommun.se"),
        Length(max=254)])
    role = RadioField("Roll", choices=list(ROLES.items()), default="staff",
                      validators=[DataRequired("Välj en roll")])
    units = MultiCheckboxField("Enheter", description="Kontot ser ärenden där någon av dessa enheter har behörighet.")
    active = BooleanField("Kontot är aktivt", default=True)
    password = PasswordField("Lösenord", description="Minst 12 tecken. Lämna tomt för att behålla det nuvarande.")

    def validate_password(self, field):
        if field.data:
            problem = password_problem(field.data, email=self.email.data or "")
            if problem:
                raise ValidationError(problem)
