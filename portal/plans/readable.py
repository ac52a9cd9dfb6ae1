"""A plan version as readers meet it: the page, the family's PDF and the JSON export.

Contact persons are today's (a replaced contact shows at once, also in approved versions)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..directory import current_directory
from ..timeutil import local
from .definitions import areas_of, plan_definition
from .models import Plan, PlanVersion
from .people import Person, person
from .service import followup_of, with_current_contacts

SCHEMA = "samverkansportalen.plan/1"


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
    for e in content.get("interventions") or []:
        unit = e.get("unit") or ""
        service = d.service_of(unit) if unit in d.units else None
        cost = e.get("cost") or ""
        interventions.append(Intervention(
            area_key=e.get("area") or "", area_title=area_titles.get(e.get("area") or "", ""), what=e.get("what") or "",
            unit_key=unit, unit_name=unit_name(unit), service_key=service.key if service else "",
            service_name=service.name if service else "",
            authority_name=d.authorities[service.authority_key].name if service else "",
            contact=person(e.get("contact")), performer=e.get("performer") or "", start=_date(e.get("start")),
            frequency=e.get("frequency") or "", duration=e.get("duration") or "", cost_key=cost,
            cost_name=d.authorities[cost].name if cost in d.authorities else cost, followup=e.get("followup") or "",
            priority=bool(e.get("priority"))))
    areas = []
    for a in areas_of(definition):
        values = content.get(f"area_{a.key}") or {}
        areas.append(Area(a.key, a.title, values.get("child_words") or "", values.get("needs") or "",
                          bool(values.get("priority")),
                          [(v.get("who") or "", v.get("text") or "") for v in content.get("views") or []
                           if v.get("area") == a.key],
                          [i for i in interventions if i.area_key == a.key]))
    roles = content.get("roles") or {}
    followup = content.get("followup") or {}
    family = content.get("family") or {}
    lead = roles.get("lead_service") or ""
    overall = roles.get("overall_authority") or ""
    return ReadablePlan(
        plan=plan, version=version, title=definition.title, kind=plan.kind,
        established_on=_date((content.get("plan") or content.get("background") or {}).get("established_on")),
        background=(content.get("background") or {}).get("info") or "",
        needs=(content.get("needs") or {}).get("needs") or "",
        strengths=(content.get("needs") or {}).get("strengths") or "",
        others=(content.get("others") or {}).get("measures") or "",
        no_further=[(d.unit_label(e.get("unit")) if e.get("unit") in d.units else (e.get("unit") or ""),
                     e.get("reasoning") or "") for e in content.get("no_further") or []],
        child_view=family.get("child") or "",
        guardian_view=family.get("guardians") or "",
        areas=areas, interventions=interventions,
        coordinator=person(roles.get("coordinator")), plan_owner=person(roles.get("plan_owner")),
        child_welfare_lead=person(roles.get("child_welfare_lead")), convener=person(followup.get("convener")),
        lead_service_key=lead, lead_service=d.services[lead].name if lead in d.services else lead,
        overall_authority=d.authorities[overall].name if overall in d.authorities else overall,
        followup_date=_date(followup.get("date")), followup_time=followup.get("time") or "",
        followup_place=followup.get("place") or "", replaced_contacts=replaced, labels=labels)


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
