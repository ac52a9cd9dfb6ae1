"""Plan rules – pure functions over the organisation directory, no request or database.

- coordinator / plan owner: a samordnare outside socialtjänst and hälso- och sjukvård requires
  a planansvarig inside them (Norrbus: Planansvarig; SoL 2 kap. 7 §, HSL 16 kap. 4 §);
- lead service (samverkansansvarig verksamhet): the service with the most interventions
  (Kronobarnsmodellen: Samverkansansvarig), ties explained; Kronobarn plans only;
- priorities: a warning above three (Kronobarnsmodellen: Prioritera, "de 2–3 viktigaste");
  Kronobarn plans only;
- social services coordinate (Norrbus: Samordnare, Vård utanför det egna hemmet): advice when
  socialtjänsten has interventions and the samordnare works elsewhere; Norrbus and Arjeplog only;
- consent: only units covered by a valid consent can be chosen;
- meetings: the secretary (and the chair) is never the child or a guardian.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from ..directory.loader import PLAN_OWNER_SECTORS, SECTORS, Directory
from ..templating import swedish_date
from .process import StepStatus
from .working_days import non_working_reason

PRIORITY_LIMIT = 3
FAMILY_KINDS = {"child", "guardian"}


# --- coordinator and plan owner ------------------------------------------------------------

def sector_of(directory: Directory, unit_key: str) -> str | None:
    if not unit_key or unit_key not in directory.units:
        return None
    return directory.service_type_of(unit_key).sector


def needs_plan_owner(directory: Directory, coordinator_unit: str | None) -> bool:
    """True when the coordinator works outside socialtjänst and hälso- och sjukvård."""
    sector = sector_of(directory, coordinator_unit or "")
    return sector is not None and sector not in PLAN_OWNER_SECTORS


def check_roles(directory: Directory, coordinator_unit: str | None, plan_owner_unit: str | None,
                require_coordinator: bool = True) -> dict[str, str]:
    """{"coordinator" | "plan_owner": Swedish error}; empty when the roles follow the rule."""
    errors: dict[str, str] = {}
    if not coordinator_unit:
        if require_coordinator:
            errors["coordinator"] = "Välj en samordnare"
        return errors
    if plan_owner_unit:
        owner_sector = sector_of(directory, plan_owner_unit)
        if owner_sector not in PLAN_OWNER_SECTORS:
            errors["plan_owner"] = (
                f"Planansvarig ska arbeta inom socialtjänsten eller hälso- och sjukvården. "
                f"{directory.unit_label(plan_owner_unit)} hör till {SECTORS.get(owner_sector, 'en annan sektor').lower()}.")
    elif needs_plan_owner(directory, coordinator_unit):
        sector = SECTORS.get(sector_of(directory, coordinator_unit), "en annan sektor").lower()
        errors["plan_owner"] = (
            f"Samordnaren arbetar inom {sector}, alltså utanför socialtjänsten och hälso- och sjukvården. "
            "Utse därför också en planansvarig inom socialtjänsten eller hälso- och sjukvården.")
    return errors


# --- lead service --------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadSuggestion:
    service_key: str | None
    counts: dict[str, int] = field(default_factory=dict)   # service key -> interventions
    tied: tuple[str, ...] = ()
    explanation: str = ""


def _count_text(n: int) -> str:
    return f"{n} insats" if n == 1 else f"{n} insatser"


def suggest_lead_service(directory: Directory, intervention_units: Iterable[str]) -> LeadSuggestion:
    """The service (verksamhet) with the most interventions; a tie is explained, not decided."""
    counts = Counter()
    for unit_key in intervention_units:
        if unit_key and unit_key in directory.units:
            counts[directory.service_of(unit_key).key] += 1
    if not counts:
        return LeadSuggestion(None, {}, (), "Ingen insats har en ansvarig enhet än, så det finns inget förslag.")
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], directory.services[kv[0]].name))
    top = ordered[0][1]
    tied = tuple(k for k, n in ordered if n == top)
    listing = ", ".join(f"{directory.services[k].name} {_count_text(n)}" for k, n in ordered)
    if len(tied) > 1:
        names = " och ".join(directory.services[k].name for k in tied)
        return LeadSuggestion(None, dict(counts), tied,
                              f"{names} har lika många insatser ({_count_text(top)} var). Bestäm tillsammans vem som "
                              f"blir samverkansansvarig. Insatser per verksamhet: {listing}.")
    best = tied[0]
    return LeadSuggestion(best, dict(counts), (),
                          f"Förslag: {directory.services[best].name}, som har flest insatser i planen. "
                          f"Insatser per verksamhet: {listing}.")


# --- Norrbus: who coordinates ------------------------------------------------------------------

NORRBUS_COORDINATOR = ("I det fall socialtjänsten har insatser utöver tidiga insatser är det naturligt att "
                       "samordnaren tillhör socialtjänsten.")
NORRBUS_PLACEMENT = "Vid placering utanför hemmet har socialtjänsten samordningsansvaret."


def social_services_advice(directory: Directory, coordinator_unit: str | None,
                           intervention_units: Iterable[str], placed: bool = False) -> str | None:
    """Norrbus riktlinjer (Samordnare; Vård utanför det egna hemmet): advice, not a refusal, when
    socialtjänsten has interventions in the plan and the samordnare works outside it. Whether
    they go beyond early interventions (tidiga insatser) is the meeting's judgement. After a
    recorded placement decision the rule is plain: socialtjänsten coordinates."""
    if not coordinator_unit or sector_of(directory, coordinator_unit) == "socialtjanst":
        return None
    if placed:
        return (f"Barnet är placerat utanför hemmet (steget är registrerat), men samordnaren arbetar på "
                f"{directory.unit_label(coordinator_unit)}. Norrbus riktlinjer: ”{NORRBUS_PLACEMENT}” "
                "Välj en samordnare från socialtjänsten.")
    social = [u for u in intervention_units if sector_of(directory, u) == "socialtjanst"]
    if not social:
        return None
    return (f"Socialtjänsten har {_count_text(len(social))} i planen, men samordnaren arbetar på "
            f"{directory.unit_label(coordinator_unit)}. Norrbus riktlinjer: ”{NORRBUS_COORDINATOR}” och "
            f"”{NORRBUS_PLACEMENT}” Är socialtjänstens insatser mer än tidiga insatser, eller är barnet "
            "placerat, bör samordnaren komma från socialtjänsten.")


# --- priorities ------------------------------------------------------------------------------

def priority_warning(count: int, limit: int = PRIORITY_LIMIT) -> str | None:
    if count <= limit:
        return None
    return (f"Planen har {count} prioriteringar. Välj de 2–3 viktigaste just nu och ta de andra vid nästa "
            "uppföljning – låt gärna barnet och vårdnadshavarna välja vad de vill börja med.")


# --- consent ---------------------------------------------------------------------------------

def uncovered(unit_keys: Iterable[str], covered: dict | set) -> list[str]:
    """The chosen units that no valid consent covers, in the order given, without repeats."""
    result = []
    for key in unit_keys:
        if key and key not in covered and key not in result:
            result.append(key)
    return result


def not_covered_message(directory: Directory, unit_key: str) -> str:
    return (f"{directory.unit_label(unit_key)} omfattas inte av något giltigt samtycke och kan inte väljas. "
            "Be familjen om samtycke för enheten först.")


# --- cost responsibility ---------------------------------------------------------------------

def default_cost_authority(directory: Directory, unit_key: str) -> str:
    """Kostnadsansvaret följer ansvaret: the responsible unit's authority (huvudman)."""
    if not unit_key or unit_key not in directory.units:
        return ""
    return directory.service_of(unit_key).authority_key


# --- meeting roles -----------------------------------------------------------------------------

def check_meeting_roles(chair_kind: str | None, secretary_kind: str | None) -> dict[str, str]:
    """Participant kinds are "staff", "unit", "guardian", "child", "guest" (no account) or "other"."""
    errors = {}
    if secretary_kind in FAMILY_KINDS:
        errors["secretary"] = "Sekreteraren kan inte vara barnet eller en vårdnadshavare. Välj en av de professionella."
    elif secretary_kind == "guest":
        errors["secretary"] = "Sekreteraren kan inte vara någon utan konto i portalen. Välj en av de professionella."
    if chair_kind in FAMILY_KINDS:
        errors["chair"] = "Mötesledaren kan inte vara barnet eller en vårdnadshavare. Välj en av de professionella."
    elif chair_kind == "guest":
        errors["chair"] = "Mötesledaren kan inte vara någon utan konto i portalen. Välj en av de professionella."
    return errors


# --- meeting dates -------------------------------------------------------------------------

def meeting_date_warnings(day, meeting_state=None, process_name: str = "", invitation=None, today=None) -> list[str]:
    """Swedish warnings for a meeting on `day` (a date): a day that is not a working day; a day
    after the process's deadline for the meeting step (`meeting_state`, a process.StepState or
    None); and an invitation step counted back from the meeting (`invitation`: (step, due,
    explanation) or None) whose last day is before `today`. Each names the deadline, how it was
    counted and the rule it comes from."""
    warnings = []
    reason = non_working_reason(day)
    if reason:
        warnings.append(f"{swedish_date(day, with_weekday=True).capitalize()} är {reason}, som inte är en arbetsdag. "
                        "Kontrollera att alla kan komma, eller välj en annan dag.")
    state = meeting_state
    if state is not None and state.status != StepStatus.DONE and state.due is not None and day > state.due:
        warnings.append(f"Mötet ligger efter tidsgränsen: {state.step.label} senast "
                        f"{swedish_date(state.due, with_weekday=True)}. {state.explanation}"
                        + _rule_text(process_name, state.step.source))
    if invitation is not None and today is not None and invitation[1] is not None and invitation[1] < today:
        step, due, explanation = invitation
        warnings.append(f"Kallelsen hinns inte skicka i tid: {step.label} senast {swedish_date(due, with_weekday=True)}. "
                        f"{explanation}" + _rule_text(process_name, step.source))
    return warnings


def _rule_text(process_name: str, source) -> str:
    """" Regeln kommer från <process>, avsnittet ”<heading>”: ”<text>”." (empty without a process)."""
    if not process_name:
        return ""
    rule = f" Regeln kommer från {process_name}"
    if source.heading:
        rule += f", avsnittet ”{source.heading}”"
    if source.text:
        rule += f": ”{' '.join(source.text.split())}”"
    return rule + "."
