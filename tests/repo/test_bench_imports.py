"""Every name bench/ takes from the portal still exists: a refactor that moves a function must
move the benchmarks' imports with it (a moved load_content once broke every floor unnoticed
until the slow bench tests ran)."""
import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _portal_imports():
    for path in sorted((ROOT / "bench").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "portal":
                for alias in node.names:
                    yield path.relative_to(ROOT), node.lineno, node.module, alias.name


def test_every_portal_name_the_benchmarks_import_exists():
    missing = []
    for path, line, module, name in _portal_imports():
        try:
            found = importlib.import_module(module)
        except ImportError as exc:
            missing.append(f"{path}:{line}: {module} ({exc})")
            continue
        if not hasattr(found, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{path}:{line}: {module}.{name}")
    assert not missing, "\n".join(missing)
