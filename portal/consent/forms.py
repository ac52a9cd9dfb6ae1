"""Forms: the request (forms/consent_request.yaml through portal.formdefs, plus the signer
selection built here), and the signer's and staff member's small forms."""
from __future__ import annotations

from flask import current_app
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..directory import current_directory
from ..formdefs import build_form, get_definition, keys, record_of
from ..formkit import PortalForm, strip_filter
from ..notify.guard import contains_personal_number
from . import rules
from .models import CHILD, GUARDIAN
from .service import signer_options

UNITS, MONTHS, CONTACT_UNIT, CONTACT_NAME, CONTACT_EMAIL, CONTACT_PHONE = keys(
    "consent_request", "units__units", "validity__months", "contact__unit", "contact__name", "contact__email",
    "contact__phone")

CHANNELS = [("email", "Med en personlig länk i e-post"),
            ("in_person", "Här på plats, på min dator eller surfplatta (jag kontrollerar identiteten)")]
YES_NO = [("ja", "Ja"), ("nej", "Nej")]


def _signer_base(options, case, plan: list[dict] | None):
    """A PortalForm subclass with one channel choice per signer (and the child question).

    The e-mail address is not asked for here: a personal link goes to the address on the
    guardian's record (the child's: on the case), shown on the page (issue 28)."""
    plan = plan or []
    by_guardian = {p.get("guardian_id"): p for p in plan if p["role"] == GUARDIAN}
    child_plan = next((p for p in plan if p["role"] == CHILD), None)
    attrs = {}
    for g in options.guardians:
        p = by_guardian.get(g.id, {})
        attrs[f"signer_g{g.id}_channel"] = RadioField(
            f"Hur ska {g.name} skriva under?", choices=CHANNELS,
            default=p.get("channel") or ("email" if g.email else "in_person"),
            validators=[InputRequired(f"Välj hur {g.name} ska skriva under")])
    child_label = case.child_name
    if options.rule not in (rules.CHILD_ALONE, rules.CHILD_REQUIRED):
        default = ("ja" if child_plan else "nej") if plan else (None if options.rule == rules.CHILD_SUGGESTED else "nej")
        attrs["signer_child_include"] = RadioField(
            f"Ska {child_label} också tillfrågas?", choices=YES_NO, default=default,
            validators=[InputRequired(f"Välj om {child_label} också ska tillfrågas")])
    cp = child_plan or {}
    attrs["signer_child_channel"] = RadioField(
        f"Hur ska {child_label} skriva under?", choices=CHANNELS,
        default=cp.get("channel") or ("email" if options.child_email else "in_person"), validators=[Optional()])
    return type("ConsentRequestSigners", (PortalForm,), attrs)


def request_form(case, user, *, record: dict | None = None, plan: list[dict] | None = None):
    """The request form: the YAML definition plus the signer selection, one CSRF token."""
    directory = current_directory()
    options = signer_options(case)
    definition = get_definition("consent_request")
    own = [k for k in directory.units if k in user.unit_keys]
    if record is None:
        contact_unit = case.unit_key if case.unit_key in own else (own[0] if own else "")
        record = record_of({UNITS: [case.unit_key], MONTHS: current_app.config["PORTAL_CONSENT_DEFAULT_MONTHS"],
                            CONTACT_UNIT: contact_unit, CONTACT_NAME: user.name, CONTACT_EMAIL: user.email})
    form = build_form(definition, record=record, base=_signer_base(options, case, plan), base_fields_last=True,
                      choices={"unit": directory.unit_choices(), "own_unit": directory.unit_choices(set(own))})
    form.signer_options = options
    form.case = case
    return form


def child_included(form) -> bool:
    rule = form.signer_options.rule
    if rule in (rules.CHILD_ALONE, rules.CHILD_REQUIRED):
        return True
    return form["signer_child_include"].data == "ja"


def validate_request(form) -> bool:
    """form.validate() (with the definition's own cross-field rules) plus the rules that need the
    configuration or the case. Adds Swedish errors to the fields."""
    ok = form.validate()
    config = current_app.config
    months = form[MONTHS.name]
    if months.data is not None and not months.errors:
        maximum = config["PORTAL_CONSENT_MAX_MONTHS"]
        if months.data < 1:
            months.errors.append("Samtycket måste gälla minst 1 månad")
        elif months.data > maximum:
            months.errors.append(f"Samtycket kan gälla högst {maximum} månader")
    options = form.signer_options
    for g in options.guardians:
        channel = form[f"signer_g{g.id}_channel"]
        if channel.data == "email" and not g.email and not channel.errors:
            channel.errors.append(f"{g.name} har ingen e-postadress i ärendet. Lägg till den hos vårdnadshavaren, "
                                  "eller välj att hen skriver under här på plats")
    if child_included(form):
        channel = form["signer_child_channel"]
        if channel.data not in ("email", "in_person"):
            channel.errors.append(f"Välj hur {form.case.child_name} ska skriva under")
        elif channel.data == "email" and not options.child_email:
            channel.errors.append(f"{form.case.child_name} har ingen e-postadress i ärendet. Lägg till den i barnets "
                                  "uppgifter, eller välj att hen skriver under här på plats")
    if not options.guardians and not child_included(form):
        ok = False
    _no_personal_number_in_contact(form)
    return ok and not any(f.errors for f in form)


def _no_personal_number_in_contact(form) -> None:
    """The contact's e-mail and phone stand in every e-mail to the signers; the e-mail guard
    refuses a message with something like a personal number, so say so here, next to the field."""
    for key, message in ((CONTACT_PHONE, "Telefonnumret ser ut som ett personnummer. Skriv det med mellanslag, "
                                         "till exempel 070-123 45 67"),
                         (CONTACT_EMAIL, "Skriv inte personnummer i e-postadressen")):
        field = form._fields.get(key.name)
        if field is not None and not field.errors and contains_personal_number(field.data or ""):
            field.errors.append(message)


def signer_plan(form) -> list[dict]:
    plan = []
    for g in form.signer_options.guardians:
        channel = form[f"signer_g{g.id}_channel"].data
        plan.append({"role": GUARDIAN, "guardian_id": g.id, "channel": channel})
    if child_included(form):
        plan.append({"role": CHILD, "channel": form["signer_child_channel"].data})
    return plan


def signer_fields(form):
    """[(heading, channel_field, guardian)] in page order, for the template (the address is the guardian's)."""
    rows = []
    for g in form.signer_options.guardians:
        rows.append((f"Vårdnadshavare: {g.name}", form[f"signer_g{g.id}_channel"], g))
    return rows


class CodeForm(PortalForm):
    code = StringField("Engångskod", filters=[strip_filter], description="Sex siffror. Koden finns i e-posten vi skickade.",
                       validators=[DataRequired("Skriv koden från e-posten"),
                                   Regexp(r"^\s*\d{6}\s*$", message="Koden har sex siffror")])


class SignForm(PortalForm):
    understood = BooleanField("Jag har läst texten. Jag förstår vad samtycket gäller.",
                              validators=[DataRequired("Kryssa i att du har läst och förstått texten")])
    name = StringField("Skriv ditt namn", filters=[strip_filter],
                       validators=[DataRequired("Skriv ditt namn för att skriva under"),
                                   Length(max=200, message="Namnet får vara högst 200 tecken")])
    text_sha256 = HiddenField()


class DeclineForm(PortalForm):
    reason = TextAreaField("Vill du berätta varför?", filters=[strip_filter],
                           description="Du behöver inte skriva något.",
                           validators=[Optional(), Length(max=1000, message="Du kan skriva högst 1000 tecken")])


class WithdrawForm(PortalForm):
    confirm = BooleanField("Ja, jag vill återkalla samtycket",
                           validators=[DataRequired("Kryssa i rutan om du vill återkalla samtycket")])
    reason = TextAreaField("Vill du berätta varför?", filters=[strip_filter], description="Du behöver inte skriva något.",
                           validators=[Optional(), Length(max=1000, message="Du kan skriva högst 1000 tecken")])


WITHDRAW_CHANNELS = [("phone", "I telefon"), ("meeting", "Vid ett möte eller besök"),
                     ("letter", "Skriftligt, i brev eller e-post")]


class StaffWithdrawForm(PortalForm):
    channel = RadioField("Hur sa personen det?", choices=WITHDRAW_CHANNELS,
                         validators=[InputRequired("Välj hur personen sa att hen återkallar samtycket")])
    confirm = BooleanField("Personen har själv sagt att hen återkallar samtycket, och jag är säker på vem hen är",
                           validators=[DataRequired("Kryssa i att personen själv har återkallat samtycket")])
    reason = TextAreaField("Anteckning", filters=[strip_filter], description="Frivilligt. Skriv inga känsliga uppgifter.",
                           validators=[Optional(), Length(max=1000, message="Anteckningen får vara högst 1000 tecken")])


class InPersonIdentityForm(PortalForm):
    confirm = BooleanField("Jag har kontrollerat personens identitet med en giltig id-handling",
                           validators=[DataRequired("Kryssa i att du har kontrollerat personens identitet")])


class ConfirmForm(PortalForm):
    """CSRF only: for buttons (resend, remind, delete draft, send code)."""
