"""The required action of an alarm follows the session's state (one mapping,
``domain.infusion.alarm_ack.required_response``): the acknowledgement choices offered are exactly
the ones the state allows, the required one among them. Source: clinical.md §4.3 (pre-dose hold
and recheck; intra-dose pause or stop and notify the prescriber) and §4.6 (recovery)."""

from __future__ import annotations

import pytest

from ketaclinic.domain.infusion.alarm_ack import required_response
from ketaclinic.domain.infusion.records import AckAction
from ketaclinic.domain.infusion.session import SessionState

NONE, PAUSE, STOP = AckAction.NONE, AckAction.PAUSE, AckAction.STOP
RULES = ("pause", "stop", "hold", "notify", "check_sensor")


@pytest.mark.parametrize(
    ("state", "rule", "required", "choices", "words"),
    [
        (SessionState.CHECKED_IN, "pause", NONE, (NONE,), "do not start dosing"),
        (SessionState.READY, "stop", NONE, (NONE,), "do not start dosing"),
        (SessionState.CHECKED_IN, "hold", NONE, (NONE,), "recheck"),
        (SessionState.INFUSING, "pause", PAUSE, (PAUSE, STOP, NONE), "pause dosing"),
        (SessionState.INFUSING, "stop", STOP, (PAUSE, STOP, NONE), "stop dosing"),
        (SessionState.INFUSING, "notify", NONE, (PAUSE, STOP, NONE), "call the prescriber"),
        (SessionState.PAUSED, "pause", NONE, (STOP, NONE), "keep dosing paused"),
        (SessionState.PAUSED, "stop", STOP, (STOP, NONE), "stop dosing"),
        (SessionState.RECOVERY, "pause", NONE, (NONE,), "stay with the patient"),
        (SessionState.RECOVERY, "stop", NONE, (NONE,), "stay with the patient"),
        (SessionState.STOPPED, "pause", NONE, (NONE,), "stay with the patient"),
        (SessionState.RECOVERY, "check_sensor", NONE, (NONE,), "check the probe"),
    ],
)
def test_required_action_and_choices_follow_the_state(
    state: SessionState, rule: str, required: AckAction, choices: tuple[AckAction, ...], words: str
) -> None:
    response = required_response(rule, state)
    assert response.required is required
    assert response.actions == choices
    assert words in response.text


@pytest.mark.parametrize("state", list(SessionState))
@pytest.mark.parametrize("rule", RULES)
def test_the_required_choice_is_always_one_offered_in_plain_words(
    state: SessionState, rule: str
) -> None:
    response = required_response(rule, state)
    assert response.required in response.actions
    for action, words in response.choices:
        assert words and words[0].isupper() and action.value not in words.split()
    assert "_" not in response.text


def test_before_dosing_no_rule_asks_to_pause_or_stop() -> None:
    for rule in RULES:
        for state in (SessionState.SCHEDULED, SessionState.CHECKED_IN, SessionState.READY):
            response = required_response(rule, state)
            assert "pause dosing" not in response.text and "stop dosing" not in response.text
            assert PAUSE not in response.actions and STOP not in response.actions
