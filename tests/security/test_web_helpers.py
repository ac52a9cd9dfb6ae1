"""The view helpers every blueprint uses (portal/web/): the guards' 403/404 rule, the loaders' 404
and the transaction helper, on a made-up blueprint registered on a real app."""
from __future__ import annotations

import pytest
from flask import Blueprint, flash, render_template_string
from wtforms import StringField

from portal.cases.access import load_case
from portal.errors import DomainError
from portal.formkit import PortalForm
from portal.web.guards import admin_required, guard_blueprint, manager_required, staff_required
from portal.web.loaders import loader
from portal.web.tx import saving
from tests.helpers import login

PAGE = """{% import "macros/forms.html" as f %}{% for m in get_flashed_messages() %}<p class="flash">{{ m }}</p>{% endfor %}
{{ f.error_summary(form) }}{{ f.field(form.name, label="Barnets namn") }}"""


class NameForm(PortalForm):
    class Meta:
        csrf = False

    name = StringField("Barnets namn")


def _made_up_blueprint() -> Blueprint:
    bp = Blueprint("made_up", __name__, url_prefix="/pa-prov")

    @bp.route("/personal")
    @staff_required
    def staff_page():
        return "personal"

    @bp.route("/chefer")
    @manager_required
    def managers_page():
        return "chefer"

    @bp.route("/admin")
    @admin_required
    def admin_page():
        return "admin"

    @bp.route("/arende/<ref>")
    @staff_required
    @load_case
    def case_page(case):
        return f"ärende {case.ref}"

    numbers = {"1": "ett", "2": "två"}

    @bp.route("/arende/<ref>/tal/<n>")
    @staff_required
    @load_case
    @loader("n", "word", lambda n, case: numbers.get(n), needs=("case",))
    def number_page(case, word):
        return f"{case.ref} {word}"

    @bp.route("/arende/<ref>/namn", methods=["POST"])
    @staff_required
    @load_case
    def rename(case):
        """Renames, then fails as a service would: with the field's name, none or flashed."""
        form = NameForm()
        where = form.name.data
        with saving(None if where == "flash" else form) as saved:
            case.child_name = "Ändrat namn"
            if where != "ok":
                raise DomainError("Namnet kan inte ändras nu", field="name" if where == "field" else None)
        return render_template_string(PAGE, form=form), (200 if saved else 400)

    @bp.route("/arende/<ref>/avbryt", methods=["POST"])
    @staff_required
    @load_case
    def cancelled(case):
        with saving() as saved:
            case.child_name = "Ångrat namn"
            saved.cancel()   # e.g. a service answered with problems to list
        return ("sparat" if saved else "inte sparat"), 400

    @bp.route("/arende/<ref>/krasch", methods=["POST"])
    @staff_required
    @load_case
    def crash(case):
        with saving():
            case.child_name = "Halvt sparat"
            raise RuntimeError("not a domain error")

    return bp


def _blueprint_with_guard() -> Blueprint:
    bp = Blueprint("made_up_guarded", __name__, url_prefix="/pa-prov-chefer")
    guard_blueprint(bp, manager_required)

    @bp.route("/")
    def index():
        return "chefernas sida"

    return bp


@pytest.fixture
def world(app, make_user, make_case):
    app.register_blueprint(_made_up_blueprint())
    app.register_blueprint(_blueprint_with_guard())
    staff = make_user("personal@skola.example", units=("solbackens-skola",))
    make_user("chef@skola.example", role="manager", units=("solbackens-skola",))
    make_user("annan@ifo.example", units=("ifo-barn-och-familj",))
    make_user("admin@kommun.example", role="admin", units=())
    return {"ref": make_case(staff, unit_key="solbackens-skola", child_name="Kim Barn")}


def _client(app, email=None):
    client = app.test_client()
    if email:
        login(client, email)
    return client


def _child_name(app, ref):
    from portal.cases.models import Case
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(db.select(Case.child_name).where(Case.ref == ref))


def test_not_signed_in_is_sent_to_sign_in(app, world):
    for url in ("/pa-prov/personal", "/pa-prov/chefer", "/pa-prov/admin", f"/pa-prov/arende/{world['ref']}",
                "/pa-prov-chefer/"):
        response = _client(app).get(url)
        assert response.status_code == 302 and "/logga-in" in response.headers["Location"], url


def test_a_role_without_the_capability_gets_403(app, world):
    admin, staff = _client(app, "admin@kommun.example"), _client(app, "personal@skola.example")
    assert admin.get("/pa-prov/personal").status_code == 403
    assert staff.get("/pa-prov/chefer").status_code == 403
    assert staff.get("/pa-prov/admin").status_code == 403
    assert staff.get("/pa-prov-chefer/").status_code == 403          # guard_blueprint
    # the guard answers before any record is looked up: the same 403 for a case that exists and one that does not
    assert admin.get(f"/pa-prov/arende/{world['ref']}").status_code == 403
    assert admin.get("/pa-prov/arende/FINNSINTE").status_code == 403
    assert staff.get("/pa-prov/personal").get_data(as_text=True) == "personal"
    manager = _client(app, "chef@skola.example")
    assert manager.get("/pa-prov/chefer").status_code == 200
    assert manager.get("/pa-prov-chefer/").get_data(as_text=True) == "chefernas sida"
    assert admin.get("/pa-prov/admin").status_code == 200


def test_a_record_the_person_cannot_see_is_404_like_one_that_does_not_exist(app, world):
    ref = world["ref"]
    other_unit = _client(app, "annan@ifo.example")
    assert other_unit.get(f"/pa-prov/arende/{ref}").status_code == 404
    assert other_unit.get("/pa-prov/arende/FINNSINTE").status_code == 404
    staff = _client(app, "personal@skola.example")
    assert staff.get(f"/pa-prov/arende/{ref}").get_data(as_text=True) == f"ärende {ref}"
    # a loader after load_case gets the case; None from it is a 404 too
    assert staff.get(f"/pa-prov/arende/{ref}/tal/2").get_data(as_text=True) == f"{ref} två"
    assert staff.get(f"/pa-prov/arende/{ref}/tal/3").status_code == 404
    assert other_unit.get(f"/pa-prov/arende/{ref}/tal/2").status_code == 404


def test_saving_commits_when_the_block_ends(app, world):
    staff = _client(app, "personal@skola.example")
    response = staff.post(f"/pa-prov/arende/{world['ref']}/namn", data={"name": "ok"})
    assert response.status_code == 200
    assert _child_name(app, world["ref"]) == "Ändrat namn"


def test_a_domain_error_rolls_back_and_goes_next_to_its_field(app, world):
    staff = _client(app, "personal@skola.example")
    response = staff.post(f"/pa-prov/arende/{world['ref']}/namn", data={"name": "field"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _child_name(app, world["ref"]) == "Kim Barn"           # rolled back
    assert '<a href="#name">Namnet kan inte ändras nu</a>' in html   # the error summary links to the field
    assert 'id="name-error"' in html and html.count("Namnet kan inte ändras nu") == 2


def test_a_domain_error_without_a_field_goes_to_the_error_summary_or_a_flash(app, world):
    staff = _client(app, "personal@skola.example")
    html = staff.post(f"/pa-prov/arende/{world['ref']}/namn", data={"name": "summary"}).get_data(as_text=True)
    assert "<li>Namnet kan inte ändras nu</li>" in html and 'id="name-error"' not in html
    html = staff.post(f"/pa-prov/arende/{world['ref']}/namn", data={"name": "flash"}).get_data(as_text=True)
    assert '<p class="flash">Namnet kan inte ändras nu</p>' in html
    assert _child_name(app, world["ref"]) == "Kim Barn"


def test_a_cancelled_block_rolls_back(app, world):
    staff = _client(app, "personal@skola.example")
    assert staff.post(f"/pa-prov/arende/{world['ref']}/avbryt").get_data(as_text=True) == "inte sparat"
    assert _child_name(app, world["ref"]) == "Kim Barn"


def test_any_other_exception_rolls_back_and_is_not_hidden(app, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    staff = _client(app, "personal@skola.example")
    assert staff.post(f"/pa-prov/arende/{world['ref']}/krasch").status_code == 500
    assert _child_name(app, world["ref"]) == "Kim Barn"


def test_a_services_domain_error_on_a_real_page_lands_next_to_its_field(app, world):
    """create_user raises AccountError(field="email"); the administrators' form shows it there, 400."""
    admin = _client(app, "admin@kommun.example")
    response = admin.post("/admin/konton/nytt", data={
        "name": "Kim Kurator", "email": "personal@skola.example", "role": "staff", "units": ["solbackens-skola"],
        "active": "y", "password": "Ett-långt-lösenord-för-Kim-1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#email">Det finns redan ett konto med den e-postadressen</a>' in html
    assert 'id="email-error"' in html
