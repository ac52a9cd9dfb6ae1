"""The life of a deviation report as a pure state machine (Arjeplog's Bilaga 4, Rutin för
avvikelsehantering): reporting and signatures, copy to the concerned organisation, analysis,
decided measures, feedback to the reporting organisation, closing.

    next_status("received", "cosign")              -> "cosigned"
    allowed_actions("received", {"line_manager"})  -> ["cosign", ...]
    next_status("draft", "close")                  -> raises InvalidTransition

Roles of a person on one report: reporter, line_manager (a routed recipient: the reporter's
nearest manager), copy (a copy holder), concerned (a manager of the concerned organisation),
handler (the named handler assigned by a manager)."""
from __future__ import annotations

from dataclasses import dataclass

from ..enums import LabelledStrEnum


class DeviationStatus(LabelledStrEnum):
    """A report's status, in the routine's order."""
    DRAFT = "draft", "Utkast"
    RECEIVED = "received", "Mottagen"
    COSIGNED = "cosigned", "Underskriven av närmaste chef"
    SENT_TO_CONCERNED = "sent_to_concerned", "Skickad till berörd verksamhet"
    UNDER_ANALYSIS = "under_analysis", "Analyseras"
    MEASURES_DECIDED = "measures_decided", "Åtgärder beslutade"
    FEEDBACK_GIVEN = "feedback_given", "Återkoppling lämnad"
    CLOSED = "closed", "Avslutad"


# Statuses after submission, in order (statistics and the compilation list them this way).
SUBMITTED_STATUSES = list(DeviationStatus)[1:]
OPEN_STATUSES = [s for s in SUBMITTED_STATUSES if s != DeviationStatus.CLOSED]

MANAGING = frozenset({"line_manager", "handler"})


@dataclass(frozen=True)
class Action:
    key: str
    label: str            # the button
    sources: frozenset    # statuses the action starts from
    target: str | None    # the new status; None: the status stays
    roles: frozenset      # who may do it
    text_label: str = ""  # the text the action asks for ("" = none)
    text_error: str = ""  # the Swedish message when that text is missing
    text_required: bool = True


_AFTER_SUBMIT = frozenset(SUBMITTED_STATUSES)
_ACTIVE = frozenset(OPEN_STATUSES)

ACTIONS: dict[str, Action] = {a.key: a for a in [
    Action("submit", "Skicka rapporten", frozenset({DeviationStatus.DRAFT}), DeviationStatus.RECEIVED,
           frozenset({"reporter"})),
    Action("cosign", "Skriv under som närmaste chef", frozenset({DeviationStatus.RECEIVED}), DeviationStatus.COSIGNED,
           frozenset({"line_manager"}), "Ditt yttrande som närmaste chef",
           "Skriv ditt yttrande innan du skriver under"),
    Action("send_to_concerned", "Skicka kopia till den berörda verksamheten", frozenset({DeviationStatus.COSIGNED}),
           DeviationStatus.SENT_TO_CONCERNED, MANAGING, "Meddelande till den berörda verksamheten", "",
           text_required=False),
    Action("answer", "Lämna den berörda verksamhetens svar",
           frozenset({DeviationStatus.SENT_TO_CONCERNED, DeviationStatus.UNDER_ANALYSIS}),
           DeviationStatus.UNDER_ANALYSIS, frozenset({"concerned"}),
           "Den berörda verksamhetens svar och analys", "Skriv verksamhetens svar"),
    Action("start_analysis", "Börja analysen utan svar", frozenset({DeviationStatus.SENT_TO_CONCERNED}),
           DeviationStatus.UNDER_ANALYSIS, MANAGING, "Varför analysen börjar utan svar", "", text_required=False),
    Action("decide_measures", "Registrera beslutade åtgärder", frozenset({DeviationStatus.UNDER_ANALYSIS}),
           DeviationStatus.MEASURES_DECIDED, MANAGING, "Beslutade förbättringsåtgärder och hur de följs upp",
           "Skriv vilka åtgärder som beslutades, eller att inga åtgärder behövs"),
    Action("give_feedback", "Skicka återkoppling till rapportören",
           frozenset({DeviationStatus.UNDER_ANALYSIS, DeviationStatus.MEASURES_DECIDED}),
           DeviationStatus.FEEDBACK_GIVEN, MANAGING, "Återkoppling till rapportören och den rapporterande verksamheten",
           "Skriv återkopplingen till rapportören"),
    Action("close", "Avsluta rapporten", frozenset({DeviationStatus.FEEDBACK_GIVEN}), DeviationStatus.CLOSED, MANAGING,
           "Kommentar", "", text_required=False),
    Action("reopen", "Öppna rapporten igen", frozenset({DeviationStatus.CLOSED}), DeviationStatus.UNDER_ANALYSIS,
           frozenset({"line_manager"}), "Varför rapporten öppnas igen", "Skriv varför rapporten öppnas igen"),
    Action("comment", "Spara kommentaren", _AFTER_SUBMIT, None,
           frozenset({"line_manager", "handler", "copy", "concerned"}), "Kommentar", "Skriv en kommentar"),
    Action("assign", "Tilldela", _ACTIVE, None, frozenset({"line_manager", "copy"})),
]}


class InvalidTransition(ValueError):
    pass


def next_status(status: str, action: str) -> str:
    """The status after `action`; raises InvalidTransition when the action is not allowed now."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise InvalidTransition(f"unknown action {action!r}")
    if status not in spec.sources:
        raise InvalidTransition(f"{action!r} is not allowed in status {status!r}")
    return spec.target or status


def can(status: str, action: str, roles: set[str] | frozenset) -> bool:
    spec = ACTIONS.get(action)
    return bool(spec and status in spec.sources and spec.roles & set(roles))


def allowed_actions(status: str, roles: set[str] | frozenset) -> list[str]:
    """The actions the person with `roles` may take on a report in `status`, in the routine's order."""
    return [key for key in ACTIONS if key != "submit" and can(status, key, roles)]


# Actions that move a report on: a person who may take one of them now has the report waiting.
FORWARD_ACTIONS = ("cosign", "send_to_concerned", "answer", "start_analysis", "decide_measures", "give_feedback",
                   "close")


def waits_for(status: str, roles: set[str] | frozenset) -> bool:
    """Does the report wait for this person (not merely allow a comment or a reopening)?"""
    return any(can(status, action, roles) for action in FORWARD_ACTIONS)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
