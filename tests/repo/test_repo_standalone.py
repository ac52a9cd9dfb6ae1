"""The repository stands alone: a clone anywhere runs `make test`. No tracked file refers to a
folder beside the checkout (the old shared seed folder) or to a path on one machine, and the
source documents the tests read are in docs/sources/, each described in its README."""
from __future__ import annotations

import hashlib
import re
import subprocess

from tests.helpers import ROOT, SEEDS

# Written so that this file does not match itself: the sibling folder "shared" and absolute paths under work.
OUTSIDE = re.compile(r"\.\./shared\b|\.parent\s*/\s*[\"']shared[\"']|(?<![\w.~-])/wor[k]/")
NOT_TRACKED_DIRS = {".git", ".venv", "node_modules", "instance", "test-artifacts", "build", "dist", "site",
                    "__pycache__", ".pytest_cache", ".hypothesis"}


def tracked_files() -> list[str]:
    """The files git tracks (and is about to track); without git, every file outside build output."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True, timeout=60).stdout
        return [name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                if p.is_file() and not NOT_TRACKED_DIRS & set(p.relative_to(ROOT).parts)]


def references_outside(names: list[str]) -> list[str]:
    found = []
    for name in names:
        path = ROOT / name
        if not path.is_file():
            continue  # deleted in the working tree
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    return found


def test_no_file_refers_to_a_folder_outside_the_repository():
    names = tracked_files()
    assert "tests/conftest.py" in names and "docs/sources/README.md" in names
    found = references_outside(names)
    assert not found, ("these lines refer to something outside the repository (a sibling folder or a "
                       "machine's path); bring what they need into the repository:\n  " + "\n  ".join(found))


def test_the_check_finds_a_reference_outside(tmp_path, monkeypatch):
    probe = tmp_path / "probe.md"
    sibling, machine = "../" + "shared/NAMING.md", "/" + "work/main/.venv"
    in_code = "SEEDS = ROOT.parent / " + '"shared" / "seeds"'
    probe.write_text(f"Read `{sibling}`.\nRun {machine}/bin/python.\nA network/ folder and ~/work/ are fine.\n"
                     f"{in_code}\n", encoding="utf-8")
    monkeypatch.setattr("tests.repo.test_repo_standalone.ROOT", tmp_path)
    assert references_outside(["probe.md"]) == [f"probe.md:1: Read `{sibling}`.",
                                                 f"probe.md:2: Run {machine}/bin/python.",
                                                 f"probe.md:4: {in_code}"]


def test_every_source_document_is_in_the_repository_and_described():
    readme = (SEEDS / "README.md").read_text(encoding="utf-8")
    from tests.support.guidance import SEED_OF

    documents = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert sorted(SEED_OF.values()) == documents, "every source document is published, and only those"
    listed = {name: digest for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+\.txt)$", readme, re.M)}
    for name in documents:
        assert f"| `{name}` |" in readme, f"docs/sources/README.md does not describe {name}"
        digest = hashlib.sha256((SEEDS / name).read_bytes()).hexdigest()
        assert listed.get(name) == digest, f"{name} differs from the text as received (docs/sources/README.md)"
