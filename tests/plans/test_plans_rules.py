"""The plan rules as pure functions over a directory (no request, no database)."""
from __future__ import annotations

import pytest

from portal.directory.loader import load_directory
from portal.plans import rules

DIRECTORY = """
service_types:
  - {key: grundskola, name: Grundskola, sector: skola}
  - {key: ifo, name: IFO, sector: socialtjanst}
  - {key: habilitering, name: Habilitering, sector: halso-och-sjukvard}
  - {key: polis, name: Polis, sector: polis}
manager_roles:
  - {key: rektor, name: Rektor}
authorities:
  - key: kommunen
    name: Kommunen
    kind: kommun
    services:
      - key: skolan
        name: Skolan
        type: grundskola
        units: [{key: skola-a, name: Skola A}, {key: skola-b, name: Skola B}]
      - key: socialtjansten
        name: Socialtjänsten
        type: ifo
        units: [{key: ifo-a, name: IFO A}]
  - key: regionen
    name: Regionen
    kind: region
    services:
      - key: habiliteringen
        name: Habiliteringen
        type: habilitering
        units: [{key: hab-a, name: Habilitering A}]
  - key: polisen
    name: Polisen
    kind: stat
    services:
      - key: lokalpolisen
        name: Lokalpolisen
        type: polis
        units: [{key: polis-a, name: Polis A}]
"""


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("content")
    (folder / "directory.yaml").write_text(DIRECTORY, encoding="utf-8")
    return load_directory(folder)


def test_the_lead_service_is_the_one_with_most_interventions(directory):
    units = ["skola-a", "skola-b"] + ["ifo-a"] * 5 + ["hab-a"]      # skola 2, socialtjänst 5, habilitering 1
    suggestion = rules.suggest_lead_service(directory, units)
    assert suggestion.service_key == "socialtjansten"
    assert suggestion.counts == {"skolan": 2, "socialtjansten": 5, "habiliteringen": 1}
    assert suggestion.explanation == ("Förslag: Socialtjänsten, som har flest insatser i planen. Insatser per "
                                      "verksamhet: Socialtjänsten 5 insatser, Skolan 2 insatser, Habiliteringen 1 insats.")


def test_a_tie_is_explained_not_decided(directory):
    suggestion = rules.suggest_lead_service(directory, ["skola-a", "ifo-a", "skola-b", "ifo-a", "hab-a"])
    assert suggestion.service_key is None and set(suggestion.tied) == {"skolan", "socialtjansten"}
    assert suggestion.explanation.startswith("Skolan och Socialtjänsten har lika många insatser (2 insatser var).")
    assert rules.suggest_lead_service(directory, []).service_key is None


def test_coordinator_and_plan_owner(directory):
    # Inside socialtjänst or hälso- och sjukvård: no plan owner needed.
    assert rules.check_roles(directory, "ifo-a", None) == {}
    assert rules.check_roles(directory, "hab-a", None) == {}
    # Outside them (school, police): a plan owner inside them is required.
    for outside in ("skola-a", "polis-a"):
        errors = rules.check_roles(directory, outside, None)
        assert "Utse därför också en planansvarig inom socialtjänsten eller hälso- och sjukvården" in errors["plan_owner"]
        assert rules.check_roles(directory, outside, "hab-a") == {}
        assert "Planansvarig ska arbeta inom socialtjänsten" in rules.check_roles(directory, outside, "skola-b")["plan_owner"]
    assert rules.check_roles(directory, None, None) == {"coordinator": "Välj en samordnare"}
    assert rules.check_roles(directory, None, None, require_coordinator=False) == {}


def test_priorities_above_three_warn():
    assert rules.priority_warning(3) is None
    assert rules.priority_warning(4).startswith("Planen har 4 prioriteringar. Välj de 2–3 viktigaste just nu")


def test_only_covered_units_and_cost_follows_responsibility(directory):
    covered = {"skola-a": None, "ifo-a": None}
    assert rules.uncovered(["skola-a", "hab-a", "ifo-a", "hab-a", ""], covered) == ["hab-a"]
    assert rules.not_covered_message(directory, "hab-a").startswith(
        "Habilitering A (Habiliteringen, Regionen) omfattas inte av något giltigt samtycke och kan inte väljas.")
    assert rules.default_cost_authority(directory, "hab-a") == "regionen"
    assert rules.default_cost_authority(directory, "skola-b") == "kommunen"


def test_the_secretary_and_chair_are_never_the_child_or_a_guardian():
    assert rules.check_meeting_roles("staff", "unit") == {}
    assert set(rules.check_meeting_roles("staff", "guardian")) == {"secretary"}
    assert set(rules.check_meeting_roles("child", "child")) == {"chair", "secretary"}
