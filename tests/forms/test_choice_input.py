"""portal.widgets.choice_input renders a checkbox or radio option exactly as WTForms does (issue 32
took the case page's boxes off WTForms' general path); an option with attributes of its own still
goes WTForms' way."""
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField, SelectMultipleField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.widgets import choice_input


class Boxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class Example(Form):
    boxes = Boxes("Rutor", choices=[("a", "A"), ("b", 'B "citat" & <tagg>'), ("c", "C")], validators=[Optional()])
    needed = Boxes("Krävs", choices=[("x", "X"), ("y", "Y")], validators=[InputRequired()])
    radio = RadioField("Val", choices=[("ja", "Ja"), ("nej", "Nej")], validators=[InputRequired()])
    own = RadioField("Egna", choices=[("1", "Ett", {"data-extra": "1"}), ("2", "Två")], validators=[Optional()])


def _forms():
    yield Example()
    yield Example(MultiDict([("boxes", "b"), ("boxes", "c"), ("needed", "y"), ("radio", "nej"), ("own", "2")]))


def test_every_option_renders_as_wtforms_renders_it():
    compared = 0
    for form in _forms():
        for field in (form.boxes, form.needed, form.radio, form.own):
            for option in field:
                for css in ("checkboxes__input", 'radios__input "x"'):
                    ours = choice_input(option, css)
                    assert isinstance(ours, Markup)
                    assert str(ours) == str(option(class_=css))
                    compared += 1
    assert compared == 2 * 9 * 2


def test_the_checked_and_required_attributes_are_there():
    form = Example(MultiDict([("needed", "y"), ("radio", "ja")]))
    needed = [str(choice_input(o, "c")) for o in form.needed]
    assert needed[1].startswith("<input checked ") and " required " in needed[1]
    assert "checked" not in needed[0]
    assert str(choice_input(list(form.radio)[0], "r")).startswith("<input checked class=\"r\"")
