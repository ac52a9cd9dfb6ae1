"""The process of a case as configuration (content/processes/*.yaml) and its schedule.

Pure: no request or database. A process is a list of steps; a step may have a deadline
relative to another step (N working days or N weeks after it), relative to a planned date
("at least N weeks before the meeting") or at a planned date (the follow-up date in the plan).

    processes = load_processes(content_dir)              # {key: Process}
    states = schedule(processes["norrbus"], done={"consent": StepDone(date(2026, 12, 21))},
                      planned={}, today=date(2026, 12, 22))
    [s.status for s in states]   # StepStatus: done, overdue, soon, pending, waiting, open
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..directory.loader import DirectoryError, read_yaml_with_lines
from ..enums import LabelledStrEnum
from ..templating import swedish_date
from ..yaml_lines import line_of
from . import working_days as wd

FOLDER = "processes"
AUTO_SOURCES = {"consent", "invitation", "meeting", "plan", "coordinator", "followup", "closing"}
PLAN_FORMS = {"sip", "barnets_plan"}
# The plan rules a process can name (plan_rules: in its file); each belongs to the routine that
# states it, so a Norrbus SIP never gets Kronoberg's advice and the other way round.
PLAN_RULES = {
    "lead_service": "Kronobarnsmodellen: samverkansansvarig är verksamheten med flest insatser",
    "priorities": "Kronobarnsmodellen: de 2–3 viktigaste prioriteringarna",
    "social_services_coordinates": "Norrbus: samordnaren tillhör socialtjänsten när den har insatser "
                                   "utöver tidiga insatser, och vid placering utanför hemmet",
}


class ProcessError(DirectoryError):
    """A broken process file: names the file, the line and the problem (in Swedish)."""


@dataclass(frozen=True)
class Source:
    guideline: str = ""
    heading: str = ""
    text: str = ""


@dataclass(frozen=True)
class Deadline:
    after: str = ""            # N working days / weeks after this step was done
    before: str = ""           # at least N weeks / working days before this step's planned date
    on: str = ""               # on the planned date of this step
    working_days: int | None = None
    weeks: int | None = None
    acute: str = ""            # shown instead of a date in acute cases ("Snarast möjligt")
    unless_agreed: bool = False  # "om inte annat bestämts i dialog"

    @property
    def reference(self) -> str:
        return self.after or self.before or self.on


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    who: str = ""
    auto: str = ""
    deadline: Deadline | None = None
    source: Source = field(default_factory=Source)
    only_if: str = ""          # shown only once this earlier step is done (the cost split after a placement)


@dataclass(frozen=True)
class Process:
    key: str
    name: str
    description: str
    plan_form: str
    steps: tuple[Step, ...]
    soon_working_days: int = 2
    path: Path | None = field(default=None, compare=False)
    plan_rules: tuple[str, ...] = ()
    # Who the routine is for: up to and including max_age years. `source` quotes the routine;
    # where the routine is silent, `reading` says it is the portal's reading (and why).
    max_age: int | None = None
    age_source: str = ""
    age_reading: str = ""

    def applies(self, rule: str) -> bool:
        """Whether this process's routine states the plan rule (one of PLAN_RULES)."""
        return rule in self.plan_rules

    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def has_step(self, key: str) -> bool:
        return any(s.key == key for s in self.steps)


# --- loading -------------------------------------------------------------------------------

def load_processes(content_dir: Path | str) -> dict[str, Process]:
    folder = Path(content_dir) / FOLDER
    result = {}
    for path in sorted(folder.glob("*.yaml")):
        process = load_process(path)
        result[process.key] = process
    if not result:
        raise ProcessError(folder, None, "mappen innehåller inga processer (*.yaml)")
    return result


def load_process(path: Path) -> Process:
    data = read_yaml_with_lines(path)

    def fail(node, problem):
        raise ProcessError(path, line_of(node), problem)

    def text(node, key, what, required=True):
        value = node.get(key) if isinstance(node, dict) else None
        if value in (None, "") and required:
            fail(node, f"{what} saknar '{key}'")
        return str(value or "").strip()

    if not isinstance(data, dict):
        raise ProcessError(path, 1, "filen ska vara en mappning med key, name, plan_form och steps")
    key = text(data, "key", "processen")
    if key != path.stem:
        fail(data, f"nyckeln '{key}' ska vara samma som filnamnet '{path.stem}'")
    plan_form = text(data, "plan_form", "processen")
    if plan_form not in PLAN_FORMS:
        fail(data, f"okänd plan_form '{plan_form}' (tillåtna: {', '.join(sorted(PLAN_FORMS))})")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        fail(data, "processen saknar steg (steps)")
    steps, seen = [], []
    for node in raw_steps:
        skey = text(node, "key", "ett steg")
        if skey in seen:
            fail(node, f"steget '{skey}' finns redan")
        auto = text(node, "auto", f"steget '{skey}'", required=False)
        if auto and auto not in AUTO_SOURCES:
            fail(node, f"steget '{skey}' har okänd auto '{auto}' (tillåtna: {', '.join(sorted(AUTO_SOURCES))})")
        deadline = None
        dnode = node.get("deadline")
        if dnode is not None:
            deadline = _deadline(dnode, skey, seen, [s.get("key") for s in raw_steps if isinstance(s, dict)], fail)
        snode = node.get("source") or {}
        source = Source(str(snode.get("guideline") or ""), str(snode.get("heading") or ""),
                        " ".join(str(snode.get("text") or "").split())) if isinstance(snode, dict) else Source()
        only_if = text(node, "only_if", f"steget '{skey}'", required=False)
        if only_if and only_if not in seen:
            fail(node, f"steget '{skey}': only_if '{only_if}' är inte ett tidigare steg")
        steps.append(Step(skey, text(node, "label", f"steget '{skey}'"), text(node, "who", "", required=False),
                          auto, deadline, source, only_if))
        seen.append(skey)
    soon = data.get("soon_working_days", 2)
    if not isinstance(soon, int) or soon < 0:
        fail(data, "soon_working_days ska vara ett heltal 0 eller större")
    plan_rules = data.get("plan_rules") or []
    if not isinstance(plan_rules, list) or not all(isinstance(r, str) for r in plan_rules):
        fail(data, "plan_rules ska vara en lista med regelnamn")
    for rule in plan_rules:
        if rule not in PLAN_RULES:
            fail(data, f"okänd plan_rules '{rule}' (tillåtna: {', '.join(sorted(PLAN_RULES))})")
    age = data.get("age") or {}
    if not isinstance(age, dict) or (age and not isinstance(age.get("max"), int)):
        fail(data, "age ska vara en mappning med max (ett heltal) och source eller reading")
    if age and not (age.get("source") or age.get("reading")):
        fail(age, "age ska ha source (rutinens ord) eller reading (portalens tolkning när rutinen inte säger något)")
    return Process(key, text(data, "name", "processen"), " ".join(text(data, "description", "", False).split()),
                   plan_form, tuple(steps), soon, path, tuple(plan_rules),
                   age.get("max"), " ".join(str(age.get("source") or "").split()),
                   " ".join(str(age.get("reading") or "").split()))


def _deadline(node, step_key, earlier, all_keys, fail) -> Deadline:
    what = f"tidsgränsen för steget '{step_key}'"
    if not isinstance(node, dict):
        fail({}, f"{what} ska vara en mappning, till exempel {{after: consent, working_days: 5}}")
    if True in node:  # YAML 1.1 reads a bare `on:` as the boolean true
        fail(node, f"{what}: skriv 'at' i stället för 'on'")
    refs = [k for k in ("after", "before", "at") if node.get(k)]
    if len(refs) != 1:
        fail(node, f"{what} ska ha exakt en av after, before och at")
    ref = str(node[refs[0]])
    if refs[0] == "after" and ref not in earlier:
        fail(node, f"{what} räknas från '{ref}', som inte är ett tidigare steg")
    if refs[0] in ("before", "at") and ref not in all_keys and ref != "followup":
        fail(node, f"{what} räknas från '{ref}', som inte är ett steg i processen")
    amounts = [k for k in ("working_days", "weeks") if node.get(k) is not None]
    if refs[0] == "at":
        if amounts:
            fail(node, f"{what}: 'at' tar inga working_days eller weeks")
    elif len(amounts) != 1:
        fail(node, f"{what} ska ha antingen working_days eller weeks")
    for k in amounts:
        if not isinstance(node[k], int) or node[k] < 0:
            fail(node, f"{what}: {k} ska vara ett heltal 0 eller större")
    return Deadline(after=ref if refs[0] == "after" else "", before=ref if refs[0] == "before" else "",
                    on=ref if refs[0] == "at" else "", working_days=node.get("working_days"),
                    weeks=node.get("weeks"), acute=str(node.get("acute") or ""),
                    unless_agreed=bool(node.get("unless_agreed", False)))


# --- schedule ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepDone:
    on: dt.date
    by: str = ""
    note: str = ""


class StepStatus(LabelledStrEnum):
    """Where a process step stands today (computed, never stored)."""
    DONE = "done", "Klart"
    OVERDUE = "overdue", "Försenat"
    SOON = "soon", "Snart dags"
    PENDING = "pending", "Planerat"
    WAITING = "waiting", "Väntar på tidigare steg"
    OPEN = "open", "Ingen tidsgräns"


@dataclass(frozen=True)
class StepState:
    step: Step
    status: StepStatus
    due: dt.date | None = None
    done: StepDone | None = None
    explanation: str = ""        # how the deadline was counted, in Swedish
    late_by: int = 0             # working days late (done after the deadline, or overdue now)

    @property
    def flagged(self) -> bool:
        return self.status in (StepStatus.OVERDUE, StepStatus.SOON)

    @property
    def status_label(self) -> str:
        return self.status.label


def _sv(day: dt.date) -> str:
    return swedish_date(day, with_weekday=True)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _skipped_text(start: dt.date, end: dt.date) -> str:
    skipped = [(d, r) for d, r in wd.skipped_days(start, end) if r not in ("lördag", "söndag")]
    if not skipped:
        return ""
    return " Räknas inte som arbetsdagar: " + ", ".join(f"{r} {swedish_date(d)}" for d, r in skipped) + "."


def due_date(process: Process, step: Step, done: dict[str, StepDone], planned: dict[str, dt.date],
             acute: bool = False, agreed: set[str] | frozenset = frozenset()) -> tuple[dt.date | None, str]:
    """(due date or None, explanation in Swedish) for one step."""
    d = step.deadline
    if d is None:
        return None, ""
    ref_label = process.step(d.reference).label.lower() if process.has_step(d.reference) else d.reference
    if acute and d.acute:
        return None, d.acute
    if d.after:
        base = done.get(d.after)
        if base is None:
            if d.working_days == 0:
                return None, f"Samma dag som steget ”{ref_label}”, som inte är gjort än."
            amount = (_count(d.working_days, "arbetsdag", "arbetsdagar") if d.working_days is not None
                      else _count(d.weeks, "vecka", "veckor"))
            return None, f"{amount} efter steget ”{ref_label}”, som inte är gjort än."
        if d.working_days is not None:
            due = wd.add_working_days(base.on, d.working_days)
            if d.working_days == 0:
                due = wd.next_working_day(base.on) if not wd.is_working_day(base.on) else base.on
                return due, f"Samma dag som steget ”{ref_label}” ({_sv(base.on)})."
            return due, (f"{_count(d.working_days, 'arbetsdag', 'arbetsdagar')} efter steget ”{ref_label}” "
                         f"({_sv(base.on)}).{_skipped_text(base.on, due)}")
        due = wd.add_weeks(base.on, d.weeks, roll="forward")
        moved = "" if due == base.on + dt.timedelta(weeks=d.weeks) else (
            f" Dagen är inte en arbetsdag ({wd.non_working_reason(base.on + dt.timedelta(weeks=d.weeks))}),"
            " så tidsgränsen flyttas till nästa arbetsdag.")
        return due, f"{_count(d.weeks, 'vecka', 'veckor')} efter steget ”{ref_label}” ({_sv(base.on)}).{moved}"
    if d.before:
        if d.unless_agreed and step.key in agreed:
            return None, "Annan framförhållning har bestämts i dialog."
        target = planned.get(d.before)
        if target is None:
            return None, f"Räknas från datumet för steget ”{ref_label}”, som inte är bestämt än."
        if d.weeks is not None:
            due = wd.add_weeks(target, -d.weeks, roll="backward")
            amount = _count(d.weeks, "vecka", "veckor")
        else:
            due = wd.add_working_days(target, -d.working_days)
            amount = _count(d.working_days, "arbetsdag", "arbetsdagar")
        suffix = " om inte annat bestämts i dialog" if d.unless_agreed else ""
        return due, f"Minst {amount} före steget ”{ref_label}” ({_sv(target)}){suffix}."
    target = planned.get(d.on)
    if target is None:
        return None, "Datumet är inte bestämt än."
    return target, "Datumet som bestämdes i planen."


def schedule(process: Process, done: dict[str, StepDone], planned: dict[str, dt.date], today: dt.date,
             acute: bool = False, agreed: set[str] | frozenset = frozenset()) -> list[StepState]:
    """The state of every step on `today`: overdue and soon-due steps are flagged."""
    states = []
    for step in process.steps:
        if step.only_if and step.only_if not in done:
            continue  # e.g. the cost split, only once a placement is decided
        due, why = due_date(process, step, done, planned, acute, agreed)
        record = done.get(step.key)
        if record is not None:
            late = wd.working_days_between(due, record.on) if due and record.on > due else 0
            states.append(StepState(step, StepStatus.DONE, due, record, why, late))
            continue
        if due is None:
            waiting = step.deadline is not None and bool(step.deadline.after) and step.deadline.after not in done \
                and not (acute and step.deadline.acute)
            states.append(StepState(step, StepStatus.WAITING if waiting else StepStatus.OPEN, None, None, why))
            continue
        if today > due:
            states.append(StepState(step, StepStatus.OVERDUE, due, None, why, wd.working_days_between(due, today)))
        elif wd.working_days_between(today, due) <= process.soon_working_days:
            states.append(StepState(step, StepStatus.SOON, due, None, why))
        else:
            states.append(StepState(step, StepStatus.PENDING, due, None, why))
    return states


@dataclass(frozen=True)
class NextStep:
    """What is next in a case ("Nästa steg" at the top of the case page)."""
    state: StepState | None                 # the first step that is not done; None when all are done
    overdue: tuple[StepState, ...] = ()     # every overdue step, in the process's order

    @property
    def also_overdue(self) -> tuple[StepState, ...]:
        """The overdue steps other than the next one."""
        return tuple(s for s in self.overdue if s is not self.state)


def next_step(states: list[StepState]) -> NextStep:
    """The first open step of a schedule (with its deadline and who does it) and the overdue steps."""
    open_steps = [s for s in states if s.status != StepStatus.DONE]
    return NextStep(open_steps[0] if open_steps else None, tuple(s for s in open_steps if s.status == StepStatus.OVERDUE))
