"""Field limits (issues 27 and 29): every free-text field of every form defined in Python has a
limit, and no form tells the browser to cut text (the HTML maxlength attribute): text over a
limit is refused by the server with a message next to the field and in the error summary.

The definitions in forms/*.yaml are checked in tests/forms/test_formdefs.py, and every save path is
posted over-limit text in tests/forms/test_fuzz_every_form.py."""
from __future__ import annotations

import importlib
import pkgutil
import re

from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, Regexp

import portal
from portal.formkit import PersonalNumber, PortalForm

# Validators that bound what a field accepts as tightly as a length: a fixed format.
_FORMATS = (PersonalNumber, Regexp)


def _forms_modules():
    for info in pkgutil.iter_modules(portal.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"portal.{info.name}.forms")
            except ModuleNotFoundError as exc:
                if exc.name != f"portal.{info.name}.forms":
                    raise


def _static_forms():
    modules = {m.__name__ for m in _forms_modules()}
    seen, todo = [], list(PortalForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__ in modules:
            seen.append(cls)
    return seen


def _unbound_fields(cls):
    return [(name, getattr(cls, name)) for name in dir(cls)
            if not name.startswith("_") and isinstance(getattr(cls, name), UnboundField)]


def _unbound_validators(unbound) -> list:
    validators = unbound.kwargs.get("validators")
    if validators is None and len(unbound.args) > 1:
        validators = unbound.args[1]
    return list(validators or [])


def _bounded(validators) -> bool:
    return any((isinstance(v, Length) and v.max >= 1) or isinstance(v, _FORMATS) or
               type(v).__name__ == "Clock" for v in validators)


def test_every_text_field_of_every_python_form_has_a_limit(app):
    forms = _static_forms()
    assert len(forms) >= 20
    unbounded, checked = [], 0
    for cls in forms:
        for name, unbound in _unbound_fields(cls):
            field_class = unbound.field_class
            # Passwords are never stored and argon2 hashes any length in linear time; a new one is
            # refused over 256 characters by the password policy (accounts/passwords.py).
            if not issubclass(field_class, StringField) or issubclass(field_class, (HiddenField, PasswordField)):
                continue
            checked += 1
            if not _bounded(_unbound_validators(unbound)):
                unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked >= 25
    assert not unbounded, f"free-text fields without a limit: {unbounded}"


def test_the_check_finds_a_field_without_a_limit(app):
    class Probe(PortalForm):
        note = StringField("Anteckning")

    assert not _bounded(_unbound_validators(dict(_unbound_fields(Probe))["note"]))


def test_no_field_tells_the_browser_to_cut_text_and_the_server_refuses_with_a_message(app):
    from portal.consent.forms import DeclineForm
    from portal.plans.forms import MeetingForm

    with app.test_request_context(method="POST"):
        form = MeetingForm(formdata=MultiDict({"place": "x" * 301, "purpose": "y" * 2001}), meta={"csrf": False})
        form.validate()
        assert form.place.errors == ["Platsen får vara högst 300 tecken"]
        assert form.purpose.errors == ["Syftet får vara högst 2000 tecken"]
        html = str(form.place()) + str(form.purpose()) + str(DeclineForm(meta={"csrf": False}).reason())
    assert 'name="place"' in html and not re.search(r"\smaxlength=", html)


def test_the_textarea_tells_its_limit_in_the_hint(client, make_user):
    from tests.helpers import login

    make_user("anna@skola.example", units=("solbackens-skola",))
    login(client, "anna@skola.example")
    html = client.get("/avvikelser/ny").get_data(as_text=True)
    assert "Du kan skriva högst 4000 tecken." in html and "Du kan skriva högst 3000 tecken." in html
    assert not re.search(r"\smaxlength=", html)


def test_a_post_larger_than_the_portal_takes_is_refused_with_a_swedish_page(client, make_user, make_case):
    """Above MAX_CONTENT_LENGTH (5 MB) no field is read: the whole post is refused (413)."""
    from tests.helpers import login

    make_user("anna@skola.example", units=("solbackens-skola",))
    login(client, "anna@skola.example")
    response = client.post("/avvikelser/ny", data={"description__reason": "å" * 1_000_000})   # 6 MB encoded
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Det du skickade är för stort" in html and "korta texten" in html
