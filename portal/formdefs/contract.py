"""The form definitions are the contract: the code that reads a definition's fields declares them.

    MONTHS, UNITS = formdefs.keys("consent_request", "validity__months", "units__units")
    form[MONTHS.name]          # the field in a form built from the definition
    MONTHS.of(record)          # its value in a stored record
    INTERVENTIONS, = formdefs.keys(("sip", "barnets_plan"), "interventions")   # a whole section
    PRIORITY, = formdefs.keys("barnets_plan", "area_fields__priority")  # a field of every area (plans)

Every declaration is checked against forms/<form>.yaml when the portal starts (`check_app`) and by
`portal forms check` (`check_forms_dir`): a declared section or field that the definition lacks stops
start-up with the file, the line and the module that reads it, instead of a KeyError on some page."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from .definition import FieldDef, FormDefinition, FormDefinitionError, load_definition


@dataclass(frozen=True)
class FieldKey:
    section: str
    key: str = ""     # "": the whole section

    @property
    def name(self) -> str:
        """The field's name in a form built from the definition."""
        return f"{self.section}__{self.key}" if self.key else self.section

    def entry_name(self, index: int) -> str:
        """The field's name in entry `index` of a repeating section of a built form."""
        return f"{self.section}-{index}-{self.key}"

    def of(self, record: dict | None, default=None):
        """The value in a stored record: a field's value, or a section's dict (list for a repeating one)."""
        section = (record or {}).get(self.section)
        if not self.key:
            return default if section is None else section
        return section.get(self.key, default) if isinstance(section, dict) else default

    def field_def(self, definition: FormDefinition) -> FieldDef:
        return next(f for f in definition.section(self.section).fields if f.key == self.key)


AREA_FIELDS = "area_fields"  # the fields of each area of a plan (portal/plans/definitions.py)
# form key -> {FieldKey: the modules that read it}
_DECLARED: dict[str, dict[FieldKey, set[str]]] = {}


def keys(forms: str | tuple[str, ...], *paths: str) -> tuple[FieldKey, ...]:
    """Declares the fields ("section__field") or sections ("section") a module reads from the
    definitions `forms` and returns them, in order, as FieldKeys."""
    module = sys._getframe(1).f_globals.get("__name__", "?")
    result = []
    for path in paths:
        section, _, key = path.partition("__")
        result.append(FieldKey(section, key))
    for form in (forms,) if isinstance(forms, str) else forms:
        declared = _DECLARED.setdefault(form, {})
        for field_key in result:
            declared.setdefault(field_key, set()).add(module)
    return tuple(result)


def record_of(values: dict[FieldKey, object]) -> dict:
    """A record {section: {field: value}} holding `values` (e.g. a new form's defaults)."""
    record: dict = {}
    for field_key, value in values.items():
        record.setdefault(field_key.section, {})[field_key.key] = value
    return record


def declared_forms() -> list[str]:
    return sorted(_DECLARED)


def check_declared(definition: FormDefinition) -> None:
    """Raises FormDefinitionError (file, line, Swedish problem) for the first declared key the
    definition lacks."""
    for field_key, modules in sorted(_DECLARED.get(definition.key, {}).items(), key=lambda i: i[0].name):
        readers = ", ".join(sorted(modules))
        if field_key.section == AREA_FIELDS:
            present = {str(node.get("key")) for node in definition.extra.get(AREA_FIELDS) or []
                       if isinstance(node, dict)}
            if field_key.key not in present:
                raise FormDefinitionError(definition.path, definition.line,
                                          f"fältet '{field_key.key}' saknas i {AREA_FIELDS}, men {readers} läser det")
            continue
        try:
            section = definition.section(field_key.section)
        except KeyError:
            raise FormDefinitionError(definition.path, definition.line,
                                      f"avsnittet '{field_key.section}' saknas, men {readers} läser det") from None
        if field_key.key and field_key.key not in {f.key for f in section.fields}:
            raise FormDefinitionError(definition.path, section.line,
                                      f"fältet '{field_key.key}' saknas i avsnittet '{field_key.section}', "
                                      f"men {readers} läser det")


_checked: dict[tuple, bool] = {}


def check_forms_dir(forms_dir: Path | str) -> None:
    """Checks every declared form's definition in `forms_dir` (each file once while unchanged)."""
    for form in declared_forms():
        path = Path(forms_dir) / f"{form}.yaml"
        if not path.exists():
            raise FormDefinitionError(path, None, "filen saknas, men portalen läser formuläret")
        stat = path.stat()
        marker = (str(path.resolve()), stat.st_mtime_ns, stat.st_size,
                  tuple(sorted((k.name, tuple(sorted(m))) for k, m in _DECLARED[form].items())))
        if marker in _checked:
            continue
        check_declared(load_definition(path))
        _checked[marker] = True


def check_app(app) -> None:
    """At start-up: the definitions in PORTAL_FORMS_DIR have every field the code declares."""
    check_forms_dir(app.config["PORTAL_FORMS_DIR"])


def import_readers() -> None:
    """Imports every module of the portal's features, so that their declarations are made (for
    the check that runs without the app)."""
    # local: the reading modules are imported only when checked (they import formdefs at the top)
    import importlib
    import pkgutil

    from .. import FEATURES

    for name in FEATURES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), f"{name}."):
            importlib.import_module(info.name)
