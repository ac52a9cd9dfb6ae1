"""The deviation report's life as a pure state machine (Bilaga 4, Rutin för avvikelsehantering)."""
import pytest

from portal.deviations import lifecycle as lc
from portal.deviations.lifecycle import DeviationStatus


def test_the_routine_in_order_from_draft_to_closed():
    steps = [("submit", DeviationStatus.RECEIVED), ("cosign", DeviationStatus.COSIGNED),
             ("send_to_concerned", DeviationStatus.SENT_TO_CONCERNED),
             ("answer", DeviationStatus.UNDER_ANALYSIS), ("decide_measures", DeviationStatus.MEASURES_DECIDED),
             ("give_feedback", DeviationStatus.FEEDBACK_GIVEN), ("close", DeviationStatus.CLOSED)]
    status = DeviationStatus.DRAFT
    for action, expected in steps:
        status = lc.next_status(status, action)
        assert status == expected
    assert lc.next_status(DeviationStatus.CLOSED, "reopen") == DeviationStatus.UNDER_ANALYSIS


@pytest.mark.parametrize("status, action", [
    (DeviationStatus.DRAFT, "cosign"),                   # nothing happens before the reporter has sent it
    (DeviationStatus.RECEIVED, "send_to_concerned"),     # the copy goes out only after both have signed
    (DeviationStatus.RECEIVED, "close"),
    (DeviationStatus.COSIGNED, "answer"),                # the concerned organisation answers after receiving the copy
    (DeviationStatus.SENT_TO_CONCERNED, "give_feedback"),
    (DeviationStatus.UNDER_ANALYSIS, "close"),           # never closed without feedback to the reporter
    (DeviationStatus.DRAFT, "comment"),
    (DeviationStatus.RECEIVED, "submit"),                # sent once
    (DeviationStatus.RECEIVED, "no-such-action"),
])
def test_transitions_the_routine_does_not_allow_are_refused(status, action):
    with pytest.raises(lc.InvalidTransition):
        lc.next_status(status, action)


def test_comments_and_assignment_keep_the_status():
    assert lc.next_status(DeviationStatus.UNDER_ANALYSIS, "comment") == DeviationStatus.UNDER_ANALYSIS
    assert lc.next_status(DeviationStatus.RECEIVED, "assign") == DeviationStatus.RECEIVED


def test_who_may_do_what():
    assert lc.allowed_actions(DeviationStatus.RECEIVED, {"line_manager"}) == ["cosign", "comment", "assign"]
    # a handler cannot sign for the line manager, a copy holder cannot change the status
    assert "cosign" not in lc.allowed_actions(DeviationStatus.RECEIVED, {"handler"})
    assert lc.allowed_actions(DeviationStatus.COSIGNED, {"copy"}) == ["comment", "assign"]
    assert lc.allowed_actions(DeviationStatus.SENT_TO_CONCERNED, {"concerned"}) == ["answer", "comment"]
    assert lc.allowed_actions(DeviationStatus.SENT_TO_CONCERNED, {"handler"}) == ["start_analysis", "comment"]
    assert lc.allowed_actions(DeviationStatus.UNDER_ANALYSIS, {"handler"}) == [
        "decide_measures", "give_feedback", "comment"]
    # the reporter follows the report but does not handle it
    for status in list(DeviationStatus):
        assert lc.allowed_actions(status, {"reporter"}) == []
    # after closing, the follow-up of the measures can still be commented on
    assert lc.allowed_actions(DeviationStatus.CLOSED, {"line_manager"}) == ["reopen", "comment"]
    assert not lc.can(DeviationStatus.CLOSED, "reopen", {"handler"})


def test_every_status_has_a_swedish_label_and_open_statuses_exclude_closed():
    assert set(DeviationStatus.labels()) == set(list(DeviationStatus))
    assert DeviationStatus.CLOSED not in lc.OPEN_STATUSES and DeviationStatus.DRAFT not in lc.OPEN_STATUSES
    assert lc.is_open(DeviationStatus.RECEIVED) and not lc.is_open(DeviationStatus.CLOSED)


def test_a_report_waits_for_whoever_can_move_it_on():
    assert lc.waits_for(DeviationStatus.RECEIVED, {"line_manager"})
    assert not lc.waits_for(DeviationStatus.RECEIVED, {"copy"})
    assert lc.waits_for(DeviationStatus.SENT_TO_CONCERNED, {"concerned"})
    assert not lc.waits_for(DeviationStatus.CLOSED, {"line_manager"})  # it could be reopened, but it does not wait
    assert not lc.waits_for(DeviationStatus.UNDER_ANALYSIS, {"reporter"})
