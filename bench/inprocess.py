"""In-process benchmarks: run every bench/*_bench.py and print their figures (no HTTP server).

    .venv/bin/python bench/inprocess.py      (or: make bench-inprocess)

The load benchmarks against the baselines are bench/run (make bench).

Figures are measured here, never asserted in tests."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    for path in sorted(HERE.glob("*_bench.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {path.stem}")
        module.main()
        print()


if __name__ == "__main__":
    main()
