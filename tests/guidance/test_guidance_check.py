"""`portal content check`: zero errors on the real content, and each kind of error caught with file and line."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.helpers import ROOT
from tests.support.guidance import copy_content


def _check(folder):
    from portal.cli import cli

    return CliRunner().invoke(cli, ["content", "check", "--content-dir", str(folder)], catch_exceptions=False)


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path, needle):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_the_real_content_has_no_errors():
    result = _check(ROOT / "content")
    assert result.exit_code == 0, result.output
    assert "FEL:" not in result.output
    assert "Innehållet är giltigt" in result.output


def test_the_check_runs_without_starting_the_portal_even_when_content_is_broken(tmp_path, monkeypatch):
    content = copy_content(tmp_path)
    (content / "roles.yaml").write_text("service_responsibilities: [\n", encoding="utf-8")
    monkeypatch.setenv("PORTAL_CONTENT_DIR", str(content))
    from portal.cli import cli

    result = CliRunner().invoke(cli, ["content", "check"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "FEL: content/roles.yaml, rad 2: ogiltig YAML" in result.output


@pytest.mark.parametrize("case", [
    "missing-key", "wrong-type", "no-front-matter", "unknown-key",
])
def test_bad_front_matter_is_an_error_with_file_and_line(tmp_path, case):
    content = copy_content(tmp_path)
    path = content / "guidelines" / "arjeplog-rutiner.md"
    if case == "missing-key":
        _edit(path, 'issuer: "Styrgruppen', 'utgivare: "Styrgruppen')
        expected = ["rad 2: front matter: nyckeln 'issuer' saknas", "rad 5: front matter: okänd nyckel 'utgivare'"]
    elif case == "wrong-type":
        _edit(path, "audience: [personal, chefer]", "audience: personal")
        expected = ["rad 7: front matter: 'audience' ska vara en lista med texter"]
    elif case == "no-front-matter":
        path.write_text(path.read_text(encoding="utf-8").split("---\n", 2)[2], encoding="utf-8")
        expected = ["rad 1: front matter saknas"]
    else:
        _edit(path, "order: 4", "order: 4\nordning: 4")
        expected = ["rad 9: front matter: okänd nyckel 'ordning'"]
    result = _check(content)
    assert result.exit_code == 1
    for message in expected:
        assert f"FEL: content/guidelines/arjeplog-rutiner.md, {message}" in result.output


def test_a_broken_link_between_guidelines_is_an_error(tmp_path):
    content = copy_content(tmp_path)
    path = content / "guidelines" / "grona-kortet-norrbus.md"
    _edit(path, "6. **Rapportera avvikelser", "6. Se [avvikelser](/riktlinjer/avvikelse-rutin). **Rapportera avvikelser")
    result = _check(content)
    assert result.exit_code == 1
    line = _line_of(path, "avvikelse-rutin")
    assert (f"FEL: content/guidelines/grona-kortet-norrbus.md, rad {line}: länken '/riktlinjer/avvikelse-rutin' "
            "pekar på riktlinjen 'avvikelse-rutin', som inte finns i guidelines/") in result.output


def test_a_broken_anchor_is_an_error(tmp_path):
    content = copy_content(tmp_path)
    path = content / "guidelines" / "grona-kortet-norrbus.md"
    _edit(path, "5. **Utse en samordnare för ärendet.**",
          "5. **Utse en [samordnare](norrbus-riktlinjer.md#samordnaren) för ärendet.** Se [listan](#checklistan).")
    result = _check(content)
    assert result.exit_code == 1
    line = _line_of(path, "norrbus-riktlinjer.md#samordnaren")
    out = result.output
    assert (f"content/guidelines/grona-kortet-norrbus.md, rad {line}: länken '/riktlinjer/norrbus-riktlinjer#samordnaren' "
            "pekar på avsnittet '#samordnaren', som inte finns i 'norrbus-riktlinjer'") in out
    assert f"rad {line}: länken '#checklistan' pekar på ett avsnitt som inte finns i riktlinjen" in out
    # The correct anchor passes.
    _edit(path, "norrbus-riktlinjer.md#samordnaren", "norrbus-riktlinjer.md#samordnare")
    _edit(path, "(#checklistan)", "(#checklista-for-samverkan-kring-barn-och-unga)")
    assert _check(content).exit_code == 0


def test_an_unknown_glossary_source_is_an_error(tmp_path):
    content = copy_content(tmp_path)
    path = content / "glossary.yaml"
    _edit(path, "    source: arjeplog-rutiner\n    aliases: [\"Barn- och utbildning\"]",
          "    source: arjeplogs-rutiner\n    aliases: [\"Barn- och utbildning\"]")
    result = _check(content)
    assert result.exit_code == 1
    line = _line_of(path, "source: arjeplogs-rutiner")
    assert (f"FEL: content/glossary.yaml, rad {line}: begreppet 'BU': källan 'arjeplogs-rutiner' är ingen riktlinje "
            "i guidelines/") in result.output


def test_a_duplicate_slug_is_an_error(tmp_path):
    content = copy_content(tmp_path)
    path = content / "glossary.yaml"
    _edit(path, "slug: vardplan", "slug: genomforandeplan")
    result = _check(content)
    assert result.exit_code == 1
    line = _line_of(path, "slug: genomforandeplan") 
    second = [n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "slug: genomforandeplan" in text][1]
    assert (f"FEL: content/glossary.yaml, rad {second}: begreppet 'Vårdplan': slug 'genomforandeplan' används redan "
            f"på rad {line}") in result.output


def test_duplicate_keys_in_roles_and_checklists_and_yaml_are_errors(tmp_path):
    content = copy_content(tmp_path)
    _edit(content / "roles.yaml", "key: sekreterare", "key: motesledare")
    _edit(content / "checklists" / "grona-kortet.yaml", "key: vem-gor-vad", "key: chefens-syn")
    _edit(content / "glossary.yaml", '    slug: lss\n', '    slug: lss\n    slug: lss\n')
    out = _check(content).output
    assert "content/roles.yaml, rad" in out and "'motesledare' i case_roles: nyckeln 'motesledare' används redan" in out
    assert "content/checklists/grona-kortet.yaml, rad" in out and "nyckeln 'chefens-syn' används redan" in out
    assert "content/glossary.yaml, rad" in out and "nyckeln 'slug' finns två gånger" in out


def test_a_role_source_heading_that_does_not_exist_is_an_error(tmp_path):
    content = copy_content(tmp_path)
    path = content / "roles.yaml"
    _edit(path, 'heading: "Planansvarig"', 'heading: "Planansvariga"')
    result = _check(content)
    assert result.exit_code == 1
    assert "'planansvarig': rubriken 'Planansvariga' finns inte i 'norrbus-riktlinjer'" in result.output


def test_warnings_do_not_fail_the_check(tmp_path):
    content = copy_content(tmp_path)
    _edit(content / "checklists" / "grona-kortet.yaml", 'text: "Vad säger min chef?"', 'text: "Vad tycker min chef?"')
    result = _check(content)
    assert result.exit_code == 0
    assert "VARNING: content/checklists/grona-kortet.yaml, rad" in result.output
    assert "punkten 'chefens-syn' står inte ordagrant i 'grona-kortet-norrbus'" in result.output
