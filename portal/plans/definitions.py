"""The plan forms: forms/sip.yaml (Norrbus Bilaga 2) and forms/barnets_plan.yaml (Kronoberg).

Barnets plan lists its areas under `areas`, or names the region's file in content/ with
`areas_from` (content/plan_areas.yaml: the Barnens bästa wheel as the region confirms it), and
the fields of one area under `area_fields`; this module expands them into one
section `area_<key>` per area after the section named in `areas_after`, so the rest of the
portal (form, record, summaries, diff) treats them as ordinary sections."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from flask import current_app

from ..formdefs import FormDefinition, FormDefinitionError, SectionDef, get_definition, keys
from ..formdefs.contract import check_declared
from ..formdefs.definition import _Parser
from .areas import FILE_NAME as AREAS_FILE
from .areas import load_plan_areas

PLAN_KINDS = ("sip", "barnets_plan")
# What every plan form must have (the plan pages, approvals and deadlines read them).
keys(PLAN_KINDS, "interventions__what", "interventions__unit", "interventions__contact", "interventions__cost",
     "roles__coordinator", "roles__plan_owner", "roles__lead_service", "followup__date")


@dataclass(frozen=True)
class Area:
    key: str
    title: str
    help: str = ""

    @property
    def section_key(self) -> str:
        return f"area_{self.key}"


def areas_of(definition: FormDefinition) -> list[Area]:
    return [Area(str(a["key"]), str(a["title"]), str(a.get("help") or "")) for a in definition.extra.get("areas") or []]


def plan_definition(kind: str) -> FormDefinition:
    """The plan form of a kind, with its area sections expanded (cached with the definition)."""
    if kind not in PLAN_KINDS:
        raise KeyError(kind)
    base = get_definition(kind)
    cached = base.extra.get("_expanded")
    if cached is not None:
        return cached
    expanded = expand_areas(with_region_areas(base))
    check_declared(expanded)
    base.extra["_expanded"] = expanded
    return expanded


def with_region_areas(definition: FormDefinition) -> FormDefinition:
    """`areas_from: plan_areas`: the areas from the region's file in PORTAL_CONTENT_DIR, with where
    their labels come from (extra["areas_source"], shown on the plan pages)."""
    name = definition.extra.get("areas_from")
    if not name:
        return definition
    if f"{name}.yaml" != AREAS_FILE:
        raise FormDefinitionError(definition.path, None, f"areas_from '{name}' ska vara '{AREAS_FILE[:-5]}'")
    region = load_plan_areas(current_app.config["PORTAL_CONTENT_DIR"])
    if region is None:
        raise FormDefinitionError(definition.path, None, f"areas_from: content/{AREAS_FILE} saknas")
    extra = {**definition.extra, "areas": region.areas, "areas_source": region.source,
             "areas_confirmed": region.confirmed}
    return dataclasses.replace(definition, extra=extra)


def expand_areas(definition: FormDefinition) -> FormDefinition:
    areas = areas_of(definition)
    if not areas:
        return definition
    parser = _Parser(definition.path)
    keys = set()
    for area in areas:
        if not area.key.replace("_", "").isalnum() or not area.key.isascii() or area.key in keys:
            raise FormDefinitionError(definition.path, None, f"området '{area.key}' har en ogiltig eller dubbel nyckel")
        keys.add(area.key)
    fields = tuple(parser.field(node, "area") for node in definition.extra.get("area_fields") or [])
    if not fields:
        raise FormDefinitionError(definition.path, None, "area_fields saknas: vilka fält har ett område?")
    area_sections = [SectionDef(key=a.section_key, title=a.title, help=a.help, fields=fields) for a in areas]
    after = definition.extra.get("areas_after")
    sections = list(definition.sections)
    position = next((i + 1 for i, s in enumerate(sections) if s.key == after), len(sections))
    sections[position:position] = area_sections
    return dataclasses.replace(definition, sections=tuple(sections))


def field_label(definition: FormDefinition, section_key: str, field_key: str) -> str:
    try:
        for f in definition.section(section_key).fields:
            if f.key == field_key:
                return f.label
    except KeyError:
        pass
    return field_key
