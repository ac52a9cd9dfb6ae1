"""The one error for a broken configuration file in content/ or forms/: it names the file, the
line when known, and the problem in Swedish, so start-up and the check commands can say exactly
what to fix."""
from __future__ import annotations

from pathlib import Path


class ContentFileError(Exception):
    def __init__(self, path: Path | str, line: int | None, problem: str):
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{self.path}, rad {line}" if line else self.path
        super().__init__(f"{where}: {problem}")
