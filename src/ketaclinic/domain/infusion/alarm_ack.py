"""What an acknowledgement may do about an alarm's required action.

An alarm carries the protocol's required action (``pause`` or ``stop`` for the clinical rules,
``notify``, ``hold`` or ``check_sensor`` for the others). Acknowledging with that action, or a
stronger one, needs no more than the click: the alarm is the reason. While dosing runs and the
condition still holds:

- continuing to dose on a required **stop** is refused: that rule cannot be overridden;
- continuing to dose on a required **pause** is a prescriber's decision (physician or APP), with
  a written reason; anyone else is refused and pauses first;
- pausing on a stop rule needs a written reason. It still halts dosing, and the session cannot
  resume while the stop condition lasts (guard ``no_stop_alarm``).

Every override is recorded with the acknowledgement and named in its audit event.

A pause rule on a session already paused is met. Once the condition has cleared, or on a stop
rule while dosing is paused, doing less than the required action is accepted with a written
reason (why it was not done), recorded as an override; without one it is refused, so a click
alone never records that a required pause or stop was skipped. Source: clinical.md §4.3 (BP
and SpO2 rules: pause, stop, notify the prescriber); IEC 60601-1-8 (alarm priorities; the
operator acknowledges, the cause is acted on).

What the alarm asks depends on the session's state when it is acknowledged
(:func:`required_response`, the one place that decides it): before dosing, a pause or stop rule
means do not start dosing, recheck and call the prescriber; while dosing, pause or stop as the rule
says; while paused, keep dosing paused (or stop); once dosing has ended (recovery or stopped
early), stay with the patient, recheck and call the prescriber. Only the choices that state
allows are offered, and any other is refused naming the rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketaclinic.domain.infusion.records import AckAction, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState, state_words

RULE = "alarm.required_action"
_STRENGTH = {AckAction.NONE: 0, AckAction.PAUSE: 1, AckAction.STOP: 2}
_REQUIRED = {"pause": AckAction.PAUSE, "stop": AckAction.STOP}


_PRE_DOSE = frozenset({SessionState.SCHEDULED, SessionState.CHECKED_IN, SessionState.READY})
_DOSING_ENDED = frozenset({SessionState.RECOVERY, SessionState.STOPPED})
_CLINICAL = frozenset({"pause", "stop", "hold"})  # rules about the patient's condition


@dataclass(frozen=True, slots=True)
class AlarmResponse:
    """What an alarm asks of the team in one session state: ``text`` the required action in
    plain words, ``required`` the acknowledgement choice that meets it, ``choices`` every choice
    the state allows (with its words), required one included."""

    text: str
    required: AckAction
    choices: tuple[tuple[AckAction, str], ...]

    @property
    def actions(self) -> tuple[AckAction, ...]:
        return tuple(a for a, _ in self.choices)

    def words(self, action: AckAction) -> str:
        return dict(self.choices).get(action, action.value)


def required_response(rule_action: str, state: SessionState) -> AlarmResponse:
    """The required action of an alarm whose rule asks ``rule_action`` (pause, stop, hold,
    notify, check_sensor) on a session in ``state``, and the acknowledgement choices offered.
    Source: clinical.md §4.3 (pre-dose: hold and recheck; intra-dose: pause or stop and notify
    the prescriber; SpO2/RR: stop, stimulate, airway support) and §4.6 (recovery observation)."""
    sensor = rule_action == "check_sensor"
    if state in _PRE_DOSE:
        text = (
            "do not start dosing: recheck, and call the prescriber"
            if rule_action in _CLINICAL
            else "technical alarm: check the probe, cuff or leads"
            if sensor
            else "call the prescriber"
        )
        return AlarmResponse(text, AckAction.NONE, ((AckAction.NONE, "Did not start dosing"),))
    if state is SessionState.INFUSING or state is SessionState.PAUSED:
        paused = state is SessionState.PAUSED
        required = _REQUIRED.get(rule_action, AckAction.NONE)
        if paused and required is AckAction.PAUSE:
            required = AckAction.NONE  # the pause is already in effect
        text = {
            "pause": "keep dosing paused, and call the prescriber"
            if paused
            else "pause dosing, and call the prescriber",
            "stop": "stop dosing: stay with the patient, and call the prescriber",
            "hold": "recheck, and call the prescriber",
            "check_sensor": "technical alarm: check the probe, cuff or leads",
        }.get(rule_action, "call the prescriber")
        stopped = (AckAction.STOP, "Stopped dosing")
        if paused:
            return AlarmResponse(text, required, (stopped, (AckAction.NONE, "Kept dosing paused")))
        choices = (
            (AckAction.PAUSE, "Paused dosing"),
            stopped,
            (AckAction.NONE, "No change to dosing"),
        )
        return AlarmResponse(text, required, choices)
    if state in _DOSING_ENDED:
        text = (
            "dosing has ended: stay with the patient, recheck, and call the prescriber"
            if rule_action in _CLINICAL
            else "technical alarm: check the probe, cuff or leads"
            if sensor
            else "call the prescriber"
        )
        done = "Dosing had ended: stayed with the patient and acted"
        return AlarmResponse(text, AckAction.NONE, ((AckAction.NONE, done),))
    return AlarmResponse(
        "the session has ended: record what was done",
        AckAction.NONE,
        ((AckAction.NONE, "Recorded what was done"),),
    )


@dataclass(frozen=True, slots=True)
class AckCheck:
    """``refused``: a hard refusal; ``needs_reason``: an override without its written reason;
    ``override``: an accepted override (recorded as such)."""

    refused: str = ""
    needs_reason: str = ""
    override: str = ""


def check_acknowledgement(
    alarm: StoredAlarm, state: SessionState, action: AckAction, note: str, *, prescriber: bool
) -> AckCheck:
    """``prescriber``: the person acknowledging may decide on dosing (physician or APP)."""
    response = required_response(alarm.action, state)
    if action not in response.actions:
        offered = "; ".join(f'"{w}"' for _, w in response.choices)
        return AckCheck(
            refused=f"{RULE}: at this point of the session ({state_words(state)}) the alarm "
            f"asks: {response.text}. Acknowledge with: {offered}"
        )
    required = response.required
    if _STRENGTH[action] >= _STRENGTH[required]:
        return AckCheck()
    dosing = state is SessionState.INFUSING
    if not dosing or not alarm.active:
        if not note.strip():
            return AckCheck(
                needs_reason=f"{RULE}: this alarm requires dosing to "
                f"{required.value}; write why it was not done (for example: dosing had already "
                "ended, or the condition cleared on recheck)"
            )
        return AckCheck(override=f"{RULE}: {alarm.rule_id} {required.value} -> {action.value}")
    if required is AckAction.STOP and action is AckAction.NONE:
        return AckCheck(
            refused=f"{RULE}: this alarm requires dosing to stop while its condition "
            "lasts; dosing cannot continue"
        )
    if required is AckAction.PAUSE and not prescriber:
        return AckCheck(
            refused=f"{RULE}: this alarm requires dosing to pause; only a prescriber "
            "may decide to continue: pause, then ask a prescriber"
        )
    if not note.strip():
        return AckCheck(
            needs_reason=f"{RULE}: this alarm requires dosing to {required.value}; "
            f"write why you chose to {'pause instead' if action is AckAction.PAUSE else 'continue'}"
        )
    return AckCheck(override=f"{RULE}: {alarm.rule_id} {required.value} -> {action.value}")


def ack_action_words(rule_action: str, action: AckAction, state: SessionState) -> str:
    """The acknowledgement choice ``action`` in the words it was offered in, for a session in
    ``state`` when it was acknowledged, lower-cased to follow "by <name>: " ("kept dosing
    paused", not "no change to dosing", for an alarm acknowledged while dosing was paused)."""
    words = required_response(rule_action, state).words(action)
    return words[:1].lower() + words[1:]


def state_at_ack(
    dosing_started_at: datetime | None,
    dosing_ended_at: datetime | None,
    pause_moves: Sequence[tuple[datetime, bool]],
    at: datetime,
) -> SessionState:
    """The dosing state of a session at ``at``: before dosing (READY), after dosing ended
    (RECOVERY), or within dosing PAUSED or INFUSING from the latest pause move at or before
    ``at`` (``pause_moves``: (when, resumed) pairs)."""
    if dosing_started_at is None or at < dosing_started_at:
        return SessionState.READY
    if dosing_ended_at is not None and at >= dosing_ended_at:
        return SessionState.RECOVERY
    moves = sorted((m for m in pause_moves if m[0] <= at), key=lambda m: m[0])
    return SessionState.PAUSED if moves and not moves[-1][1] else SessionState.INFUSING
