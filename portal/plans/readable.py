"""A plan version as readers meet it: the page, the family's PDF and the JSON export.

Contact persons are today's (a replaced contact shows at once, also in approved versions)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..directory import current_directory
from ..formdefs import keys
from ..timeutil import local
from .definitions import PLAN_KINDS, areas_of, plan_definition
from .models import Plan, PlanVersion
from .people import Person, person
from .service import followup_of, with_current_contacts

SCHEMA = "samverkansportalen.plan/1"

# The fields a reader sees (each plan kind has some of its own; absent ones read as empty).
(INTERVENTIONS, WHAT, UNIT, CONTACT, PERFORMER, START, FREQUENCY, DURATION, COST, FOLLOWS_UP, OTHERS, NO_FURTHER,
 NO_FURTHER_UNIT, REASONING, CHILD_VIEW, GUARDIAN_VIEW, LEAD_SERVICE, OVERALL_AUTHORITY, COORDINATOR, PLAN_OWNER,
 FOLLOWUP_DATE, FOLLOWUP_TIME, FOLLOWUP_PLACE) = keys(
    PLAN_KINDS, "interventions", "interventions__what", "interventions__unit", "interventions__contact",
    "interventions__performer", "interventions__start", "interventions__frequency", "interventions__duration",
    "interventions__cost", "interventions__followup", "others__measures", "no_further", "no_further__unit",
    "no_further__reasoning", "family__child", "family__guardians", "roles__lead_service", "roles__overall_authority",
    "roles__coordinator", "roles__plan_owner", "followup__date", "followup__time", "followup__place")
PRIORITY, CONVENER, SIP_ESTABLISHED_ON, NEEDS, STRENGTHS = keys(
    "sip", "interventions__priority", "followup__convener", "plan__established_on", "needs__needs", "needs__strengths")
(AREA, VIEWS, VIEW_AREA, VIEW_WHO, VIEW_TEXT, CHILD_WELFARE_LEAD, BACKGROUND, ESTABLISHED_ON, AREA_CHILD_WORDS,
 AREA_NEEDS, AREA_PRIORITY) = keys(
    "barnets_plan", "interventions__area", "views", "views__area", "views__who", "views__text",
    "roles__child_welfare_lead", "background__info", "background__established_on", "area_fields__child_words",
    "area_fields__needs", "area_fields__priority")


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@dataclass
class Intervention:
    area_key: str
    area_title: str
    what: str
    unit_key: str
    unit_name: str
    service_key: str
    service_name: str
    authority_name: str
    contact: Person | None
    performer: str
    start: dt.date | None
    frequency: str
    duration: str
    cost_key: str
    cost_name: str
    followup: str
    priority: bool


@dataclass
class Area:
    key: str
    title: str
    child_words: str = ""
    needs: str = ""
    priority: bool = False
    views: list[tuple[str, str]] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)

    @property
    def has_content(self) -> bool:
        return bool(self.child_words or self.needs or self.views or self.interventions)


@dataclass
class ReadablePlan:
    plan: Plan
    version: PlanVersion
    title: str
    kind: str
    established_on: dt.date | None
    background: str
    needs: str
    strengths: str
    others: str
    no_further: list[tuple[str, str]]     # (unit, why no further investigation or insats is needed)
    child_view: str
    guardian_view: str
    areas: list[Area]
    interventions: list[Intervention]
    coordinator: Person | None
    plan_owner: Person | None
    child_welfare_lead: Person | None
    convener: Person | None
    lead_service_key: str
    lead_service: str
    overall_authority: str
    followup_date: dt.date | None
    followup_time: str
    followup_place: str
    replaced_contacts: list[dict]
    labels: dict

    @property
    def child_words(self) -> list[tuple[str, str]]:
        """Everything the child said in their own words, first in every reading of the plan."""
        words = [(a.title, a.child_words) for a in self.areas if a.child_words]
        if self.child_view:
            words.append(("Om planen" if self.kind == "barnets_plan" else "Om insatserna", self.child_view))
        return words

    @property
    def filled_areas(self) -> list[Area]:
        return [a for a in self.areas if a.has_content]


def readable(plan: Plan, version: PlanVersion) -> ReadablePlan:
    definition = plan_definition(plan.kind)
    d = current_directory()
    content, replaced = with_current_contacts(plan, version.content or {})
    area_titles = {a.key: a.title for a in areas_of(definition)}
    labels = {f"{s.key}.{f.key}": f.label for s in definition.sections for f in s.fields}

    def unit_name(key):
        return d.units[key].name if key in d.units else (d.unit_label(key) if key else "")

    interventions = []
    for e in INTERVENTIONS.of(content) or []:
        unit = e.get(UNIT.key) or ""
        service = d.service_of(unit) if unit in d.units else None
        cost = e.get(COST.key) or ""
        area = e.get(AREA.key) or ""
        interventions.append(Intervention(
            area_key=area, area_title=area_titles.get(area, ""), what=e.get(WHAT.key) or "",
            unit_key=unit, unit_name=unit_name(unit), service_key=service.key if service else "",
            service_name=service.name if service else "",
            authority_name=d.authorities[service.authority_key].name if service else "",
            contact=person(e.get(CONTACT.key)), performer=e.get(PERFORMER.key) or "", start=_date(e.get(START.key)),
            frequency=e.get(FREQUENCY.key) or "", duration=e.get(DURATION.key) or "", cost_key=cost,
            cost_name=d.authorities[cost].name if cost in d.authorities else cost,
            followup=e.get(FOLLOWS_UP.key) or "", priority=bool(e.get(PRIORITY.key))))
    areas = []
    for a in areas_of(definition):
        values = content.get(f"area_{a.key}") or {}
        areas.append(Area(a.key, a.title, values.get(AREA_CHILD_WORDS.key) or "", values.get(AREA_NEEDS.key) or "",
                          bool(values.get(AREA_PRIORITY.key)),
                          [(v.get(VIEW_WHO.key) or "", v.get(VIEW_TEXT.key) or "") for v in VIEWS.of(content) or []
                           if v.get(VIEW_AREA.key) == a.key],
                          [i for i in interventions if i.area_key == a.key]))
    lead = LEAD_SERVICE.of(content) or ""
    overall = OVERALL_AUTHORITY.of(content) or ""
    return ReadablePlan(
        plan=plan, version=version, title=definition.title, kind=plan.kind,
        established_on=_date(SIP_ESTABLISHED_ON.of(content) or ESTABLISHED_ON.of(content)),
        background=BACKGROUND.of(content) or "",
        needs=NEEDS.of(content) or "",
        strengths=STRENGTHS.of(content) or "",
        others=OTHERS.of(content) or "",
        no_further=[(d.unit_label(e.get(NO_FURTHER_UNIT.key)) if e.get(NO_FURTHER_UNIT.key) in d.units
                     else (e.get(NO_FURTHER_UNIT.key) or ""), e.get(REASONING.key) or "")
                    for e in NO_FURTHER.of(content) or []],
        child_view=CHILD_VIEW.of(content) or "",
        guardian_view=GUARDIAN_VIEW.of(content) or "",
        areas=areas, interventions=interventions,
        coordinator=person(COORDINATOR.of(content)), plan_owner=person(PLAN_OWNER.of(content)),
        child_welfare_lead=person(CHILD_WELFARE_LEAD.of(content)), convener=person(CONVENER.of(content)),
        lead_service_key=lead, lead_service=d.services[lead].name if lead in d.services else lead,
        overall_authority=d.authorities[overall].name if overall in d.authorities else overall,
        followup_date=_date(FOLLOWUP_DATE.of(content)), followup_time=FOLLOWUP_TIME.of(content) or "",
        followup_place=FOLLOWUP_PLACE.of(content) or "", replaced_contacts=replaced, labels=labels)


# --- JSON export for journal systems ----------------------------------------------------------------

def _person_json(p: Person | None):
    if p is None:
        return None
    d = current_directory()
    return {"name": p.name, "email": p.email, "unit": p.unit_key,
            "unit_name": d.units[p.unit_key].name if p.unit_key in d.units else p.unit_key}


def _iso(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local(value).isoformat(timespec="seconds")
    return value.isoformat()


def export_json(case, plan: Plan, version: PlanVersion) -> dict:
    """The documented export (docs/plans.md, "JSON-export"): one plan version."""
    r = readable(plan, version)
    follow = followup_of(version)

    def intervention(i: Intervention) -> dict:
        return {"area": i.area_key or None, "what": i.what,
                "responsible_unit": {"key": i.unit_key, "name": i.unit_name},
                "service": {"key": i.service_key, "name": i.service_name}, "authority": i.authority_name,
                "contact": _person_json(i.contact), "performer": i.performer, "start": _iso(i.start),
                "frequency": i.frequency, "duration": i.duration,
                "cost_responsibility": {"key": i.cost_key, "name": i.cost_name}, "followup": i.followup,
                "priority": i.priority}

    return {
        "schema": SCHEMA,
        "case": {"ref": case.ref, "child": {"name": case.child_name, "personal_number": case.personal_number}},
        "plan": {"id": plan.id, "kind": plan.kind, "title": r.title, "process": plan.process_key or None},
        "version": {
            "number": version.number, "status": version.status, "created_at": _iso(version.created_at),
            "proposed_at": _iso(version.proposed_at), "approved_at": _iso(version.approved_at),
            "established_on": _iso(r.established_on),
            "based_on": version.number - 1 if version.number > 1 else None,
            "followup": ({"held_on": _iso(follow.held_on), "deviations": follow.deviations} if follow else None),
        },
        "background": r.background or None,
        "needs": {"needs": r.needs, "strengths": r.strengths} if plan.kind == "sip" else None,
        "areas": [{"key": a.key, "title": a.title, "child_words": a.child_words, "needs": a.needs,
                   "priority": a.priority, "professional_views": [{"who": w, "text": t} for w, t in a.views]}
                  for a in r.filled_areas],
        "interventions": [intervention(i) for i in r.interventions],
        "measures_by_others": r.others or None,
        "no_further_measures": [{"unit": u, "reasoning": why} for u, why in r.no_further],
        "views": {"child": r.child_view, "guardians": r.guardian_view},
        "roles": {
            "coordinator": _person_json(r.coordinator), "plan_owner": _person_json(r.plan_owner),
            "lead_service": {"key": r.lead_service_key, "name": r.lead_service} if r.lead_service_key else None,
            "overall_authority": r.overall_authority or None,
            "child_welfare_lead": _person_json(r.child_welfare_lead),
        },
        "followup": {"date": _iso(r.followup_date), "time": r.followup_time, "place": r.followup_place,
                     "convener": _person_json(r.convener)},
        "approvals": [{"party": a.party, "unit": a.unit_key or None, "approved_at": _iso(a.approved_at),
                       "method": a.method or None} for a in version.approvals],
    }
