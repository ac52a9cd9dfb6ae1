"""Loading and validating form definitions from forms/<key>.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from ..content_errors import ContentFileError
from ..directory.loader import DirectoryError, read_yaml_with_lines
from ..yaml_lines import line_of

FIELD_TYPES = {
    "text", "textarea", "date", "choice", "multichoice", "select", "unit", "boolean",
    "email", "phone", "personal_number", "number",
}
# Free text: refused over its max_length, which every such field must give (issue 27).
FREE_TEXT = ("text", "textarea", "email", "phone")


class FormDefinitionError(ContentFileError):
    pass


@dataclass(frozen=True)
class FieldDef:
    key: str
    type: str
    label: str
    help: str = ""
    required: bool = False
    max_length: int | None = None
    choices: tuple[tuple[str, str], ...] = ()
    choices_from: str = ""          # name of a dynamic choice list given at build time (e.g. "unit")
    error: str = ""                 # Swedish message when a required field is empty
    not_future: bool = False
    width: int | None = None
    rows: int = 5
    pdf: bool = True                # shown in PDFs and summaries
    # Cross-field rules, evaluated by the form machinery (portal/formdefs/wtf.py). required_if:
    # (a field of the same section, a value): required when that field equals the value (a
    # multichoice: has it among its choices). min_choices: a multichoice needs that many (when any).
    required_if: tuple[str, object] | None = None
    min_choices: int = 0
    min_choices_error: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SectionDef:
    key: str
    title: str
    help: str = ""
    fields: tuple[FieldDef, ...] = ()
    repeat: bool = False
    min_entries: int = 0
    max_entries: int = 20
    item_label: str = ""
    add_label: str = ""
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FormDefinition:
    key: str
    title: str
    source: str
    intro: str
    sections: tuple[SectionDef, ...]
    path: Path = field(compare=False, default=None)
    extra: dict = field(compare=False, default_factory=dict)
    line: int | None = field(default=None, compare=False)

    def section(self, key: str) -> SectionDef:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def load_definition(path: Path) -> FormDefinition:
    try:
        data = read_yaml_with_lines(path)
    except DirectoryError as exc:
        raise FormDefinitionError(path, exc.line, exc.problem) from None
    p = _Parser(path)
    return p.form(data)


def get_definition(key: str) -> FormDefinition:
    """The definition forms/<key>.yaml, parsed once per app (re-read in debug mode)."""
    cache = current_app.extensions.setdefault("formdefs", {})
    path = Path(current_app.config["PORTAL_FORMS_DIR"]) / f"{key}.yaml"
    mtime = path.stat().st_mtime if path.exists() else None
    cached = cache.get(key)
    if cached and (not current_app.debug or cached[0] == mtime):
        return cached[1]
    definition = load_definition(path)
    cache[key] = (mtime, definition)
    return definition


def over_limit(definition: FormDefinition, record: dict) -> list[str]:
    """The fields ("section.field") of a stored record whose text is longer than its definition allows.

    The last guard before a record is written: services refuse such a record (drafts too), the
    forms have already told the user which field is too long."""
    over = []
    for section in definition.sections:
        value = record.get(section.key)
        entries = value if section.repeat and isinstance(value, list) else [value]
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            for fd in section.fields:
                text = entry.get(fd.key)
                if fd.max_length and isinstance(text, str) and len(text) > fd.max_length:
                    over.append(f"{section.key}.{fd.key}")
    return over


class RecordTooLong(ValueError):
    """A record with text over its definition's limits reached a service: a form failed to refuse it."""


def refuse_over_limit(definition: FormDefinition, record: dict) -> None:
    """The guard every service that stores a definition's record calls first (drafts too): such
    text is never stored, nor cut."""
    too_long = over_limit(definition, record)
    if too_long:
        raise RecordTooLong(f"{definition.key}: text over its limit in {', '.join(too_long)}")


def check_all(forms_dir: Path) -> list[str]:
    """Every definition in forms_dir: its own rules and the fields the code declares it reads
    (portal/formdefs/contract.py)."""
    # local: contract imports definition at the top (FieldKey reads FormDefinition)
    from .contract import check_declared

    errors = []
    for path in sorted(Path(forms_dir).glob("*.yaml")):
        try:
            check_declared(load_definition(path))
        except FormDefinitionError as exc:
            errors.append(str(exc))
    return errors


class _Parser:
    def __init__(self, path):
        self.path = path

    def fail(self, node, problem):
        raise FormDefinitionError(self.path, line_of(node), problem)

    def req(self, node, key, what):
        if not isinstance(node, dict) or node.get(key) in (None, ""):
            self.fail(node, f"{what} saknar '{key}'")
        return node[key]

    def form(self, data) -> FormDefinition:
        if not isinstance(data, dict):
            raise FormDefinitionError(self.path, 1, "filen ska vara en mappning med key, title och sections")
        key = self.req(data, "key", "formuläret")
        if key != self.path.stem:
            self.fail(data, f"nyckeln '{key}' ska vara samma som filnamnet '{self.path.stem}'")
        sections, seen = [], set()
        for snode in self.req(data, "sections", "formuläret"):
            section = self.section(snode)
            if section.key in seen:
                self.fail(snode, f"avsnittet '{section.key}' finns redan")
            seen.add(section.key)
            sections.append(section)
        for fnode in data.get("area_fields") or []:  # the fields of each area of a plan (portal/plans/definitions.py)
            self.field(fnode, "area_fields")
        extra = {k: v for k, v in data.items() if k not in {"key", "title", "source", "intro", "sections"}}
        return FormDefinition(key, self.req(data, "title", "formuläret"), str(data.get("source") or ""),
                              str(data.get("intro") or ""), tuple(sections), self.path, _strip_lines(extra),
                              data.get("__line__"))

    def section(self, node) -> SectionDef:
        key = self.req(node, "key", "ett avsnitt")
        fields, seen = [], set()
        for fnode in self.req(node, "fields", f"avsnittet '{key}'"):
            f = self.field(fnode, key)
            if f.key in seen:
                self.fail(fnode, f"fältet '{f.key}' finns redan i avsnittet '{key}'")
            seen.add(f.key)
            fields.append(f)
        for fnode, f in zip(node["fields"], fields):
            if f.required_if and f.required_if[0] not in seen:
                self.fail(fnode, f"required_if i fältet '{f.key}' nämner fältet '{f.required_if[0]}', "
                                 f"som inte finns i avsnittet '{key}'")
        repeat = node.get("repeat") or {}
        if repeat and not isinstance(repeat, dict):
            self.fail(node, f"'repeat' i avsnittet '{key}' ska vara en mappning (min, max, item_label)")
        return SectionDef(
            key=key, title=self.req(node, "title", f"avsnittet '{key}'"), help=str(node.get("help") or ""),
            fields=tuple(fields), repeat=bool(repeat), min_entries=int(repeat.get("min", 0)) if repeat else 0,
            max_entries=int(repeat.get("max", 20)) if repeat else 1,
            item_label=str(repeat.get("item_label", "")) if repeat else "",
            add_label=str(repeat.get("add_label", "")) if repeat else "", line=node.get("__line__"),
        )

    def field(self, node, section_key) -> FieldDef:
        key = self.req(node, "key", f"ett fält i avsnittet '{section_key}'")
        ftype = node.get("type", "text")
        if ftype not in FIELD_TYPES:
            self.fail(node, f"fältet '{key}' har okänd typ '{ftype}' (tillåtna: {', '.join(sorted(FIELD_TYPES))})")
        choices = ()
        if ftype in ("choice", "multichoice", "select") and not node.get("choices_from"):
            raw = self.req(node, "choices", f"fältet '{key}'")
            choices = tuple((str(c["value"]), str(c["label"])) if isinstance(c, dict) else (str(c), str(c)) for c in raw)
        max_length = node.get("max_length")
        if ftype in FREE_TEXT and max_length is None:
            self.fail(node, f"fältet '{key}' saknar 'max_length' (varje fritextfält ska ha en längsta längd i tecken)")
        if max_length is not None and (type(max_length) is not int or max_length < 1):
            self.fail(node, f"'max_length' i fältet '{key}' ska vara ett heltal större än 0")
        required_if = node.get("required_if")
        if required_if is not None:
            if not isinstance(required_if, dict) or not required_if.get("field") or "equals" not in required_if:
                self.fail(node, f"required_if i fältet '{key}' ska vara {{field: fält, equals: värde}}")
            required_if = (str(required_if["field"]), required_if["equals"])
        min_choices = node.get("min_choices", 0)
        if min_choices and (ftype != "multichoice" or type(min_choices) is not int or min_choices < 1):
            self.fail(node, f"min_choices i fältet '{key}' ska vara ett heltal större än 0 "
                            "(och finns bara för typen multichoice)")
        return FieldDef(
            key=key, type=ftype, label=self.req(node, "label", f"fältet '{key}'"), help=str(node.get("help") or ""),
            required=bool(node.get("required", False)), max_length=max_length, choices=choices,
            choices_from=str(node.get("choices_from") or ("unit" if ftype == "unit" else "")),
            error=str(node.get("error") or ""), not_future=bool(node.get("not_future", False)),
            width=node.get("width"), rows=int(node.get("rows", 5)), pdf=bool(node.get("pdf", True)),
            required_if=required_if, min_choices=min_choices,
            min_choices_error=str(node.get("min_choices_error") or ""),
            line=node.get("__line__"),
        )


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value
