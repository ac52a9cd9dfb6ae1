"""The test suite's own layout (issue 31, item 9): tests grouped as tests/<feature>/, fixtures only
in conftest.py files and nothing imported from one (pytest loads conftest.py itself; importing it
again runs it twice under another name and hides where a helper lives). Constants and helper
functions are in tests/helpers.py and tests/support/."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

TESTS = ROOT / "tests"


def _python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts)


def conftest_imports(path: Path) -> list[str]:
    """`file:line` of each import in `path` that reaches into a conftest module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module or ''}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if any(name.split(".")[-1] == "conftest" for name in names):
            found.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{node.lineno}")
    return found


def test_no_file_under_tests_imports_from_a_conftest():
    found = [where for path in _python_files() for where in conftest_imports(path)]
    assert not found, ("imports from conftest (use a fixture, or move the helper to tests/helpers.py or "
                       f"tests/support/): {found}")


def test_the_check_finds_every_form_of_a_conftest_import(tmp_path):
    lines = ["from tests.conftest import login", "from .conftest import TIMEOUT_MS", "from . import conftest",
             "import tests.browser.conftest", "def f():\n    from tests.conftest import SEEDS"]
    for number, line in enumerate(lines):
        path = tmp_path / f"test_{number}.py"
        path.write_text(line + "\n", encoding="utf-8")
        assert conftest_imports(path) == [f"{path}:{line.count(chr(10)) + 1}"], line
    clean = tmp_path / "test_clean.py"
    clean.write_text("from tests.helpers import login\nfrom tests.support.consent import deliver\n", encoding="utf-8")
    assert conftest_imports(clean) == []


def test_test_files_are_grouped_by_feature_in_packages():
    loose = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert not loose, f"test files directly in tests/: move them to tests/<feature>/ (see tests/README.md): {loose}"
    # Every folder with Python files is a package, so two test_x.py in different folders never collide.
    folders = {p.parent for p in _python_files()}
    missing = sorted(str(folder.relative_to(ROOT)) for folder in folders if not (folder / "__init__.py").exists())
    assert not missing, f"folders without __init__.py: {missing}"
