"""Plans with the database: the case's process and steps, plan versions, drafts, rules,
approvals, follow-ups, contact persons and the units that take part (for access)."""
from __future__ import annotations

import copy
import datetime as dt
import logging

from flask import current_app, url_for
from sqlalchemy import delete, select

from ..audit import log_event
from ..cases.models import Case, Guardian
from ..directory import current_directory
from ..extensions import db
from ..formdefs import build_form, keys, refuse_over_limit
from ..formdefs.wtf import display_value as formdefs_display
from ..memo import remembered
from ..notify import queue_email
from ..notify.delivery import deliveries_by_prefix
from ..timeutil import local, today_local, utcnow
from . import consent_gate, rules
from .definitions import PLAN_KINDS, areas_of, plan_definition
from .family_links import send_links
from .models import (CaseProcess, ContactChange, FollowUp, Meeting, MeetingStatus, Plan, PlanApproval, PlanError,
                     PlanUnit, PlanVersion, PlanVersionLocked, StepRecord, VersionStatus)
from .people import Person, parse_value, person, staff_at_units, unit_of
from .process import Process, StepDone, load_processes, schedule

log = logging.getLogger("portal.plans")

INTERVENTIONS, UNIT, CONTACT, COST, ROLES, COORDINATOR, PLAN_OWNER, FOLLOWUP_DATE = keys(
    PLAN_KINDS, "interventions", "interventions__unit", "interventions__contact", "interventions__cost", "roles",
    "roles__coordinator", "roles__plan_owner", "followup__date")
PRIORITY, CONVENER = keys("sip", "interventions__priority", "followup__convener")
CHILD_WELFARE_LEAD, AREA_PRIORITY = keys("barnets_plan", "roles__child_welfare_lead", "area_fields__priority")
# The fields that name a person (read when present: each plan kind has some of them).
PERSON_FIELDS = (COORDINATOR, PLAN_OWNER, CHILD_WELFARE_LEAD, CONVENER)


def directory():
    return current_directory()


# --- processes ------------------------------------------------------------------------------------

def processes() -> dict[str, Process]:
    cache = current_app.extensions.get("plans.processes")
    if cache is None or current_app.config.get("PORTAL_DEV_RELOAD_CONTENT"):
        cache = load_processes(current_app.config["PORTAL_CONTENT_DIR"])
        current_app.extensions["plans.processes"] = cache
    return cache


def default_process_key(case: Case | None = None) -> str:
    """The routine a case follows until staff choose: its unit's huvudman's (`process:` in the
    directory), else PORTAL_DEFAULT_PROCESS, else the first process."""
    return _unit_process_key(case.unit_key if case is not None else None)


def age_rule(unit_key: str | None) -> tuple[int, str] | None:
    """(max age, why in Swedish) of the routine a case opened at the unit follows; registered in
    init_app as app.extensions["cases.age_rule"] for cases.forms."""
    key = _unit_process_key(unit_key)
    process = processes().get(key)
    if process is None or process.max_age is None:
        return None
    if process.age_source:
        why = f"{process.name} gäller till och med {process.max_age} år (”{process.age_source}”)"
    else:
        why = f"{process.name}: {process.age_reading} (portalens tolkning)"
    return process.max_age, why


def _unit_process_key(unit_key: str | None) -> str:
    available = processes()
    if unit_key and unit_key in directory().units:
        own = directory().authority_of(unit_key).process
        if own in available:
            return own
    wanted = current_app.config.get("PORTAL_DEFAULT_PROCESS", "norrbus")
    return wanted if wanted in available else next(iter(available))


def case_process(case: Case) -> CaseProcess | None:
    """The case's chosen process; asked three times by a case page, read once (portal/memo.py)."""
    return remembered(("case_process", case.id), (CaseProcess,),
                      lambda: db.session.scalar(select(CaseProcess).where(CaseProcess.case_id == case.id)))


def process_of(case: Case) -> Process | None:
    chosen = case_process(case)
    if chosen is None:
        return None
    return processes().get(chosen.process_key)


def set_process(case: Case, key: str, acute: bool, user) -> CaseProcess:
    if key not in processes():
        raise ValueError(key)
    chosen = case_process(case)
    if chosen is None:
        chosen = CaseProcess(case_id=case.id, process_key=key, acute=acute, chosen_by_id=user.id)
        db.session.add(chosen)
        log_event("process.choose", case=case, object_type="process", object_id=key, detail=f"akut: {'ja' if acute else 'nej'}")
    elif (chosen.process_key, chosen.acute) != (key, acute):
        chosen.process_key, chosen.acute, chosen.chosen_by_id, chosen.chosen_at = key, acute, user.id, utcnow()
        log_event("process.choose", case=case, object_type="process", object_id=key, detail=f"akut: {'ja' if acute else 'nej'}")
    return chosen


def ensure_process(case: Case, user) -> Process:
    """The case's process; a case without one gets the default process."""
    process = process_of(case)
    if process is None:
        key = default_process_key(case)
        set_process(case, key, False, user)
        process = processes()[key]
    return process


def step_records(case: Case) -> dict[str, StepRecord]:
    rows = db.session.scalars(select(StepRecord).where(StepRecord.case_id == case.id)).all()
    return {r.step_key: r for r in rows}


def record_step(case: Case, key: str, on: dt.date, *, user=None, label: str = "", note: str = "",
                automatic: bool = False) -> StepRecord:
    """Records that a step was done. An automatic record never replaces an existing one."""
    existing = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.step_key == key))
    if existing is not None and automatic:
        return existing
    if existing is None:
        existing = StepRecord(case_id=case.id, step_key=key)
        db.session.add(existing)
    existing.done_on = on
    existing.done_by_id = user.id if user is not None else None
    existing.done_by_label = label
    existing.note = note[:500]
    existing.automatic = automatic
    existing.recorded_by_id = user.id if user is not None else None
    db.session.flush()
    log_event("process.step", case=case, object_type="step", object_id=key, user=user,
           actor="" if user is not None else "system", detail="automatiskt" if automatic else "registrerat")
    return existing


def remove_step(case: Case, key: str) -> bool:
    existing = db.session.scalar(select(StepRecord).where(StepRecord.case_id == case.id, StepRecord.step_key == key))
    if existing is None:
        return False
    db.session.delete(existing)
    log_event("process.step_undo", case=case, object_type="step", object_id=key)
    return True


def _who(r: StepRecord) -> str:
    if r.done_by is not None:
        return r.done_by.name + (f" ({r.done_by_label})" if r.done_by_label else "")
    return r.done_by_label


def done_map(case: Case) -> dict[str, StepDone]:
    done = {k: StepDone(r.done_on, _who(r), r.note) for k, r in step_records(case).items()}
    # Follow-ups repeat: the current approved version's follow-up is done once a follow-up
    # has started the next version from it.
    done.pop("followup", None)
    current = _current_approved_versions(case)
    followed = [f for v in current for f in db.session.scalars(
        select(FollowUp).where(FollowUp.from_version_id == v.id)).all()]
    if current and followed:
        latest = max(followed, key=lambda f: f.held_on)
        done["followup"] = StepDone(latest.held_on, "Uppföljning av planen")
    if "consent" in done and consent_reopened_on(case, done["consent"].on) is not None:
        del done["consent"]   # a withdrawal after the step reopens it until a consent is valid again
    if "consent" not in done:
        given = consent_gate.consent_given_on(case)
        if given is not None:
            done["consent"] = StepDone(given, "Samtycket blev giltigt i portalen")
    if "closing" not in done and not case.is_open and case.closed_at:
        done["closing"] = StepDone(local(case.closed_at).date(), "Ärendet avslutades")
    return done


def consent_reopened_on(case: Case, done_on: dt.date | None = None) -> dt.date | None:
    """The day a consent was withdrawn on or after `done_on` (any day when None) while no
    consent is valid now: the consent step is open again. None otherwise."""
    if consent_gate.consent_given_on(case) is not None:
        return None
    days = [w.withdrawn_on for w in consent_gate.withdrawals(case) if done_on is None or w.withdrawn_on >= done_on]
    return max(days) if days else None


def _current_approved_versions(case: Case) -> list[PlanVersion]:
    return [p.current_approved for p in plans_of(case) if p.is_open and p.current_approved is not None]


def next_meeting(case: Case) -> Meeting | None:
    return db.session.scalar(select(Meeting).where(Meeting.case_id == case.id, Meeting.status == MeetingStatus.PLANNED)
                             .order_by(Meeting.starts_at))


def planned_map(case: Case) -> dict[str, dt.date]:
    planned = {}
    meeting = next_meeting(case)
    if meeting is not None:
        planned["meeting"] = local(meeting.starts_at).date()
    dates = []
    for version in _current_approved_versions(case):
        value = FOLLOWUP_DATE.of(version.content)
        if value:
            try:
                dates.append(dt.date.fromisoformat(value))
            except ValueError:
                pass
    if dates:
        planned["followup"] = min(dates)
    return planned


def step_responsible(case: Case, step_key: str) -> Person | None:
    """The person the case's current approved plan names for a step: the follow-up's convener
    (else the samordnare) for "followup", the samordnare for "closing"; None for other steps."""
    fields = {"followup": (("followup", "convener"), ("roles", "coordinator")), "closing": (("roles", "coordinator"),)}
    for version in _current_approved_versions(case) if step_key in fields else []:
        content, _ = with_current_contacts(version.plan, version.content or {})
        for section, key in fields[step_key]:
            found = person((content.get(section) or {}).get(key))
            if found is not None and found.active:
                return found
    return None


def case_schedule(case: Case, today: dt.date | None = None):
    """(process, [StepState]) for a case that follows a process, else (None, [])."""
    process = process_of(case)
    if process is None:
        return None, []
    chosen = case_process(case)
    meeting = next_meeting(case)
    agreed = {"invitation"} if meeting is not None and meeting.lead_time_agreed else set()
    return process, schedule(process, done_map(case), planned_map(case), today or today_local(),
                             acute=chosen.acute, agreed=agreed)


# --- plans ----------------------------------------------------------------------------------------

def plans_of(case: Case) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.case_id == case.id).order_by(Plan.id)).all())


def get_plan(case: Case, plan_id: int) -> Plan | None:
    return db.session.scalar(select(Plan).where(Plan.id == plan_id, Plan.case_id == case.id))


def create_plan(case: Case, user, kind: str | None = None) -> Plan:
    """A new plan with an empty draft as version 1. A case without a process gets the default
    process for the kind of plan (so its steps and deadlines show on the case page)."""
    process = process_of(case)
    default = default_process_key(case)
    kind = kind or (process.plan_form if process else processes()[default].plan_form)
    if process is None:
        candidates = [default] + list(processes())
        key = next(k for k in candidates if k in processes() and processes()[k].plan_form == kind) \
            if any(p.plan_form == kind for p in processes().values()) else default
        set_process(case, key, False, user)
        process = processes()[key]
    plan = Plan(case_id=case.id, kind=kind, process_key=process.key if process else "", created_by_id=user.id)
    plan.versions.append(PlanVersion(number=1, status=VersionStatus.DRAFT, content={}, created_by_id=user.id,
                                     updated_by_id=user.id))
    db.session.add(plan)
    db.session.flush()
    log_event("plan.create", case=case, object_type="plan", object_id=plan.id, detail=f"typ: {kind}")
    return plan


def covered(case: Case) -> dict[str, dt.date]:
    return consent_gate.covered_units(case)


def _label_maps(definition) -> dict:
    d = directory()
    areas = {a.key: a.title for a in areas_of(definition)}
    cache: dict[str, str] = {}

    def staff_label(value):
        if value not in cache:
            p = person(value)
            cache[value] = p.label if p else "Okänd person"
        return cache[value]

    return {
        "unit": lambda k: d.units[k].name if k in d.units else d.unit_label(k),
        "staff": staff_label,
        "service": lambda k: d.services[k].name if k in d.services else k,
        "authority": lambda k: d.authorities[k].name if k in d.authorities else k,
        "area": lambda k: areas.get(k, k),
    }


def display(definition):
    labels = _label_maps(definition)

    def show(fd, value) -> str:
        return formdefs_display(fd, value, labels)

    return show


def _full_choices(definition) -> dict:
    """Every known value (for validation; what is shown is narrowed by narrow_choices)."""
    d = directory()
    return {
        "unit": [(k, d.units[k].name) for k in d.units],
        "staff": [(p.value, p.label) for p in staff_at_units(d.units.keys())],
        "service": [(k, s.name) for k, s in d.services.items()],
        "authority": [(k, a.name) for k, a in d.authorities.items()],
        "area": [(a.key, a.title) for a in areas_of(definition)],
    }


def allowed_choices(case: Case, definition) -> dict:
    """What may be chosen: only units (and people in units) a valid consent covers."""
    d = directory()
    units = [k for k in d.units if k in covered(case)]
    services = []
    for k in units:
        s = d.service_of(k)
        if (s.key, s.name) not in services:
            services.append((s.key, s.name))
    return {
        "unit": [(k, d.units[k].name) for k in units],
        "staff": [(p.value, p.label) for p in staff_at_units(units)],
        "service": services,
        "authority": [(k, a.name) for k, a in d.authorities.items()],
        "area": [(a.key, a.title) for a in areas_of(definition)],
    }


def build_plan_form(case: Case, plan: Plan, version: PlanVersion, *, formdata=None, draft: bool = False):
    definition = plan_definition(plan.kind)
    form = build_form(definition, record=version.content or {}, draft=draft, choices=_full_choices(definition),
                      **({"formdata": formdata} if formdata is not None else {}))
    return form


def _select_fields(form):
    """(field_def, bound field) for every select with dynamic choices, entries included."""
    for section in form.definition.sections:
        if section.repeat:
            for entry in form[section.key].entries:
                for fd in section.fields:
                    if fd.choices_from:
                        yield fd, entry[fd.key]
        else:
            for fd in section.fields:
                if fd.choices_from:
                    yield fd, form[f"{section.key}__{fd.key}"]


def narrow_choices(form, case: Case) -> None:
    """Shows only what may be chosen; a saved value that is no longer allowed stays visible, marked."""
    allowed = allowed_choices(case, form.definition)
    full = _full_choices(form.definition)
    for fd, field in _select_fields(form):
        options = list(allowed.get(fd.choices_from, []))
        current = field.data
        if current and current not in {v for v, _ in options}:
            label = dict(full.get(fd.choices_from, [])).get(current, current)
            options.append((current, f"{label} (omfattas inte av samtycket)"))
        field.choices = [("", "Välj")] + options


def apply_defaults(record: dict) -> dict:
    """Kostnadsansvaret följer ansvaret: an empty cost field becomes the responsible unit's authority."""
    for entry in INTERVENTIONS.of(record, []):
        if not entry.get(COST.key) and entry.get(UNIT.key):
            entry[COST.key] = rules.default_cost_authority(directory(), entry[UNIT.key])
    return record


def rule_errors(case: Case, plan: Plan, record: dict) -> list[tuple[str, str]]:
    """[(form field id, Swedish message)] for the plan rules the form itself cannot check."""
    d = directory()
    ok_units = covered(case)
    errors: list[tuple[str, str]] = []
    for i, entry in enumerate(INTERVENTIONS.of(record, [])):
        unit = entry.get(UNIT.key) or ""
        if unit and unit not in ok_units:
            errors.append((UNIT.entry_name(i), rules.not_covered_message(d, unit)))
        contact = entry.get(CONTACT.key) or ""
        contact_unit = unit_of(contact)
        if contact and contact_unit not in ok_units:
            errors.append((CONTACT.entry_name(i), rules.not_covered_message(d, contact_unit)))
        elif contact and unit in d.units and contact_unit in d.units and \
                d.service_of(contact_unit).key != d.service_of(unit).key:
            errors.append((CONTACT.entry_name(i),
                           f"Kontaktpersonen ska arbeta i den verksamhet som ansvarar för insatsen "
                           f"({d.service_of(unit).name})."))
    for field in PERSON_FIELDS:
        value = field.of(record)
        if value and unit_of(value) not in ok_units:
            errors.append((field.name, rules.not_covered_message(d, unit_of(value))))
    for field_key, message in rules.check_roles(d, unit_of(COORDINATOR.of(record)), unit_of(PLAN_OWNER.of(record)),
                                                require_coordinator=False).items():
        errors.append((f"{ROLES.name}__{field_key}", message))
    return errors


def attach_errors(form, errors: list[tuple[str, str]]) -> None:
    fields = {f.id: f for _, f in _select_fields(form)}
    for section in form.definition.sections:
        if not section.repeat:
            for fd in section.fields:
                name = f"{section.key}__{fd.key}"
                fields.setdefault(form[name].id, form[name])
    for field_id, message in errors:
        field = fields.get(field_id)
        if field is not None:
            field.errors = list(field.errors or []) + [message]


def priority_count(plan: Plan, record: dict) -> int:
    if plan.kind == "barnets_plan":
        return sum(1 for key, value in record.items()
                   if key.startswith("area_") and (value or {}).get(AREA_PRIORITY.key))
    return sum(1 for e in INTERVENTIONS.of(record, []) if e.get(PRIORITY.key))


def lead_suggestion(record: dict) -> rules.LeadSuggestion:
    return rules.suggest_lead_service(directory(), [e.get(UNIT.key) for e in INTERVENTIONS.of(record, [])])


def coordinator_advice(case: Case, record: dict) -> str | None:
    return rules.social_services_advice(directory(), unit_of(COORDINATOR.of(record)),
                                        [e.get(UNIT.key) for e in INTERVENTIONS.of(record, [])],
                                        placed="placement" in step_records(case))


def save_content(case: Case, version: PlanVersion, record: dict, user, *, detail: str) -> bool:
    """Saves the version's content (a draft or a proposal being edited). Returns True when it changed.

    Editing a proposed version takes it back to a draft and clears the approvals given so far."""
    if not version.editable:
        raise ValueError("only drafts and proposals can be edited")
    refuse_over_limit(plan_definition(version.plan.kind), record)  # the editor has refused it (limit_errors)
    if record == (version.content or {}):
        return False
    version.content = copy.deepcopy(record)
    version.updated_at, version.updated_by_id = utcnow(), user.id
    if version.status == VersionStatus.PROPOSED:
        version.status, version.proposed_at = VersionStatus.DRAFT, None
        for approval in list(version.approvals):
            db.session.delete(approval)
        detail += "; godkännanden nollställda"
    log_event("plan.update", case=case, object_type="plan_version", object_id=version.id, detail=detail)
    return True


# --- contact persons ---------------------------------------------------------------------------------

def contact_replacements(plan: Plan) -> dict[int, Person]:
    """old user id -> the current contact person (changes followed to the last one)."""
    changes = db.session.scalars(select(ContactChange).where(ContactChange.plan_id == plan.id)
                                 .order_by(ContactChange.id)).all()
    mapping: dict[int, tuple[str, int]] = {}
    for c in changes:
        for old, (unit, new) in list(mapping.items()):
            if new == c.old_user_id:
                mapping[old] = (c.new_unit_key, c.new_user_id)
        mapping[c.old_user_id] = (c.new_unit_key, c.new_user_id)
    result = {}
    for old, (unit, new) in mapping.items():
        p = person(f"{unit}:{new}")
        if p is not None:
            result[old] = p
    return result


def with_current_contacts(plan: Plan, record: dict) -> tuple[dict, list[dict]]:
    """The record with replaced contact persons applied, and what was replaced (for a note)."""
    mapping = contact_replacements(plan)
    if not mapping:
        return record, []
    result = copy.deepcopy(record)
    replaced = []

    def swap(value):
        parsed = parse_value(value)
        if parsed and parsed[1] in mapping:
            new = mapping[parsed[1]]
            replaced.append({"old": value, "new": new.value})
            return new.value
        return value

    for entry in INTERVENTIONS.of(result, []):
        entry[CONTACT.key] = swap(entry.get(CONTACT.key))
    for field in PERSON_FIELDS:
        if field.of(result):
            result[field.section][field.key] = swap(field.of(result))
    return result, replaced


def contacts_in(record: dict) -> list[str]:
    values = [e.get(CONTACT.key) for e in INTERVENTIONS.of(record, []) if e.get(CONTACT.key)]
    values += [field.of(record) for field in PERSON_FIELDS if field.of(record)]
    return list(dict.fromkeys(values))


def change_contact(case: Case, plan: Plan, old_value: str, new_value: str, user) -> ContactChange:
    old, new = parse_value(old_value), parse_value(new_value)
    change = ContactChange(plan_id=plan.id, old_user_id=old[1], new_user_id=new[1], new_unit_key=new[0],
                           changed_by_id=user.id)
    db.session.add(change)
    latest = plan.latest
    if latest is not None and latest.editable:
        db.session.flush()
        updated, _ = with_current_contacts(plan, latest.content or {})
        if updated != latest.content:
            latest.content = updated
            latest.updated_at, latest.updated_by_id = utcnow(), user.id
    log_event("plan.contact_change", case=case, object_type="plan", object_id=plan.id, detail="kontaktperson bytt")
    sync_plan_units(case)
    return change


# --- approvals ------------------------------------------------------------------------------------------

def participating_units(record: dict) -> list[str]:
    units = [e.get(UNIT.key) for e in INTERVENTIONS.of(record, [])]
    units += [unit_of(COORDINATOR.of(record)), unit_of(PLAN_OWNER.of(record))]
    return [u for u in dict.fromkeys(units) if u]


def family_approvers(case: Case) -> list[tuple[str, Guardian | None]]:
    """[(party, guardian)]: guardians with custody, and the young person when their age asks for it."""
    age = case.age_on(today_local())
    required_age = current_app.config.get("PORTAL_CONSENT_CHILD_REQUIRED_AGE", 15)
    result: list[tuple[str, Guardian | None]] = []
    if age < 18:
        result += [("guardian", g) for g in case.guardians if g.has_custody]
    if age >= required_age:
        result.append(("child", None))
    return result


def propose(case: Case, version: PlanVersion, user) -> list[PlanApproval]:
    """Asks every participating unit and the family to approve the version."""
    if version.status != VersionStatus.DRAFT:
        raise ValueError("only a draft can be proposed")
    version.status, version.proposed_at = VersionStatus.PROPOSED, utcnow()
    for approval in list(version.approvals):
        db.session.delete(approval)
    db.session.flush()
    d = directory()
    for unit in participating_units(version.content or {}):
        version.approvals.append(PlanApproval(party="unit", unit_key=unit, name=d.unit_label(unit)))
    for party, guardian in family_approvers(case):
        if guardian is not None:
            version.approvals.append(PlanApproval(party=party, guardian_id=guardian.id, name=guardian.name,
                                                  email=guardian.email))
        else:
            version.approvals.append(PlanApproval(party=party, name=case.child_name, email=case.email or ""))
    db.session.flush()
    log_event("plan.propose", case=case, object_type="plan_version", object_id=version.id,
           detail=f"godkännanden: {len(version.approvals)}")
    _notify_plan_people(case, version, "plans/email/approval_request", "plan.approval_request",
                        [a.unit_key for a in version.approvals if a.party == "unit"], exclude_user=user)
    send_links(case, version, "plans/email/family_approval_request", "plan.family_link")
    return version.approvals


def approve_for_unit(case: Case, version: PlanVersion, unit_key: str, user) -> PlanApproval:
    """PlanError when the version is not proposed, the user is not in the unit or nothing waits for it."""
    approval = next((a for a in version.approvals if a.party == "unit" and a.unit_key == unit_key and not a.done), None)
    if version.status != VersionStatus.PROPOSED or unit_key not in user.unit_keys or approval is None:
        raise PlanError("Det finns inget godkännande som väntar på din enhet.")
    approval.approved_at, approval.approved_by_id, approval.method = utcnow(), user.id, "inloggad personal"
    log_event("plan.approve", case=case, object_type="plan_version", object_id=version.id, unit_key=unit_key,
           detail="enhet godkände")
    finish_if_complete(case, version, user)
    return approval


def approve_for_family_in_person(case: Case, version: PlanVersion, approval: PlanApproval, on: dt.date, user) -> None:
    """A guardian or the young person signed the plan on paper at the meeting (Bilaga 2: Underskrifter);
    the staff member records it."""
    if (version.status != VersionStatus.PROPOSED or approval.version_id != version.id or approval.party == "unit"
            or approval.done):
        raise ValueError("nothing to record")
    approval.approved_at = dt.datetime.combine(on, dt.time(12, 0))
    approval.approved_by_id, approval.method = user.id, "underskrift på papper"
    log_event("plan.approve", case=case, object_type="plan_version", object_id=version.id,
           detail=f"{'vårdnadshavare' if approval.party == 'guardian' else 'barnet/den unge'} godkände på papper")
    finish_if_complete(case, version, user)


def record_family_approval(case: Case, version: PlanVersion, approval: PlanApproval, actor: str) -> None:
    """A guardian's or the young person's own approval, by personal link and one-time code."""
    approval.approved_at, approval.method = utcnow(), "personlig länk och engångskod"
    log_event("plan.approve", case=case, object_type="plan_version", object_id=version.id, actor=actor,
              detail=f"{'vårdnadshavare' if approval.party == 'guardian' else 'barnet/den unge'} godkände med personlig länk")
    finish_if_complete(case, version)


def finish_if_complete(case: Case, version: PlanVersion, user=None) -> bool:
    if version.status != VersionStatus.PROPOSED or not version.approvals or not all(a.done for a in version.approvals):
        return False
    version.status, version.approved_at = VersionStatus.APPROVED, utcnow()
    db.session.flush()
    log_event("plan.approved", case=case, object_type="plan_version", object_id=version.id, user=user,
           actor="" if user is not None else "system", detail=f"version {version.number}")
    day = today_local()
    if version.number == 1:
        record_step(case, "plan", day, user=user, label="Planen godkändes", automatic=True)
    coordinator = COORDINATOR.of(version.content)
    if coordinator and not rules.check_roles(directory(), unit_of(coordinator), unit_of(PLAN_OWNER.of(version.content))):
        record_step(case, "coordinator", day, user=user, label="Utsedd i den godkända planen", automatic=True)
    sync_plan_units(case)
    _notify_plan_people(case, version, "plans/email/plan_approved", "plan.approved",
                        participating_units(version.content or {}))
    send_links(case, version, "plans/email/family_plan_approved", "plan.family_link")
    return True


def plan_people(case: Case, version: PlanVersion, unit_keys) -> list[Person]:
    """Who hears about a version (approval asked, approved): the staff the plan names (contact
    persons, coordinator, plan owner, child welfare lead, follow-up convener, after contact
    changes) and the staff taking part in the case's meetings that are not cancelled. A unit in
    `unit_keys` that none of them acts for gets its staff members (not its managers): someone
    there must approve. Only units a valid consent covers; never inactive accounts."""
    ok = covered(case)
    content, _ = with_current_contacts(version.plan, version.content or {})
    found: list[Person] = [p for p in (person(v) for v in contacts_in(content)) if p is not None and p.active]
    meetings = db.session.scalars(select(Meeting).where(Meeting.case_id == case.id,
                                                        Meeting.status != MeetingStatus.CANCELLED)).all()
    found += [Person(m.user_id, m.unit_key, m.name, m.email) for meeting in meetings for m in meeting.participants
              if m.kind == "staff" and m.user_id is not None and m.unit_key and m.email]
    for unit in unit_keys:
        if not any(p.unit_key == unit for p in found):
            found += staff_at_units([unit], roles=("staff",))
    return [p for p in found if p.unit_key in ok]


def _notify_plan_people(case: Case, version: PlanVersion, template: str, kind: str, unit_keys,
                        exclude_user=None) -> None:
    """E-mail (no personal data) to plan_people(): a link to the plan, once per person."""
    link = current_app.config["PORTAL_BASE_URL"] + url_for(
        "plans.view", ref=case.ref, plan_id=version.plan_id, number=version.number)
    sent = set()
    for p in plan_people(case, version, unit_keys):
        if p.user_id in sent or (exclude_user is not None and p.user_id == exclude_user.id):
            continue
        sent.add(p.user_id)
        queue_email(p.email, template, {"link": link}, kind=kind, case_id=case.id,
                    dedupe_key=f"{kind}:{version.id}:{p.user_id}")


# --- follow-ups ---------------------------------------------------------------------------------------

def start_followup(case: Case, plan: Plan, held_on: dt.date, deviations: str, user) -> PlanVersion:
    """Uppföljning: a new draft version from the last approved one (with today's contact persons)."""
    last = plan.latest
    if last is None or last.status != VersionStatus.APPROVED:
        raise ValueError("a follow-up starts from an approved version")
    content, _ = with_current_contacts(plan, copy.deepcopy(last.content or {}))
    new = PlanVersion(number=last.number + 1, status=VersionStatus.DRAFT, content=content, created_by_id=user.id,
                      updated_by_id=user.id)
    plan.versions.append(new)
    db.session.flush()
    db.session.add(FollowUp(plan_id=plan.id, from_version_id=last.id, to_version_id=new.id, held_on=held_on,
                            deviations=deviations, created_by_id=user.id))
    log_event("plan.followup", case=case, object_type="plan_version", object_id=new.id,
           detail=f"version {new.number}; avvikelser: {deviations}")
    return new


def version_deliveries(version: PlanVersion) -> list:
    """What became of the e-mails about a version (approval requests, family links, approved)."""
    found = {}
    for kind in ("plan.approval_request", "plan.approved", "plan.family_link"):
        found.update(deliveries_by_prefix(f"{kind}:{version.id}:"))
    return sorted(found.values(), key=lambda d: d.message_id)


def followup_of(version: PlanVersion) -> FollowUp | None:
    return db.session.scalar(select(FollowUp).where(FollowUp.to_version_id == version.id))


# --- units taking part (access) ---------------------------------------------------------------------

def units_taking_part(case: Case) -> set[str]:
    units: set[str] = set()
    for plan in plans_of(case):
        if not plan.is_open:
            continue
        for version in plan.versions:
            units |= set(participating_units(version.content or {}))
            units |= {unit_of(v) for v in contacts_in(version.content or {})}
    for meeting in db.session.scalars(select(Meeting).where(Meeting.case_id == case.id)).all():
        units |= {p.unit_key for p in meeting.participants if p.unit_key}
    units.discard("")
    return units


def sync_plan_units(case: Case) -> None:
    """Refreshes the access rows: units taking part while a valid consent covers them."""
    ok = covered(case)
    wanted = {u: ok[u] for u in units_taking_part(case) if u in ok}
    existing = {r.unit_key: r for r in db.session.scalars(select(PlanUnit).where(PlanUnit.case_id == case.id)).all()}
    for unit, row in existing.items():
        if unit not in wanted:
            db.session.delete(row)
        elif row.valid_until != wanted[unit]:
            row.valid_until = wanted[unit]
    for unit, until in wanted.items():
        if unit not in existing:
            db.session.add(PlanUnit(case_id=case.id, unit_key=unit, valid_until=until))
    db.session.flush()


def cases_for_units(unit_keys: set[str]):
    return select(PlanUnit.case_id).where(PlanUnit.unit_key.in_(unit_keys), PlanUnit.valid_until >= today_local())


def units_for_case(case: Case) -> set[str]:
    ok = covered(case)
    rows = db.session.scalars(select(PlanUnit.unit_key).where(PlanUnit.case_id == case.id)).all()
    return {u for u in rows if u in ok}


def withdrawal_notices(case: Case, plan: Plan) -> list[tuple[dt.date, list[str]]]:
    """[(withdrawn on, [units of the plan no longer covered])] for "Samtycket återkallades …"."""
    ok = covered(case)
    latest = plan.latest
    units = set(participating_units(latest.content or {})) if latest else set()
    result = []
    for w in consent_gate.withdrawals(case):
        lost = [u for u in w.unit_keys if u in units and u not in ok]
        if lost or set(w.unit_keys) & units:
            result.append((w.withdrawn_on, lost))
    return result


def plan_coverage(case: Case, version: PlanVersion) -> list[tuple[str, dt.date | None]]:
    """[(unit of the version, the last day a valid consent covers it, or None)] for "Samtycke"
    on the plan page: the consent the plan rests on."""
    ok = covered(case)
    return [(u, ok.get(u)) for u in participating_units(version.content or {})]


def uncovered_plan_units(case: Case, plan: Plan) -> list[str]:
    latest = plan.latest
    if latest is None:
        return []
    return rules.uncovered(participating_units(latest.content or {}), covered(case))


def delete_draft_plan(case: Case, plan: Plan) -> None:
    kept = PlanError("En plan med en godkänd version sparas och kan inte tas bort.")
    if any(v.status == VersionStatus.APPROVED for v in plan.versions):
        raise kept
    db.session.execute(delete(PlanApproval).where(PlanApproval.version_id.in_([v.id for v in plan.versions])))
    db.session.delete(plan)
    try:
        db.session.flush()
    except PlanVersionLocked:  # approved meanwhile
        raise kept from None
    log_event("plan.delete", case=case, object_type="plan", object_id=plan.id)
