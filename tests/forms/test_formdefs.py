"""The declarative form engine: one definition drives form, validation, record and summary."""
import datetime as dt

import pytest
from werkzeug.datastructures import MultiDict

from portal.formdefs import FormDefinitionError, build_form, get_definition, load_definition, summary_sections
from portal.timeutil import today_local


@pytest.fixture
def ctx(app):
    with app.test_request_context(method="POST"):
        yield app


def test_every_definition_in_forms_loads(app):
    from portal.formdefs.definition import check_all

    assert check_all(app.config["PORTAL_FORMS_DIR"]) == []


def test_required_fields_give_specific_swedish_errors(ctx):
    definition = get_definition("deviation_report")
    form = build_form(definition, formdata=MultiDict({}), choices={"unit": [("solbackens-skola", "Solbacken")]})
    assert not form.validate()
    assert form["description__reason"].errors == ["Beskriv avvikelsen"]
    assert form["event__event_date"].errors == ["Ange datum för händelsen"]
    assert form["event__concerned_unit"].errors == ["Välj vilken verksamhet avvikelsen gäller"]


def test_a_valid_submission_becomes_a_json_record_and_back(ctx):
    definition = get_definition("deviation_report")
    data = MultiDict({
        "event__event_date-day": "3", "event__event_date-month": "2", "event__event_date-year": "2026",
        "event__concerned_unit": "solbackens-skola", "event__kind": "kallelse",
        "description__reason": "Kallelsen kom efter tre veckor.", "description__consequences_child": "Väntan.",
        "description__proposed_measures": "Påminnelse efter fem arbetsdagar.",
    })
    choices = {"unit": [("solbackens-skola", "Solbacken")]}
    form = build_form(definition, formdata=data, choices=choices)
    assert form.validate(), form.errors
    record = form.to_record()
    assert record["event"] == {"event_date": "2026-02-03", "concerned_unit": "solbackens-skola", "kind": "kallelse"}
    again = build_form(definition, record=record, formdata=MultiDict(), choices=choices)
    assert again["event__event_date"].data == dt.date(2026, 2, 3)
    rows = dict(summary_sections(definition, record, labels={"unit": lambda k: "Solbackens skola"})[0][1])
    assert rows["Datum för händelsen"] == "3 februari 2026"
    assert rows["Verksamhet som avvikelsen gäller"] == "Solbackens skola"
    assert rows["Vilken rutin följdes inte?"].startswith("Kallelsen till mötet kom inte i tid")


def test_future_date_impossible_date_too_long_text_and_unknown_choice_are_refused(ctx):
    definition = get_definition("deviation_report")
    future = today_local() + dt.timedelta(days=3)
    form = build_form(definition, formdata=MultiDict({
        "event__event_date-day": str(future.day), "event__event_date-month": str(future.month),
        "event__event_date-year": str(future.year), "event__kind": "finns-inte",
        "description__reason": "x" * 4001, "event__concerned_unit": "okand-enhet"}), choices={"unit": []})
    assert not form.validate()
    assert "kan inte vara ett datum i framtiden" in form["event__event_date"].errors[0]
    assert form["description__reason"].errors == ["Anledning till avvikelserapportering och kort beskrivning av avvikelsen får vara högst 4000 tecken"]
    assert form["event__kind"].errors[0].startswith("Välj ett av alternativen")
    assert form["event__concerned_unit"].errors[0].startswith("Välj ett av alternativen")
    bad = build_form(definition, formdata=MultiDict({"event__event_date-day": "30", "event__event_date-month": "2",
                                                      "event__event_date-year": "2026"}), choices={"unit": []})
    bad.validate()
    assert bad["event__event_date"].errors == ["Datum för händelsen måste vara ett riktigt datum"]
    # what the user typed is kept for the re-rendered form
    assert dict((k, v) for k, _, _, v in bad["event__event_date"].parts()) == {"day": "30", "month": "2", "year": "2026"}


def test_drafts_require_nothing(ctx):
    form = build_form(get_definition("deviation_report"), formdata=MultiDict({}), draft=True, choices={"unit": []})
    assert form.validate(), form.errors


def test_repeating_groups_add_remove_and_minimum(tmp_path, app):
    (tmp_path / "plan_probe.yaml").write_text(
        "key: plan_probe\ntitle: Prov\nsections:\n"
        "  - key: interventions\n    title: Insatser\n    repeat: {min: 1, max: 3, item_label: Insats}\n"
        "    fields:\n      - {key: what, label: Insats, required: true, max_length: 200}\n      - {key: unit, type: unit, label: Ansvarig enhet}\n")
    definition = load_definition(tmp_path / "plan_probe.yaml")
    with app.test_request_context(method="POST", data={"formdefs_action": "add:interventions",
                                                       "interventions-0-what": "Samtal"}):
        from portal.formdefs import handle_repeat_buttons

        form = build_form(definition, choices={"unit": [("u1", "Enhet 1")]})
        assert handle_repeat_buttons(form)
        assert len(form["interventions"].entries) == 2
        assert form["interventions"].entries[0]["what"].data == "Samtal"
    with app.test_request_context(method="POST", data={"interventions-0-what": "", "interventions-0-unit": ""}):
        form = build_form(definition, choices={"unit": [("u1", "Enhet 1")]})
        assert not form.validate()
        assert "Lägg till minst 1 insats" in form["interventions"].errors
    with app.test_request_context(method="POST", data={"interventions-0-what": "A", "interventions-2-what": "C",
                                                       "interventions-2-unit": "u1"}):
        form = build_form(definition, choices={"unit": [("u1", "Enhet 1")]})
        assert form.validate(), form.errors
        assert form.to_record() == {"interventions": [{"what": "A", "unit": ""}, {"what": "C", "unit": "u1"}]}


def test_a_broken_definition_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("key: broken\ntitle: Trasig\nsections:\n  - key: a\n    title: A\n    fields:\n"
                    "      - {key: x, type: kalender, label: X}\n")
    with pytest.raises(FormDefinitionError) as err:
        load_definition(path)
    assert "broken.yaml, rad 7" in str(err.value) and "okänd typ 'kalender'" in str(err.value)


@pytest.mark.parametrize("field, problem", [
    ("{key: x, label: X}", "fältet 'x' saknar 'max_length'"),
    ("{key: x, type: textarea, label: X}", "fältet 'x' saknar 'max_length'"),
    ("{key: x, type: email, label: X, max_length: 0}", "'max_length' i fältet 'x' ska vara ett heltal större än 0"),
    ("{key: x, type: phone, label: X, max_length: lång}", "'max_length' i fältet 'x' ska vara ett heltal större än 0"),
])
def test_a_free_text_field_without_a_limit_names_file_and_line(tmp_path, field, problem):
    path = tmp_path / "nolimit.yaml"
    path.write_text("key: nolimit\ntitle: Utan gräns\nsections:\n  - key: a\n    title: A\n    fields:\n"
                    "      - {key: ok, type: date, label: Datum}\n"
                    f"      - {field}\n")
    with pytest.raises(FormDefinitionError) as err:
        load_definition(path)
    assert "nolimit.yaml, rad 8" in str(err.value) and problem in str(err.value)
    # A plan's area fields (outside the sections) too.
    path.write_text("key: nolimit\ntitle: Utan gräns\narea_fields:\n  - {key: ok, type: boolean, label: Prioriterat}\n"
                    f"  - {field}\nsections:\n  - key: a\n    title: A\n    fields:\n      - {{key: ok, type: date, label: Datum}}\n")
    with pytest.raises(FormDefinitionError) as err:
        load_definition(path)
    assert "nolimit.yaml, rad 5" in str(err.value) and problem in str(err.value)


def test_every_free_text_field_of_every_definition_has_its_own_limit(app):
    from pathlib import Path

    from portal.formdefs.definition import FREE_TEXT

    from portal.plans.definitions import PLAN_KINDS, plan_definition

    seen = 0
    with app.app_context():  # a plan's form with its areas' fields (barnets_plan.yaml: area_fields)
        definitions = {path.stem: load_definition(path)
                       for path in sorted(Path(app.config["PORTAL_FORMS_DIR"]).glob("*.yaml"))}
        definitions.update({kind: plan_definition(kind) for kind in PLAN_KINDS})
    for path, definition in definitions.items():
        for section in definition.sections:
            for fd in section.fields:
                if fd.type in FREE_TEXT:
                    assert isinstance(fd.max_length, int) and fd.max_length > 0, (path, section.key, fd.key)
                    seen += 1
    assert seen >= 30


def test_a_service_refuses_a_record_over_its_limits_drafts_too(ctx):
    from portal.formdefs import refuse_over_limit
    from portal.formdefs.definition import RecordTooLong

    definition = get_definition("sip")
    ok = {"needs": {"needs": "x" * 4000}, "interventions": [{"what": "y" * 2000}]}
    refuse_over_limit(definition, ok)
    for record in ({"needs": {"needs": "x" * 4001}}, {"interventions": [{"what": "ok"}, {"what": "y" * 2001}]}):
        with pytest.raises(RecordTooLong):
            refuse_over_limit(definition, record)
