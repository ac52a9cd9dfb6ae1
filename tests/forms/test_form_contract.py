"""The form definitions are the contract (issue 31 item 5): the code declares the fields it reads,
and a definition without one stops start-up and `portal forms check` with the file and the line;
cross-field rules (required_if, min_choices) live in the YAML and are told next to the field and
in the error summary."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from portal.formdefs import FormDefinitionError, load_definition
from portal.formdefs.contract import FieldKey, check_declared, keys, record_of
from tests.helpers import ROOT
from tests.support.consent import request_data, setup_people, staff_client


def _forms_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "forms"
    shutil.copytree(ROOT / "forms", folder)
    return folder


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if line == text)


def _without_months(tmp_path: Path) -> tuple[Path, Path]:
    folder = _forms_copy(tmp_path)
    path = folder / "consent_request.yaml"
    text = path.read_text(encoding="utf-8")
    assert "      - key: months\n" in text
    path.write_text(text.replace("      - key: months\n", "      - key: month_count\n"), encoding="utf-8")
    return folder, path


def test_a_definition_without_a_declared_field_stops_start_up_with_file_and_line(tmp_path, app_factory):
    folder, path = _without_months(tmp_path)
    with pytest.raises(FormDefinitionError) as caught:
        app_factory(PORTAL_FORMS_DIR=folder)
    message = str(caught.value)
    # the line of the section that should hold the field, and who reads it
    assert message.startswith(f"{path}, rad {_line_of(path, '  - key: validity')}: ")
    assert "fältet 'months' saknas i avsnittet 'validity'" in message
    assert "portal.consent.forms" in message and "portal.consent.service" in message


def test_the_check_command_names_file_and_line_without_starting_the_portal(tmp_path):
    folder, path = _without_months(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    broken = subprocess.run([sys.executable, "-m", "portal", "forms", "check", "--forms-dir", str(folder)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1
    assert f"FEL: {path}, rad {_line_of(path, '  - key: validity')}: fältet 'months' saknas" in broken.stderr
    fine = subprocess.run([sys.executable, "-m", "portal", "forms", "check", "--forms-dir", str(ROOT / "forms")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert fine.returncode == 0, fine.stderr
    assert "Formulärdefinitionerna är giltiga" in fine.stdout


def test_a_missing_section_is_named_with_the_form_line_and_its_reader(tmp_path):
    folder = _forms_copy(tmp_path)
    path = folder / "deviation_report.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - key: event\n", "  - key: happening\n"), encoding="utf-8")
    import portal.deviations.service  # noqa: F401  (declares the fields it copies onto the report)

    with pytest.raises(FormDefinitionError) as caught:
        check_declared(load_definition(path))
    assert str(caught.value).startswith(f"{path}, rad ")
    assert "avsnittet 'event' saknas" in str(caught.value) and "portal.deviations.service" in str(caught.value)


def test_a_plans_area_field_is_part_of_the_contract(tmp_path):
    folder = _forms_copy(tmp_path)
    path = folder / "barnets_plan.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("  - key: priority\n") == 1
    path.write_text(text.replace("  - key: priority\n", "  - key: important\n"), encoding="utf-8")
    import portal.plans.readable  # noqa: F401

    with pytest.raises(FormDefinitionError) as caught:
        check_declared(load_definition(path))
    assert str(caught.value).startswith(f"{path}, rad ")
    assert "fältet 'priority' saknas i area_fields" in str(caught.value)
    assert "portal.plans.readable" in str(caught.value) and "portal.plans.service" in str(caught.value)


def test_declared_keys_read_records_and_build_them(monkeypatch):
    from portal.formdefs import contract

    monkeypatch.setattr(contract, "_DECLARED", {})  # a probe form, not declared for the other tests
    months, purposes, interventions = keys("contract_probe", "validity__months", "purpose__purposes", "interventions")
    assert months == FieldKey("validity", "months") and months.name == "validity__months"
    assert FieldKey("interventions", "unit").entry_name(2) == "interventions-2-unit"
    record = record_of({months: 12, purposes: ["other"]})
    assert record == {"validity": {"months": 12}, "purpose": {"purposes": ["other"]}}
    assert months.of(record) == 12 and months.of({}) is None and months.of({"validity": None}, 0) == 0
    assert interventions.of({"interventions": [{"what": "Stöd"}]}) == [{"what": "Stöd"}]
    assert interventions.of({}, []) == []
    assert contract._DECLARED["contract_probe"][months] == {__name__}


@pytest.mark.parametrize(("node", "problem"), [
    ("{key: x, type: text, max_length: 5, label: X, required_if: {field: nope, equals: a}}",
     "required_if i fältet 'x' nämner fältet 'nope', som inte finns i avsnittet 's'"),
    ("{key: x, type: text, max_length: 5, label: X, required_if: other}",
     "required_if i fältet 'x' ska vara {field: fält, equals: värde}"),
    ("{key: x, type: choice, choices: [a, b], label: X, min_choices: 2}",
     "min_choices i fältet 'x' ska vara ett heltal större än 0"),
    ("{key: x, type: multichoice, choices: [a, b], label: X, min_choices: 0.5}",
     "min_choices i fältet 'x' ska vara ett heltal större än 0"),
])
def test_a_broken_cross_field_rule_names_file_and_line(tmp_path, node, problem):
    path = tmp_path / "probe.yaml"
    path.write_text("key: probe\ntitle: Prov\nsections:\n  - key: s\n    title: S\n    fields:\n"
                    "      - {key: y, type: text, max_length: 5, label: Y}\n"
                    f"      - {node}\n", encoding="utf-8")
    with pytest.raises(FormDefinitionError) as caught:
        load_definition(path)
    assert str(caught.value).startswith(f"{path}, rad 8: ") and problem in str(caught.value)


PROBE = """key: probe
title: Prov
sections:
  - key: s
    title: S
    fields:
      - {key: kind, type: choice, label: Sort, choices: [a, other]}
      - {key: kind_text, type: text, max_length: 50, label: Annan sort,
         required_if: {field: kind, equals: other}, error: Beskriv den andra sorten}
      - {key: many, type: multichoice, label: Flera, choices: [a, b, c], min_choices: 2}
  - key: rows
    title: Rader
    repeat: {min: 0, max: 3, item_label: Rad}
    fields:
      - {key: done, type: boolean, label: Klar}
      - {key: when, type: text, max_length: 20, label: När, required_if: {field: done, equals: true}}
"""


def _probe_form(app, tmp_path, data: dict):
    from werkzeug.datastructures import MultiDict

    from portal.formdefs import build_form

    path = tmp_path / "probe.yaml"
    path.write_text(PROBE, encoding="utf-8")
    definition = load_definition(path)
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = build_form(definition)
        valid = form.validate()
        draft = build_form(definition, draft=True)
        return valid, {name: list(f.errors) for name, f in form._fields.items() if f.errors}, draft.validate()


def test_required_if_and_min_choices_are_evaluated_by_the_form_machinery(app, tmp_path):
    valid, errors, draft_valid = _probe_form(app, tmp_path, {
        "s__kind": "other", "s__many": ["a"], "rows-0-done": "y", "rows-0-when": ""})
    assert not valid
    assert errors["s__kind_text"] == ["Beskriv den andra sorten"]
    assert errors["s__many"] == ["Välj minst 2 alternativ för flera"]
    assert errors["rows"] == [{"when": ["Fyll i när"]}]
    assert draft_valid  # a draft: nothing is required yet
    valid, errors, _ = _probe_form(app, tmp_path, {
        "s__kind": "a", "s__many": ["a", "c"], "rows-0-done": "", "rows-0-when": "i morgon"})
    assert valid, errors
    valid, errors, _ = _probe_form(app, tmp_path, {"s__kind": "other", "s__kind_text": "Ny", "s__many": []})
    assert valid, errors  # nothing chosen: min_choices waits for a choice (required says the rest)


@pytest.fixture
def people(app_factory, make_user, make_case):
    app = app_factory()
    return setup_people(app, make_user, make_case, age=15)


def test_the_consent_requests_cross_field_rules_come_from_the_yaml_next_to_the_field_and_in_the_summary(people):
    staff = staff_client(people.app)
    url = f"/arenden/{people.ref}/samtycke/nytt"
    page = staff.get(url).get_data(as_text=True)
    data = request_data(page, units=("solbackens-skola",), purposes=("plan_support", "other"),
                        categories=("school", "other"))
    response = staff.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    for field_id, message in (
            ("purpose__purpose_text", "Beskriv syftet med egna ord, eftersom du valde Annat syfte"),
            ("information__categories_text", "Beskriv vilka andra uppgifter det gäller"),
            ("units__units", "Välj minst två enheter. Samtycket gäller utbyte av uppgifter mellan enheter")):
        assert f'<a href="#{field_id}">{message}</a>' in summary, message
        assert (f'<p class="error-message" id="{field_id}-error"><span class="visually-hidden">Fel:</span> '
                f'{message}</p>') in html, message
    data.update({"purpose__purpose_text": "Vi vill planera läxhjälp.", "information__categories_text": "Fritiden",
                 "units__units": ["solbackens-skola", "bup-pite-alvdal"]})
    assert staff.post(url, data=data).status_code == 302
