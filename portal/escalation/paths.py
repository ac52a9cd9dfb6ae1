"""Where a disagreement about responsibility is referred, per process (content/escalation.yaml).

Pure: no request or database.

    paths = load_paths(content_dir, directory)   # {process key: (Level, ...)}; ContentFileError when broken
    next_level(paths["norrbus"], tried=["kommun"])  # the länsdel level
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..content_errors import ContentFileError
from ..directory.loader import Directory, DirectoryError, read_yaml_with_lines
from ..plans.process import Source   # the same (guideline, heading, quoted text) a process step cites
from ..yaml_lines import line_of

FILE_NAME = "escalation.yaml"


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    level: str                       # roles.yaml collaboration_levels key
    services: tuple[str, ...]        # whose service-level managers are told
    source: Source
    line: int | None = field(default=None, compare=False)
    # The routine's rule that the level's members get the minutes of a referred case's meetings
    # (None: the routine does not say so, and nothing is sent).
    minutes: Source | None = None


def load_paths(content_dir: Path | str, directory: Directory) -> dict[str, tuple[Level, ...]]:
    path = Path(content_dir) / FILE_NAME
    if not path.exists():
        return {}
    try:
        data = read_yaml_with_lines(path)
    except DirectoryError as exc:
        raise ContentFileError(path, exc.line, exc.problem) from None

    def fail(node, problem):
        raise ContentFileError(path, line_of(node), problem)

    if not isinstance(data, dict) or not isinstance(data.get("processes"), dict):
        raise ContentFileError(path, 1, "filen ska ha nyckeln 'processes' med nivåer per arbetssätt")
    result: dict[str, tuple[Level, ...]] = {}
    for process_key, nodes in data["processes"].items():
        if not isinstance(nodes, list) or not nodes:
            fail(data["processes"], f"arbetssättet '{process_key}' ska ha en lista med nivåer")
        levels, seen = [], set()
        for node in nodes:
            if not isinstance(node, dict):
                fail(data["processes"], f"varje nivå i '{process_key}' ska ha key, name, level, services och source")
            key, name = str(node.get("key") or ""), str(node.get("name") or "")
            if not key or not name or key in seen:
                fail(node, f"en nivå i '{process_key}' saknar key eller name, eller har samma key som en annan")
            seen.add(key)
            services = node.get("services") or []
            if not isinstance(services, list) or any(s not in directory.services for s in services):
                fail(node, f"nivån '{key}': services ska vara verksamheter i organisationskatalogen")
            src = node.get("source") or {}
            if not isinstance(src, dict) or not src.get("guideline") or not src.get("text"):
                fail(node, f"nivån '{key}' saknar source (guideline, heading, text)")
            minutes = node.get("minutes")
            if minutes is not None:
                cited = minutes.get("source") if isinstance(minutes, dict) else None
                if not isinstance(cited, dict) or not cited.get("guideline") or not cited.get("text"):
                    fail(node, f"nivån '{key}': minutes ska ha source (guideline, heading, text) ur rutinen")
                if not services:
                    fail(node, f"nivån '{key}': minutes kräver services (vilka som får anteckningarna)")
            levels.append(Level(key, name, str(node.get("level") or ""), tuple(services), _source(src),
                                line_of(node), _source(minutes["source"]) if minutes is not None else None))
        result[str(process_key)] = tuple(levels)
    return result


def _source(node: dict) -> Source:
    return Source(str(node["guideline"]), str(node.get("heading") or ""), " ".join(str(node["text"]).split()))


def next_level(levels: tuple[Level, ...], tried: list[str]) -> Level | None:
    """The first level not yet tried, in the routine's order; None when every level has been."""
    for level in levels:
        if level.key not in tried:
            return level
    return None


def contacts(directory: Directory, level: Level) -> list:
    """The service-level managers told of a referral (directory Manager objects, each once)."""
    seen, result = set(), []
    for key in level.services:
        for manager in directory.services[key].managers:
            if manager.email not in seen:
                seen.add(manager.email)
                result.append(manager)
    return result
