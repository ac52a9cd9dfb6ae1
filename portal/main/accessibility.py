"""The accessibility statement's facts that differ per installation (content/accessibility.yaml):
who stands behind the portal, how to reach them, and the dates of the assessment.

A broken file stops start-up with the file and the problem; a missing file leaves the page with
a general contact text (the installation still has to fill it in)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..content_errors import ContentFileError
from ..yaml_lines import read_yaml_with_lines

FILE_NAME = "accessibility.yaml"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccessibilityStatementError(Exception):
    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class StatementFacts:
    organisation: str
    email: str
    phone: str
    response_time: str
    assessed: dt.date
    updated: dt.date


def load_statement(content_dir: Path | str) -> StatementFacts | None:
    path = Path(content_dir) / FILE_NAME
    if not path.exists():
        return None
    try:
        data = read_yaml_with_lines(path) or {}
    except ContentFileError as exc:   # the one YAML loader: the line and the problem in Swedish
        raise AccessibilityStatementError(path, f"inte giltig YAML ({exc})") from None
    if not isinstance(data, dict):
        raise AccessibilityStatementError(path, "filen ska innehålla nycklar och värden")
    contact = data.get("contact") or {}
    organisation = str(data.get("organisation") or "").strip()
    email = str(contact.get("email") or "").strip()
    if not organisation:
        raise AccessibilityStatementError(path, "organisation saknas (den offentliga aktören bakom portalen)")
    if not EMAIL_RE.match(email):
        raise AccessibilityStatementError(path, "contact.email saknas eller är inte en e-postadress")
    dates = {}
    for key in ("assessed", "updated"):
        value = data.get(key)
        if not isinstance(value, dt.date):
            raise AccessibilityStatementError(path, f"{key} ska vara ett datum (ÅÅÅÅ-MM-DD)")
        dates[key] = value
    return StatementFacts(organisation=organisation, email=email, phone=str(contact.get("phone") or "").strip(),
                          response_time=str(contact.get("response_time") or "").strip(), **dates)
