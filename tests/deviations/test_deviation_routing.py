"""Routing of deviation reports (content/deviation_routing.yaml), tested without a request.

The rules come from Arjeplog's routine (Avvikelserapportering): grundskola and gymnasieskola to
the responsible rektor with a copy to the förskole- och grundskolechef / gymnasiechef, IFO to the
enhetschef for IFO, primärvård to the verksamhetschef/enhetschef; a copy to the concerned
organisation."""
import shutil
from pathlib import Path

import pytest

from portal.config import ROOT
from portal.deviations.routing import RoutingError, load_rules, route, units_without_route
from portal.directory.loader import load_directory

CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def directory():
    return load_directory(CONTENT)


@pytest.fixture(scope="module")
def rules(directory):
    return load_rules(CONTENT, directory)


def emails(managers):
    return [m.email for m in managers]


def test_grundskola_goes_to_the_rektor_with_a_copy_to_the_forskole_och_grundskolechef(directory, rules):
    result = route(directory, rules, "solbackens-skola", "ifo-barn-och-familj")
    assert result.matched_rule.key == "grundskola"
    assert emails(result.recipients) == ["rut.rektorsson@arjeplog.example"]
    assert emails(result.copies) == ["greta.grundstrom@arjeplog.example"]
    assert emails(result.concerned_copies) == ["erik.enhetsson@arjeplog.example"]
    assert result.problems == [] and not result.needs_admin


def test_gymnasieskola_goes_to_the_rektor_with_a_copy_to_the_gymnasiechef(directory, rules):
    result = route(directory, rules, "silverfjallets-gymnasium", "arjeplogs-vardcentral")
    assert result.matched_rule.key == "gymnasieskola"
    assert emails(result.recipients) == ["rolf.rektorsberg@arjeplog.example"]
    assert emails(result.copies) == ["gustav.gymnell@arjeplog.example"]
    # the vårdcentral's own manager (primärvård rule: the nearest verksamhetschef/enhetschef)
    assert emails(result.concerned_copies) == ["elin.enhetschefsson@norrbotten.example"]


def test_ifo_goes_to_the_enhetschef_for_ifo_without_copies(directory, rules):
    result = route(directory, rules, "ifo-barn-och-familj", "solbackens-skola")
    assert result.matched_rule.key == "ifo"
    assert emails(result.recipients) == ["erik.enhetsson@arjeplog.example"]
    assert result.copies == []
    assert emails(result.concerned_copies) == ["rut.rektorsson@arjeplog.example"]
    assert all(m.role != "socialchef" for m in result.recipients + result.copies)


def test_primarvard_goes_to_the_vardcentral_s_manager_verksamhetschef_or_enhetschef(directory, rules):
    result = route(directory, rules, "arjeplogs-vardcentral", "silverfjallets-gymnasium")
    assert result.matched_rule.key == "primarvard"
    assert emails(result.recipients) == ["elin.enhetschefsson@norrbotten.example"]
    assert emails(result.concerned_copies) == ["rolf.rektorsberg@arjeplog.example"]


def test_primarvard_without_a_unit_manager_goes_to_the_verksamhetschef(directory, rules):
    unit = directory.units["arjeplogs-vardcentral"]
    saved = unit.managers
    unit.managers = []
    try:
        result = route(directory, rules, "arjeplogs-vardcentral", None)
    finally:
        unit.managers = saved
    assert emails(result.recipients) == ["vera.verksamhetsdotter@norrbotten.example"]
    assert not result.needs_admin


def test_elevhalsa_goes_to_the_manager_of_the_elevhalsa(directory, rules):
    result = route(directory, rules, "elevhalsan-arjeplog", "ifo-barn-och-familj")
    assert result.matched_rule.key == "elevhalsa"
    assert emails(result.recipients) == ["rut.rektorsson@arjeplog.example"]
    assert result.copies == []


def test_the_concerned_organisation_without_a_rule_gets_its_own_managers_copy(directory, rules):
    # BUP has no reporting rule; its unit's own manager receives the concerned copy.
    result = route(directory, rules, "solbackens-skola", "bup-pite-alvdal")
    assert emails(result.concerned_copies) == ["britt.barnlund@norrbotten.example"]
    result = route(directory, rules, "solbackens-skola", "polisen-arjeplog")
    assert emails(result.concerned_copies) == ["per.polhem@polisen.example"]


def test_a_manager_is_never_both_recipient_and_copy(directory, rules):
    # Rut is rektor both for Solbacken and the elevhälsa; a copy to herself would be noise.
    result = route(directory, rules, "solbackens-skola", "elevhalsan-arjeplog")
    assert emails(result.recipients) == ["rut.rektorsson@arjeplog.example"]
    assert "rut.rektorsson@arjeplog.example" not in emails(result.copies)


@pytest.mark.parametrize("unit, manager", [("polisen-arjeplog", "per.polhem@polisen.example"),
                                           ("bup-pite-alvdal", "britt.barnlund@norrbotten.example")])
def test_a_reporter_without_a_specific_rule_reaches_the_unit_s_nearest_manager(directory, rules, unit, manager):
    """Norrbus bilaga 4 (Arjeplog): the reporter "informerar sin närmaste chef" whatever the service."""
    result = route(directory, rules, unit, "solbackens-skola")
    assert result.matched_rule.key == "narmaste-chef"
    assert emails(result.recipients) == [manager] and not result.needs_admin
    assert result.problems == [] and result.copies == []
    assert "närmaste chefen" in result.matched_rule.plain(directory)
    # the concerned organisation is still told
    assert emails(result.concerned_copies) == ["rut.rektorsson@arjeplog.example"]


def test_no_unit_of_the_shipped_directory_sends_its_reports_to_the_admin_queue(directory, rules):
    stuck = [key for key in directory.units if route(directory, rules, key, None).needs_admin]
    assert stuck == []


def test_otherwise_admin_keeps_the_old_behaviour_for_a_region_that_wants_it(content_copy):
    _otherwise_admin(content_copy)
    directory = load_directory(content_copy)
    result = route(directory, load_rules(content_copy, directory), "polisen-arjeplog", None)
    assert result.matched_rule is None and result.needs_admin
    assert "Ingen regel" in result.problems[0]


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def _remove_managers(path: Path, *emails_to_drop):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not any(e in line for e in emails_to_drop)]
    text = "".join(kept).replace("managers:\n            units:", "units:")
    path.write_text(text, encoding="utf-8")


def test_a_unit_whose_rule_finds_no_manager_goes_to_its_nearest_manager_and_only_then_to_the_admins(content_copy):
    path = content_copy / "directory.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("            managers:\n              - {name: Erik Enhetsson, email: erik.enhetsson@arjeplog.example, "
                        "role: enhetschef-ifo}\n", "")
    path.write_text(text, encoding="utf-8")
    directory = load_directory(content_copy)
    assert directory.units["ifo-barn-och-familj"].managers == []
    rules = load_rules(content_copy, directory)
    result = route(directory, rules, "ifo-barn-och-familj", "solbackens-skola")
    # no enhetschef IFO: the service's own manager is the nearest one
    assert result.matched_rule.key == "narmaste-chef"
    assert emails(result.recipients) == ["sofia.socialchefsson@arjeplog.example"] and not result.needs_admin
    assert "hittar ingen chef (enhetschef ifo)" in result.problems[0]
    assert not any("'ifo-barn-och-familj'" in w for w in units_without_route(directory, content_copy))
    # a unit with no manager at all, nor its service: the admin queue, and the directory check warns
    text = path.read_text(encoding="utf-8").replace(
        "          - {name: Sofia Socialchefsson, email: sofia.socialchefsson@arjeplog.example, role: socialchef}\n", "")
    path.write_text(text.replace("        managers:\n          - key: ifo-barn-och-familj", "          - key: ifo-barn-och-familj"),
                    encoding="utf-8")
    directory = load_directory(content_copy)
    result = route(directory, load_rules(content_copy, directory), "ifo-barn-och-familj", None)
    assert result.recipients == [] and result.needs_admin
    warnings = units_without_route(directory, content_copy)
    assert any("'ifo-barn-och-familj'" in w and "hamnar i administratörernas kö" in w for w in warnings)


def _otherwise_admin(content_copy):
    path = content_copy / "deviation_routing.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("otherwise: nearest_manager", "otherwise: admin"),
                    encoding="utf-8")


def test_directory_check_warns_about_units_without_a_route(content_copy):
    from portal.directory.checks import directory_warnings

    warnings = directory_warnings(load_directory(content_copy), content_copy)
    assert not [w for w in warnings if "ingen väg för avvikelserapporter" in w]
    _otherwise_admin(content_copy)
    warnings = directory_warnings(load_directory(content_copy), content_copy)
    without = [w for w in warnings if "ingen väg för avvikelserapporter" in w]
    assert {w.split("'")[1] for w in without} == {"polisen-arjeplog", "bup-pite-alvdal"}


def test_portal_directory_check_prints_the_warning(content_copy):
    from click.testing import CliRunner

    from portal.cli import cli

    _otherwise_admin(content_copy)
    result = CliRunner().invoke(cli, ["directory", "check", "--content-dir", str(content_copy)])
    assert result.exit_code == 0, result.output
    assert "VARNING: enheten 'polisen-arjeplog' (Polisen i Arjeplog) har ingen väg för avvikelserapporter" in result.output


@pytest.mark.parametrize("replace, expected", [
    (("recipients: [rektor]\n    copies: [gymnasiechef]", "recipients: [rektorn]\n    copies: [gymnasiechef]"),
     "rad 40: regeln 'gymnasieskola': chefsrollen 'rektorn' finns inte i organisationskatalogen"),
    (("service_types: [ifo]", "service_types: [socialtjanst]"),
     "rad 46: regeln 'ifo': verksamhetstypen 'socialtjanst' finns inte i organisationskatalogen"),
    (("    pick: nearest\n\n  # Elevhälsan", "    pick: narmast\n\n  # Elevhälsan"),
     "rad 53: regeln 'primarvard': 'pick' ska vara all eller nearest, inte 'narmast'"),
    (("  - key: ifo\n", "  - key: grundskola\n"), "rad 46: regeln 'grundskola' finns redan på rad 34"),
    (("rules:\n", "rules:\n  - [\n"), "felaktig YAML"),
])
def test_a_broken_routing_file_names_file_and_line(content_copy, replace, expected):
    path = content_copy / "deviation_routing.yaml"
    text = path.read_text(encoding="utf-8")
    assert replace[0] in text
    path.write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    with pytest.raises(RoutingError) as err:
        load_rules(content_copy, load_directory(content_copy))
    assert "deviation_routing.yaml" in str(err.value)
    assert expected in str(err.value)


def test_the_portal_does_not_start_with_a_broken_routing_file(app_factory, content_copy):
    path = content_copy / "deviation_routing.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[enhetschef-ifo]", "[enhetschef-ifu]"), encoding="utf-8")
    with pytest.raises(RoutingError) as err:
        app_factory(PORTAL_CONTENT_DIR=content_copy)
    assert "rad 46" in str(err.value) and "enhetschef-ifu" in str(err.value)


def test_cli_routing_explain_prints_recipients_copies_and_rule(runner):
    result = runner.invoke(args=["routing", "explain", "--reporter-unit", "solbackens-skola",
                                 "--concerned-unit", "ifo-barn-och-familj"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Rapportörens enhet: Solbackens skola (F–9) (Grundskolan i Arjeplog, Arjeplogs kommun)"
    assert lines[1] == "Berörd enhet: IFO barn och familj (Individ- och familjeomsorgen, Arjeplogs kommun)"
    assert lines[2] == "Regel: Grundskola (grundskola, rad 34 i deviation_routing.yaml)"
    text = result.output
    assert ("Mottagare (tar emot och skriver under som närmaste chef):\n"
            "  - Rut Rektorsson <rut.rektorsson@arjeplog.example>, Rektor, Solbackens skola (F–9)\n") in text
    assert "Kopia:\n  - Greta Grundström <greta.grundstrom@arjeplog.example>, Förskole- och grundskolechef, Grundskolan i Arjeplog\n" in text
    assert ("Kopia till den berörda verksamheten (när chefen har skrivit under):\n"
            "  - Erik Enhetsson <erik.enhetsson@arjeplog.example>, Enhetschef IFO, IFO barn och familj\n") in text
    assert "administratörernas kö" not in text


def test_cli_routing_explain_for_a_unit_without_a_rule_and_for_an_unknown_unit(runner):
    result = runner.invoke(args=["routing", "explain", "--reporter-unit", "polisen-arjeplog"])
    assert result.exit_code == 0, result.output
    assert "Regel: ingen regel passar; otherwise: nearest_manager i deviation_routing.yaml" in result.output
    assert ("Mottagare (tar emot och skriver under som närmaste chef):\n"
            "  - Per Polhem <per.polhem@polisen.example>, Gruppchef, Polisen i Arjeplog\n") in result.output
    assert "administratörernas kö" not in result.output
    unknown = runner.invoke(args=["routing", "explain", "--reporter-unit", "finns-inte"])
    assert unknown.exit_code == 2
    assert "Rapportörens enhet 'finns-inte' finns inte i organisationskatalogen" in unknown.output


def test_the_deviation_kinds_name_each_routine_s_own_time_limits():
    """Words per process (issue 30.12): Norrbus's 5 and 10 working days are not every routine's."""
    from portal.config import ROOT
    from tests.helpers import SEEDS

    text = (ROOT / "forms" / "deviation_report.yaml").read_text(encoding="utf-8")
    assert "Arjeplog: möte inom två veckor" in text and "Kronobarn: inbjudan\n          minst tre veckor före mötet" in text
    assert "Norrbus: kallelse inom fem arbetsdagar" in text
    arjeplog = (SEEDS / "arjeplog-rutiner-med-bilagor.txt").read_text(encoding="utf-8")
    kronoberg = (SEEDS / "kronoberg-vagledning-samverkansmote-barnets-plan.txt").read_text(encoding="utf-8")
    assert "senast inom 2 veckor" in arjeplog
    assert "bjud in minst tre veckor innan mötet" in kronoberg
