"""Forms of the plans feature (the plan itself is built from forms/sip.yaml or forms/barnets_plan.yaml)."""
from __future__ import annotations

import datetime as dt
import re

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..formkit import DateField, NoPersonalNumber, PortalForm, strip_filter
from ..notify.calendar import web_link
from ..timeutil import STOCKHOLM, today_local
from .meetings import CHILD_PARTICIPATION

TIME_RE = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def parse_clock(text: str) -> dt.time | None:
    match = TIME_RE.match((text or "").strip())
    return dt.time(int(match.group(1)), int(match.group(2))) if match else None


class Clock:
    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data and parse_clock(field.data) is None:
            raise ValidationError(self.message)


class ProcessForm(PortalForm):
    process_key = RadioField("Vilket arbetssätt följer ärendet?", validators=[InputRequired("Välj arbetssätt")],
                         validate_choice=False)
    acute = BooleanField("Ärendet är akut", description="Vid akuta ärenden ska mötet hållas snarast möjligt.")

    def validate_process_key(self, field):
        if field.data not in {v for v, _ in self.process_key.choices}:
            raise ValidationError("Välj ett av arbetssätten")


class StepForm(PortalForm):
    done_on = DateField("Datum", validators=[DataRequired("Ange datum då steget gjordes")])
    note = StringField("Kommentar", validators=[Optional(), Length(max=300, message="Kommentaren får vara högst 300 tecken")],
                       filters=[strip_filter], description="Frivilligt. Skriv inga uppgifter om barnet här.")

    def validate_done_on(self, field):
        if field.data and field.data > today_local():
            raise ValidationError("Datum kan inte vara i framtiden")


class MeetingForm(PortalForm):
    day = DateField("Datum", validators=[DataRequired("Ange datum för mötet")])
    start = StringField("Börjar klockan", validators=[DataRequired("Ange när mötet börjar, till exempel 13:00"),
                                                      Clock("Skriv tiden som timmar och minuter, till exempel 13:00")],
                        filters=[strip_filter])
    end = StringField("Slutar klockan", validators=[DataRequired("Ange när mötet slutar, till exempel 14:30"),
                                                    Clock("Skriv tiden som timmar och minuter, till exempel 14:30")],
                      filters=[strip_filter])
    # Place and link are the meeting's only words in the invitation e-mail and calendar file.
    place = StringField("Plats", validators=[Optional(), Length(max=300, message="Platsen får vara högst 300 tecken"),
                                             NoPersonalNumber("Skriv inte personnummer i mötesplatsen. Platsen står "
                                                              "i kallelsen och i kalenderinbjudan.")],
                        filters=[strip_filter],
                        description="Till exempel ett rum i en av verksamheterna. Skriv inte familjens adress – "
                                    "platsen står i kalenderinbjudan.")
    digital_link = StringField("Länk till digitalt möte", validators=[Optional(), Length(max=500, message="Länken får vara högst 500 tecken"),
                                                                      NoPersonalNumber("Skriv inte personnummer i länken. Länken står "
                                                                                       "i kallelsen och i kalenderinbjudan.")],
                               filters=[strip_filter])
    purpose = TextAreaField("Syfte med mötet", validators=[DataRequired("Skriv syftet med mötet"),
                                                           Length(max=2000, message="Syftet får vara högst 2000 tecken")],
                            filters=[strip_filter], description="Vilka förväntningar finns på mötet?")
    agenda = TextAreaField("Dagordning", validators=[Optional(), Length(max=4000, message="Dagordningen får vara högst 4000 tecken")],
                           filters=[strip_filter])
    child_participation = RadioField("Hur är barnet med på mötet?", validators=[InputRequired("Välj hur barnet är med på mötet")],
                                     validate_choice=False)
    child_voice_by = StringField("Vem för fram barnets röst på mötet?", validators=[Optional(), Length(max=200, message="Svaret får vara högst 200 tecken")],
                                 filters=[strip_filter], description="Till exempel den som har pratat med barnet före mötet.")
    lead_time_agreed = BooleanField("Vi har kommit överens med familjen och verksamheterna om kortare framförhållning")

    def __init__(self, *args, booked_start: dt.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The saved meeting's start (local, naive): a meeting that has begun may keep its time.
        self.booked_start = booked_start

    def validate_day(self, field):
        if field.data is None:
            return
        when = dt.datetime.combine(field.data, parse_clock(self.start.data) or dt.time(23, 59))
        if self.booked_start is not None and when == self.booked_start:
            return
        if when < dt.datetime.now(STOCKHOLM).replace(tzinfo=None):
            raise ValidationError("Ett möte kan inte bokas bakåt i tiden. Välj en dag och tid som inte har varit än")

    def validate_child_participation(self, field):
        if field.data not in {k for k, _ in CHILD_PARTICIPATION}:
            raise ValidationError("Välj ett av alternativen för hur barnet är med")

    def validate_end(self, field):
        start, end = parse_clock(self.start.data), parse_clock(field.data)
        if start and end and end <= start:
            raise ValidationError("Mötet måste sluta efter att det börjar")

    def validate_digital_link(self, field):
        if not field.data:
            return
        if "\r" in field.data or "\n" in field.data:
            raise ValidationError("Länken ska vara en enda rad. Klistra bara in adressen till mötet.")
        if web_link(field.data) is None:
            raise ValidationError("Länken ska vara en webbadress som börjar med https://, utan mellanslag")

    def validate_child_voice_by(self, field):
        if self.child_participation.data == "not_present" and not field.data:
            raise ValidationError("Skriv vem som för fram barnets röst när barnet inte är med")


class ParticipantForm(PortalForm):
    who = SelectField("Vem ska vara med?", validators=[InputRequired("Välj vem som ska vara med")], validate_choice=False)
    purpose = TextAreaField("Syftet med att hen är med", filters=[strip_filter],
                            validators=[Optional(), Length(max=500, message="Syftet får vara högst 500 tecken")],
                            description="Behövs för personal: varför ska just den här professionen vara med? Vad "
                                        "förväntas hen bidra med? Behövs inte för barnet och vårdnadshavarna.")

    def validate_who(self, field):
        if field.data not in {v for v, _ in self.who.choices if v}:
            raise ValidationError("Välj en av dem i listan")

    def validate_purpose(self, field):
        if self.who.data and self.who.data.split(":", 1)[0] in ("staff", "unit") and not field.data:
            raise ValidationError("Skriv syftet med att den här professionen är med på mötet")


class RolesForm(PortalForm):
    chair = SelectField("Mötesledare", validators=[InputRequired("Välj mötesledare")], validate_choice=False,
                        description="Förslagsvis den som tog initiativet och kallade till mötet.")
    secretary = SelectField("Sekreterare", validators=[InputRequired("Välj sekreterare")], validate_choice=False,
                            description="Förslagsvis någon från en annan verksamhet. Inte barnet eller en vårdnadshavare.")


class AbsenceForm(PortalForm):
    participant = SelectField("Vem har förhinder?", validators=[InputRequired("Välj vem som har förhinder")],
                              validate_choice=False)
    note = StringField("Kommentar", validators=[Optional(), Length(max=300, message="Kommentaren får vara högst 300 tecken")],
                       filters=[strip_filter], description="Frivilligt, till exempel vem som kommer i stället.")


class NotesForm(PortalForm):
    notes = TextAreaField("Minnesanteckningar", validators=[Optional(), Length(max=20000, message="Anteckningarna får vara högst 20000 tecken")],
                          filters=[strip_filter])


class FollowUpForm(PortalForm):
    held_on = DateField("Datum för uppföljningen", validators=[DataRequired("Ange datum för uppföljningen")])
    deviations = RadioField("Har någon part avvikit från rutinerna?", validators=[InputRequired("Svara på frågan om avvikelser")],
                            choices=[("none", "Nej"), ("reported", "Ja, och en avvikelserapport är skriven"),
                                     ("to_report", "Ja, en avvikelserapport behöver skrivas")])


class ContactChangeForm(PortalForm):
    old = SelectField("Kontaktperson som slutar", validators=[InputRequired("Välj vem som slutar")], validate_choice=False)
    new = SelectField("Ny kontaktperson", validators=[InputRequired("Välj den nya kontaktpersonen")], validate_choice=False)

    def validate_old(self, field):
        if field.data not in {v for v, _ in self.old.choices if v}:
            raise ValidationError("Välj en av kontaktpersonerna i planen")

    def validate_new(self, field):
        if field.data not in {v for v, _ in self.new.choices if v}:
            raise ValidationError("Välj en person i listan")
        if field.data == self.old.data:
            raise ValidationError("Välj en annan person än den som slutar")


class FamilyApprovalForm(PortalForm):
    approval = SelectField("Vem godkände planen?", validators=[InputRequired("Välj vem som godkände planen")],
                           validate_choice=False)
    signed_on = DateField("Datum för underskriften", validators=[DataRequired("Ange datum för underskriften")])


class ConfirmForm(PortalForm):
    pass
