"""The areas of Barnets plan as the region's configuration (content/plan_areas.yaml): pure, no app.

    areas = load_plan_areas(content_dir)   # PlanAreas; ContentFileError (file, line) when broken
    areas.areas                            # [{"key", "title", "help"?}, ...]
    areas.source, areas.confirmed          # where the labels come from; has the region confirmed them?

Kronoberg's guidance says Barnets plan has "samma sju områden som tas upp i Barnens bästa-hjulet"
without listing them, so the labels are the region's to confirm, not the portal's to assert."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..content_errors import ContentFileError
from ..directory.loader import DirectoryError, read_yaml_with_lines
from ..yaml_lines import line_of

FILE_NAME = "plan_areas.yaml"


@dataclass(frozen=True)
class PlanAreas:
    areas: list[dict]
    source: str
    confirmed: bool
    confirmed_by: str = ""
    path: Path | None = field(default=None, compare=False)


def load_plan_areas(content_dir: Path | str) -> PlanAreas | None:
    """The region's areas, or None when the content folder has no plan_areas.yaml."""
    path = Path(content_dir) / FILE_NAME
    if not path.exists():
        return None
    try:
        data = read_yaml_with_lines(path)
    except DirectoryError as exc:
        raise ContentFileError(path, exc.line, exc.problem) from None
    if not isinstance(data, dict) or not isinstance(data.get("areas"), list) or not data["areas"]:
        raise ContentFileError(path, 1, "filen ska ha en lista 'areas' med områden (key, title)")
    areas = []
    for node in data["areas"]:
        if not isinstance(node, dict) or not node.get("key") or not node.get("title"):
            raise ContentFileError(path, line_of(node),
                                   "varje område ska ha key och title")
        areas.append({k: str(v) for k, v in node.items() if k in ("key", "title", "help")})
    source = " ".join(str(data.get("source") or "").split())
    if not source:
        raise ContentFileError(path, line_of(data), "source saknas: skriv var områdenas namn kommer ifrån")
    confirmed = data.get("confirmed", False)
    if not isinstance(confirmed, bool):
        raise ContentFileError(path, line_of(data), "confirmed ska vara true eller false")
    return PlanAreas(areas, source, confirmed, str(data.get("confirmed_by") or ""), path)


def confirmation_warning(areas: PlanAreas | None) -> str | None:
    if areas is None or areas.confirmed:
        return None
    return ("områdena i Barnets plan är inte bekräftade av regionen (confirmed: false): portalen visar "
            "sitt förslag och säger det på sidan")
