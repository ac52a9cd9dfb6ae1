"""The retention policy (content/retention.yaml): how long each kind of record is kept and
what happens after. Pure: reading and checking the file, and the cut-off dates.

A broken file raises RetentionPolicyError naming the file, the line and the problem."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


from ..content_errors import ContentFileError
from ..yaml_lines import LineDict, YamlSyntaxError, load_yaml

FILE_NAME = "retention.yaml"

# Record type -> (Swedish label, the actions it allows). The order is the order of a run:
# consents and reports before the cases they hang on, the audit log last.
RECORD_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "consents": ("Samtycken", ("delete",)),
    "deviation_reports": ("Avvikelserapporter", ("deidentify", "delete")),
    "closed_cases": ("Avslutade ärenden", ("delete",)),
    "outbox": ("Utskick", ("blank",)),
    "audit_log": ("Granskningslogg", ("delete",)),
}
ACTION_LABELS = {"delete": "raderas", "deidentify": "avidentifieras", "blank": "töms"}
ACTION_DONE_LABELS = {"delete": "raderade", "deidentify": "avidentifierade", "blank": "tömda"}


class RetentionPolicyError(ContentFileError):
    pass


@dataclass(frozen=True)
class Rule:
    record_type: str
    action: str
    keep_years: int = 0
    keep_days: int = 0

    @property
    def label(self) -> str:
        return RECORD_TYPES[self.record_type][0]

    @property
    def keep_text(self) -> str:
        if self.keep_years:
            return f"{self.keep_years} år"
        return f"{self.keep_days} dagar"

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """Records whose clock started before this moment (naive UTC) are past retention."""
        if self.keep_years:
            return _minus_years(now, self.keep_years)
        return now - dt.timedelta(days=self.keep_days)


def _minus_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year - years, day=28)


@dataclass(frozen=True)
class Policy:
    rules: dict[str, Rule]

    def __iter__(self):
        return (self.rules[key] for key in RECORD_TYPES if key in self.rules)


def load_policy(content_dir: Path | str) -> Policy:
    path = Path(content_dir) / FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RetentionPolicyError(path, None, "filen saknas") from None
    try:
        root, duplicates = load_yaml(text)   # the one YAML loader, with the line of every key
    except YamlSyntaxError as exc:
        raise RetentionPolicyError(path, exc.line, "filen är inte giltig YAML") from None
    if not isinstance(root, LineDict):
        raise RetentionPolicyError(path, None, "filen ska innehålla en post per slag av uppgift")
    for key, line in duplicates:
        raise RetentionPolicyError(path, line, f"'{key}' finns två gånger")
    rules: dict[str, Rule] = {}
    for key, value in root.items():
        key, line = str(key), root.line_of(key)
        if key not in RECORD_TYPES:
            known = ", ".join(RECORD_TYPES)
            raise RetentionPolicyError(path, line, f"okänt slag av uppgift '{key}' (kända: {known})")
        rules[key] = _rule(path, key, value, line)
    missing = [k for k in RECORD_TYPES if k not in rules]
    if missing:
        raise RetentionPolicyError(path, None, "gallringstid saknas för: " + ", ".join(missing))
    return Policy(rules)


def _rule(path: Path, key: str, node, key_line: int) -> Rule:
    if not isinstance(node, LineDict):
        raise RetentionPolicyError(path, key_line, f"'{key}' ska ha keep_years eller keep_days och action")
    line = node.line
    values = {}
    for k, v in node.items():
        if k not in ("keep_years", "keep_days", "action"):
            raise RetentionPolicyError(path, node.line_of(k), f"okänd inställning '{k}' under '{key}'")
        values[k] = (v, node.line_of(k))
    if ("keep_years" in values) == ("keep_days" in values):
        raise RetentionPolicyError(path, line, f"'{key}' ska ha antingen keep_years eller keep_days")
    name = "keep_years" if "keep_years" in values else "keep_days"
    raw, value_line = values[name]
    if isinstance(raw, bool) or not str(raw).isdigit() or int(raw) < 1:
        raise RetentionPolicyError(path, value_line, f"{name} under '{key}' ska vara ett heltal större än noll")
    allowed = RECORD_TYPES[key][1]
    action, action_line = values.get("action", (None, line))
    if action not in allowed:
        raise RetentionPolicyError(path, action_line,
                                   f"action under '{key}' ska vara {' eller '.join(allowed)}")
    return Rule(key, action, **{name: int(raw)})
