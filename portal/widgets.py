"""Fast rendering of the form parts every page repeats; depends on WTForms only."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import CheckboxInput, RadioInput


def choice_input(option, css_class: str) -> Markup:
    """One box or button of a checkbox or radio group, as WTForms renders it (the same attributes,
    in the same order), without WTForms' general path, which lists every attribute of the
    option's flags with dir() for each option: 12 % of a case page with the green card's 19 boxes
    (issue 32). An option with attributes of its own goes the general way."""
    widget = option.widget
    if (type(widget) not in (CheckboxInput, RadioInput) or option.render_kw
            or getattr(getattr(option, "choice", None), "render_kw", None)):
        return option(class_=css_class)
    attrs = {"class": css_class, "id": option.id, "name": option.name, "type": widget.input_type,
             "value": option._value()}
    if getattr(option, "checked", option.data):
        attrs["checked"] = True
    flags = vars(option.flags)
    for name in widget.validation_attrs:
        if name in flags:
            attrs[name] = flags[name]() if callable(flags[name]) else flags[name]
    return Markup(f"<input {_attributes(attrs)}>")


def _attributes(attrs: dict) -> str:
    """WTForms' html_params for the plain names above (sorted, True as a bare name, False left
    out, values escaped), built with f-strings: html_params formats each one through
    Markup.format, which was 15 % of a case page (issue 32)."""
    parts = []
    for name, value in sorted(attrs.items()):
        if value is True:
            parts.append(name)
        elif value is not False:
            parts.append(f'{name}="{escape(value)}"')
    return " ".join(parts)
