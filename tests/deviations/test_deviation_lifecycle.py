"""The deviation report's life as a pure state machine (Bilaga 4, Rutin för avvikelsehantering)."""
import pytest

from portal.deviations import lifecycle as lc


def test_the_routine_in_order_from_draft_to_closed():
    steps = [("submit", lc.RECEIVED), ("cosign", lc.COSIGNED), ("send_to_concerned", lc.SENT_TO_CONCERNED),
             ("answer", lc.UNDER_ANALYSIS), ("decide_measures", lc.MEASURES_DECIDED),
             ("give_feedback", lc.FEEDBACK_GIVEN), ("close", lc.CLOSED)]
    status = lc.DRAFT
    for action, expected in steps:
        status = lc.next_status(status, action)
        assert status == expected
    assert lc.next_status(lc.CLOSED, "reopen") == lc.UNDER_ANALYSIS


@pytest.mark.parametrize("status, action", [
    (lc.DRAFT, "cosign"),                   # nothing happens before the reporter has sent it
    (lc.RECEIVED, "send_to_concerned"),     # the copy goes out only after both have signed
    (lc.RECEIVED, "close"),
    (lc.COSIGNED, "answer"),                # the concerned organisation answers after receiving the copy
    (lc.SENT_TO_CONCERNED, "give_feedback"),
    (lc.UNDER_ANALYSIS, "close"),           # never closed without feedback to the reporter
    (lc.DRAFT, "comment"),
    (lc.RECEIVED, "submit"),                # sent once
    (lc.RECEIVED, "no-such-action"),
])
def test_transitions_the_routine_does_not_allow_are_refused(status, action):
    with pytest.raises(lc.InvalidTransition):
        lc.next_status(status, action)


def test_comments_and_assignment_keep_the_status():
    assert lc.next_status(lc.UNDER_ANALYSIS, "comment") == lc.UNDER_ANALYSIS
    assert lc.next_status(lc.RECEIVED, "assign") == lc.RECEIVED


def test_who_may_do_what():
    assert lc.allowed_actions(lc.RECEIVED, {"line_manager"}) == ["cosign", "comment", "assign"]
    # a handler cannot sign for the line manager, a copy holder cannot change the status
    assert "cosign" not in lc.allowed_actions(lc.RECEIVED, {"handler"})
    assert lc.allowed_actions(lc.COSIGNED, {"copy"}) == ["comment", "assign"]
    assert lc.allowed_actions(lc.SENT_TO_CONCERNED, {"concerned"}) == ["answer", "comment"]
    assert lc.allowed_actions(lc.SENT_TO_CONCERNED, {"handler"}) == ["start_analysis", "comment"]
    assert lc.allowed_actions(lc.UNDER_ANALYSIS, {"handler"}) == ["decide_measures", "give_feedback", "comment"]
    # the reporter follows the report but does not handle it
    for status in lc.STATUSES:
        assert lc.allowed_actions(status, {"reporter"}) == []
    # after closing, the follow-up of the measures can still be commented on
    assert lc.allowed_actions(lc.CLOSED, {"line_manager"}) == ["reopen", "comment"]
    assert not lc.can(lc.CLOSED, "reopen", {"handler"})


def test_every_status_has_a_swedish_label_and_open_statuses_exclude_closed():
    assert set(lc.STATUS_LABELS) == set(lc.STATUSES)
    assert lc.CLOSED not in lc.OPEN_STATUSES and lc.DRAFT not in lc.OPEN_STATUSES
    assert lc.is_open(lc.RECEIVED) and not lc.is_open(lc.CLOSED)


def test_a_report_waits_for_whoever_can_move_it_on():
    assert lc.waits_for(lc.RECEIVED, {"line_manager"})
    assert not lc.waits_for(lc.RECEIVED, {"copy"})
    assert lc.waits_for(lc.SENT_TO_CONCERNED, {"concerned"})
    assert not lc.waits_for(lc.CLOSED, {"line_manager"})  # it could be reopened, but it does not wait
    assert not lc.waits_for(lc.UNDER_ANALYSIS, {"reporter"})
