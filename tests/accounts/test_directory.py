import shutil

import pytest
from click.testing import CliRunner

from portal.cli import cli
from portal.directory.loader import DirectoryError, load_directory
from tests.helpers import ROOT



def test_the_demo_directory_models_arjeplog(app):
    d = app.extensions["directory"]
    assert {a.name for a in d.authorities.values()} == {"Arjeplogs kommun", "Region Norrbotten", "Polismyndigheten",
                                                        "Växjö kommun", "Region Kronoberg"}
    # each region's cases follow its own routine until staff choose another
    assert {k: a.process for k, a in d.authorities.items()} == {
        "arjeplogs-kommun": "arjeplog", "region-norrbotten": "norrbus", "polismyndigheten": "",
        "vaxjo-kommun": "kronobarn", "region-kronoberg": "kronobarn"}
    assert d.service_type_of("solbackens-skola").key == "grundskola"
    assert d.service_type_of("silverfjallets-gymnasium").key == "gymnasieskola"
    assert d.service_type_of("ifo-barn-och-familj").sector == "socialtjanst"
    assert d.service_type_of("arjeplogs-vardcentral").key == "primarvard"
    roles = {m.role for m in d.managers_of("solbackens-skola")}
    assert roles == {"rektor", "forskole-och-grundskolechef"}
    assert all(m.email.endswith(".example") for m in d.all_managers())


def _copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


@pytest.mark.parametrize("old,new,line,problem", [
    ("type: grundskola\n", "type: skolan\n", None, "okänd typ 'skolan'"),
    ("role: rektor}", "role: overste}", None, "okänd chefsroll 'overste'"),
    ("key: ifo-barn-och-familj", "key: solbackens-skola", None, "används redan"),
    ("    kind: region", "    kind: landsting", None, "okänd sort 'landsting'"),
    ("services:\n      - key: norrbotten-primarvard", "services:\n      - key: norrbotten-primarvard\n   bad: [", None, "felaktig YAML"),
])
def test_a_broken_directory_names_the_file_the_line_and_the_problem(tmp_path, old, new, line, problem):
    content = _copy(tmp_path)
    path = content / "directory.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DirectoryError) as err:
        load_directory(content)
    message = str(err.value)
    assert str(path) in message and problem in message
    assert ", rad " in message
    expected_line = int(message.split(", rad ")[1].split(":")[0])
    assert 1 <= expected_line <= len(text.splitlines()) + 2


def test_the_line_number_points_at_the_broken_entry(tmp_path):
    content = _copy(tmp_path)
    path = content / "directory.yaml"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if "type: gymnasieskola" in line and "key:" not in line)
    lines[index] = lines[index].replace("gymnasieskola", "universitet")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DirectoryError) as err:
        load_directory(content)
    assert err.value.line in (index, index + 1, index - 1)  # the service entry that holds the bad type


def test_start_up_stops_on_a_broken_directory(app_factory, tmp_path):
    content = _copy(tmp_path)
    (content / "directory.yaml").write_text("service_types: [\n")
    with pytest.raises(DirectoryError) as err:
        app_factory(PORTAL_CONTENT_DIR=content)
    assert "directory.yaml, rad" in str(err.value)


def test_portal_directory_check_validates_without_starting_anything(tmp_path):
    content = _copy(tmp_path)
    ok = CliRunner().invoke(cli, ["directory", "check", "--content-dir", str(content)])
    assert ok.exit_code == 0 and "Organisationskatalogen är giltig" in ok.output
    (content / "directory.yaml").write_text((content / "directory.yaml").read_text().replace("role: rektor}", "role: nej}", 1))
    bad = CliRunner().invoke(cli, ["directory", "check", "--content-dir", str(content)])
    assert bad.exit_code == 1 and "okänd chefsroll 'nej'" in bad.output and "rad" in bad.output


def test_directory_check_warns_about_units_without_managers(tmp_path):
    content = _copy(tmp_path)
    text = (content / "directory.yaml").read_text()
    text = text.replace("""            managers:
              - {name: Per Polhem, email: per.polhem@polisen.example, role: gruppchef-polis}
""", "")
    (content / "directory.yaml").write_text(text)
    result = CliRunner().invoke(cli, ["directory", "check", "--content-dir", str(content)])
    assert result.exit_code == 0
    assert "VARNING: enheten 'polisen-arjeplog'" in result.output
