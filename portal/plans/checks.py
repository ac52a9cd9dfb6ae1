"""`portal directory check`: warnings about content/processes/*.yaml (pure, no app needed)."""
from __future__ import annotations

import re
from pathlib import Path

from .process import ProcessError, load_processes


def process_warnings(_directory, content_dir) -> list[str]:
    try:
        processes = load_processes(content_dir)
    except ProcessError as exc:
        return [f"processerna kan inte läsas: {exc}"]
    warnings = []
    for authority in (_directory.authorities.values() if _directory is not None else ()):
        if authority.process and authority.process not in processes:
            warnings.append(f"huvudmannen '{authority.key}' har process '{authority.process}', som inte finns i "
                            f"content/processes/ (tillgängliga: {', '.join(sorted(processes))}); portalens "
                            "standardprocess används")
    for process in processes.values():
        for step in process.steps:
            source = step.source
            if not source.guideline:
                continue
            path = Path(content_dir) / "guidelines" / f"{source.guideline}.md"
            if not path.exists():
                warnings.append(f"processen '{process.key}', steget '{step.key}': riktlinjen '{source.guideline}' finns inte")
                continue
            if source.heading and not re.search(rf"^#+\s+{re.escape(source.heading)}\s*$", path.read_text(encoding="utf-8"),
                                                re.M):
                warnings.append(f"processen '{process.key}', steget '{step.key}': rubriken '{source.heading}' finns inte "
                                f"i {path.name}")
    return warnings

