"""The floors of issue 32 and the deployed-stack rows keep working: short runs of bench/load.py's
'floors' and 'deployed' sections against real servers, and every in-process flow of
bench/profile_flows.py once beside its floor. Only what is not a matter of speed is asserted: the
rows and targets are written, every flow answers, and nothing written is lost."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT


def _run(tmp_path, *args: str) -> str:
    output = tmp_path / "results.md"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--seconds", "1", *args,
                          "--output", str(output)], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert run.returncode in (0, 1), run.stdout[-3000:] + run.stderr[-3000:]   # 1: a speed target missed
    return output.read_text()


def _targets(text: str, section: str) -> dict[str, str]:
    """The section's rows of the "## Targets" table (the last run's): target -> line."""
    table = text.split("\n## Targets", 1)[1].split("\n## ", 1)[0]
    return {line.split(" | ")[1]: line for line in table.splitlines() if line.startswith(f"| {section} | ")}


@pytest.mark.bench
def test_every_signed_in_flow_is_measured_beside_its_floor_in_every_run(tmp_path):
    text = _run(tmp_path, "--only", "floors", "--runs", "2")
    for floor in ("floor_guideline", "floor_search", "floor_case", "floor_inbox"):
        assert f"hand-written floor (bench/baselines/{floor}.py)" in text, floor
    targets = _targets(text, "7 floors")
    for flow in ("guideline page, signed in", "search, signed in", "case page with its panels", "managers' inbox, page 1"):
        assert f"{flow} >= 0.5 x its floor" in targets, flow
    lost = next(v for k, v in targets.items() if k.startswith("case page: zero lost"))
    assert lost.rstrip().endswith("| met |"), lost
    every_run = text.split("## Every run", 1)[1]
    assert "| run 1 | run 2 | in every run |" in every_run
    assert every_run.count("| 7 floors |") == len(targets)


@pytest.mark.bench
@pytest.mark.slow
def test_the_deployed_stack_rows_lose_no_report_on_sqlite_or_mariadb(tmp_path):
    text = _run(tmp_path, "--only", "deployed")
    for database in ("sqlite", "mariadb"):
        for row in ("guideline page, no session (nginx cache)", "guideline page, signed in",
                    "guideline page, no session, straight from one instance", "report submission (form + signature)",
                    "burst: 50 connections"):
            assert f"| 8 deployed | {database}: {row}" in text, (database, row)
        targets = _targets(text, "8 deployed")
        for target in (f"{database}: submissions through nginx with TLS, zero lost",
                       f"{database}: a burst of reports (50 connections, 2 s, nginx with TLS) loses nothing"):
            assert targets[target].rstrip().endswith("| met |"), targets[target]
        assert f"{database}: the burst's p99 < 1 s" in targets


@pytest.mark.bench
def test_each_flow_answers_in_process_beside_its_floor():
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_flows.py"), "--requests", "3"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    lines = {line.split()[0] + (" " + line.split()[1] if line.split()[1] != "median" else ""): line
             for line in run.stdout.splitlines() if " median " in line}
    for flow in ("guideline", "search", "case", "inbox"):
        assert "x the floor's rate" in lines[flow], lines.get(flow)
    assert "submission" in lines and "case list" in lines
