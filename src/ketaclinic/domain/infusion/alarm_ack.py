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

A pause rule on a session already paused is met. Once dosing has ended or the condition has
cleared, doing less than the required action is accepted with a written reason (why it was not
done), recorded as an override; without one it is refused, so a click alone never records that a
required pause or stop was skipped. Source: clinical.md §4.3 (BP and SpO2 rules: pause, stop,
notify the prescriber); IEC 60601-1-8 (alarm priorities; the operator acknowledges, the cause is
acted on).
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.domain.infusion.records import AckAction, StoredAlarm
from ketaclinic.domain.infusion.session import SessionState

RULE = "alarm.required_action"
_STRENGTH = {AckAction.NONE: 0, AckAction.PAUSE: 1, AckAction.STOP: 2}
_REQUIRED = {"pause": AckAction.PAUSE, "stop": AckAction.STOP}


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
    required = _REQUIRED.get(alarm.action)
    if required is None or _STRENGTH[action] >= _STRENGTH[required]:
        return AckCheck()
    if required is AckAction.PAUSE and state is SessionState.PAUSED:
        return AckCheck()  # the required pause is already in effect
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
